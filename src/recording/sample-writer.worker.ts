// Worker thread of a session's recorder (sample-writer.ts): formats and writes its sample files.
import { workerData } from "node:worker_threads";
import { serveSampleFiles } from "./sample-writer.ts";

await serveSampleFiles(workerData);
