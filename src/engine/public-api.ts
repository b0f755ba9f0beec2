import { DEMO_MODEL_NAME } from './demo-model.js';
import { Engine, type LoadOptions } from './engine.js';

/** The library's entry point: `const model = await GptOss.load(dir)`; `for await (const e of model.chat(messages)) ...`. */
export const GptOss = Engine;
export type GptOss = Engine;

/**
 * Loads a gpt-oss checkpoint directory (original or Hugging Face layout) and returns a model ready to
 * chat; without a path (or with `gpt-oss-demo`), the tiny demo model that ships with the package.
 */
export function loadModel(path: string = DEMO_MODEL_NAME, options: LoadOptions = {}): Promise<Engine> {
  return Engine.load(path, options);
}
