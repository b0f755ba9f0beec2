import type { Backend, BackendName, DenseWeights, ExpertsCopyTime, Precision } from '../backends/backend.js';
import { throwIfAborted } from '../core/errors.js';
import { openCheckpoint } from '../format/checkpoint.js';
import type { Checkpoint } from '../format/checkpoint-types.js';
import type { ModelConfig } from '../format/config-types.js';
import { Transformer } from '../model/transformer.js';
import { DEMO_MODEL_NAME, resolveDemoModel } from './demo-model.js';
import { parseExpertsChoice, resolveExperts, type ExpertsChoice } from './experts-placement.js';
import { createBackend, nativeMapper } from './select-backend.js';

export interface LoadProgress {
  /** `weights`: one more layer's weights are on the backend; `done`: the model is ready. */
  readonly stage: 'weights' | 'done';
  /** Layers loaded so far, out of `layers`. */
  readonly loaded: number;
  readonly layers: number;
}

export interface LoadModelOptions {
  /** Which backend; undefined picks the best available. */
  backend?: BackendName;
  precision?: Precision;
  threads?: number;
  /** cpu backend: threads for the load's expert copy and 8-bit conversion; default the larger of `threads` and the physical cores. */
  loadThreads?: number;
  /** cpu backend: `q8` (default under fast) converts the dense matrices at load, `in-place` reads them from the mapping. */
  denseWeights?: DenseWeights;
  /** cpu backend: `copy` the MXFP4 experts into the process's memory at load, read them in place (`map`), or `auto` (default): copy when the available memory (cgroup limits included) holds them with room for the KV cache. */
  experts?: ExpertsChoice;
  /**
   * cpu backend, when the experts are copied: `after-load` (the default under `auto`) returns with them
   * read in place and copies them while the model already runs (`backend.expertsReady()` says when it
   * is done); `load` (the default under `copy`) copies them before returning.
   */
  expertsCopy?: ExpertsCopyTime;
  /** Largest number of tokens one forward step processes (activations are sized for it). Default 128. */
  maxBatch?: number;
  onProgress?: (progress: LoadProgress) => void;
  /** Things the user should know that do not stop the load (e.g. the fallback to `ref` when the cpu addon is missing). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface LoadedModel {
  readonly config: ModelConfig;
  readonly transformer: Transformer;
  readonly backend: Backend;
  readonly checkpoint: Checkpoint;
  /**
   * Seconds each step of the load took (`open_s`: the checkpoint's headers and mappings; `backend_s`;
   * `weights_s`: every weight onto the backend), then the backend's own counts (cpu: `copy_s`,
   * `copy_bytes`, `q8_s`, ...), for `bench --json`.
   */
  readonly loadPhases: Readonly<Record<string, number>>;
  /** Releases the backend's memory and closes the checkpoint's files. */
  dispose(): void;
}

/**
 * Opens a checkpoint directory (either layout), or the packaged `gpt-oss-demo`, creates the backend
 * and loads the weights onto it.
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  throwIfAborted(options.signal);
  const dir = path === DEMO_MODEL_NAME ? await resolveDemoModel() : path;
  const t0 = performance.now();
  const checkpoint = await openCheckpoint(dir, { mapper: nativeMapper() });
  const t1 = performance.now();
  let backend: Backend | undefined;
  try {
    const expertsChoice = parseExpertsChoice(options.experts ?? 'auto', 'loadModel');
    const backendOptions = {
      ...(options.precision !== undefined ? { precision: options.precision } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.loadThreads !== undefined ? { loadThreads: options.loadThreads } : {}),
      ...(options.denseWeights !== undefined ? { denseWeights: options.denseWeights } : {}),
      experts: resolveExperts(expertsChoice, checkpoint.config),
      expertsCopy: options.expertsCopy ?? (expertsChoice === 'auto' ? 'after-load' : 'load'),
    };
    backend = await createBackend(options.backend, backendOptions, options.onWarning);
    const t2 = performance.now();
    const layers = checkpoint.config.numHiddenLayers;
    const transformer = Transformer.load(checkpoint, backend, {
      ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      onLayerLoaded: (loaded) => options.onProgress?.({ stage: 'weights', loaded, layers }),
    });
    const t3 = performance.now();
    options.onProgress?.({ stage: 'done', loaded: layers, layers });
    const loadedBackend = backend;
    const loadPhases = { open_s: (t1 - t0) / 1000, backend_s: (t2 - t1) / 1000, weights_s: (t3 - t2) / 1000, ...backend.loadStats?.() };
    return {
      config: checkpoint.config,
      transformer,
      backend: loadedBackend,
      checkpoint,
      loadPhases,
      dispose() {
        transformer.dispose();
        loadedBackend.dispose();
        checkpoint.close();
      },
    };
  } catch (e) {
    backend?.dispose();
    checkpoint.close();
    throw e;
  }
}
