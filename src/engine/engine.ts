import type { Tokenizer } from '../tokenizer/types.js';
import { getTokenizer } from '../tokenizer/index.js';
import { ChatEngine, type EngineOptions } from './chat-engine.js';
import type { ForwardModel } from './forward-model.js';
import { loadModel, type LoadModelOptions } from './load-model.js';

export { ChatSession, type EngineOptions } from './chat-engine.js';

export interface LoadOptions extends LoadModelOptions, EngineOptions {}

/** The engine with the installed o200k_harmony tokenizer by default, and loading from a checkpoint directory. */
export class Engine extends ChatEngine {
  constructor(model: ForwardModel, tokenizer: Tokenizer = getTokenizer(), options: EngineOptions = {}, onDispose?: () => void, loadS?: number) {
    super(model, tokenizer, options, onDispose, loadS);
  }

  /** Loads a checkpoint directory (either layout) onto a backend and wraps it in an engine. */
  static async load(path: string, options: LoadOptions = {}): Promise<Engine> {
    const t0 = performance.now();
    const loaded = await loadModel(path, options);
    try {
      const engine = new Engine(loaded.transformer, getTokenizer(), options, () => loaded.dispose(), (performance.now() - t0) / 1000);
      return engine;
    } catch (e) {
      loaded.dispose();
      throw e;
    }
  }
}
