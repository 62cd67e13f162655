// Worker thread of a replay (sample-thread.ts): reads one recorded sample stream and posts it in batches.
import { workerData } from "node:worker_threads";
import { serveSamples } from "./sample-thread.ts";

serveSamples(workerData);
