/**
 * openCheckpoint: a directory in either layout to a validated Checkpoint. Every tensor's presence,
 * dtype and shape is checked against the config when the checkpoint opens (headers only); the
 * bytes are read when a layer is asked for.
 */
import type { DType } from '../core/dtypes.js';
import type { FileMapper } from '../core/mapping.js';
import type { TensorData } from '../core/tensor.js';
import { assembleCheckpoint, validateTensors } from './checkpoint-build.js';
import type { Checkpoint, CheckpointLayout } from './checkpoint-types.js';
import { isHfConfigJson, parseHfConfig, parseOriginalConfig, readJsonFile } from './config.js';
import { detectLayout } from './layout.js';
import { shardedSource, singleFileSource } from './tensor-source.js';

export { validateTensors } from './checkpoint-build.js';

export interface OpenedCheckpoint extends Checkpoint {
  /** The safetensors file(s) the tensors are read from. */
  readonly files: readonly string[];
  readonly configFile: string;
  /** Every tensor in the files (including any the model does not use), for `inspect` and conversion. */
  tensorNames(): string[];
  tensorInfo(name: string): { dtype: DType; shape: readonly number[]; bytes: number; file: string } | undefined;
  readTensor(name: string): TensorData;
}

/**
 * Opens a checkpoint directory (original layout, transformers layout, or a hub repository root
 * with `original/`), validating config and tensor headers. Tensor bytes are read per call; views
 * of a memory mapping when a mapper is given.
 */
export interface OpenCheckpointOptions {
  /** Maps the weight files (the engine passes the native addon's mmap); without one, tensors are read positionally. */
  mapper?: FileMapper | undefined;
}

export function openCheckpoint(path: string, options: OpenCheckpointOptions = {}): OpenedCheckpoint {
  const found = detectLayout(path);
  const json = readJsonFile(found.configFile);
  const layout: CheckpointLayout = isHfConfigJson(json) ? 'hf' : 'original';
  const config = layout === 'hf' ? parseHfConfig(found.configFile, json) : parseOriginalConfig(found.configFile, json);
  const { mapper } = options;
  const source = found.weights.kind === 'index' ? shardedSource(found.dir, found.weights.file, mapper) : singleFileSource(found.weights.file, mapper);
  let totalBytes: number;
  try {
    totalBytes = validateTensors(source, config, layout, found.configFile);
  } catch (e) {
    source.close();
    throw e;
  }
  return {
    ...assembleCheckpoint(source, found.dir, layout, config, totalBytes),
    files: source.files,
    configFile: found.configFile,
    tensorNames: () => source.names(),
    tensorInfo: (name) => {
      const e = source.entry(name);
      return e && { dtype: e.dtype, shape: e.shape, bytes: e.end - e.begin, file: source.fileOf(name) };
    },
    readTensor: (name) => source.read(name),
    close: () => source.close(),
  };
}
