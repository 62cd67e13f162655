// The learning-curve models `hokr fit` knows, by name.
import type { LearningModel, ModelName } from "./model.ts";
import { nested, parallel, serial } from "./nested.ts";
import { transfer } from "./transfer.ts";
import { twoState } from "./two-state.ts";

export type { Drive, Dynamics, LearningModel, ModelName, ParamSpec, Schedule } from "./model.ts";
export { defineModel } from "./model.ts";

export const LEARNING_MODELS: Readonly<Record<ModelName, LearningModel>> = {
  parallel,
  serial,
  nested,
  "two-state": twoState,
  transfer,
};

export const MODEL_NAMES = Object.keys(LEARNING_MODELS) as ModelName[];
