import type { TensorData } from '../core/tensor.js';
import type { SafetensorsEntry } from './safetensors-header.js';

/** Where a checkpoint's tensors come from (files, or bytes in memory); no Node modules here. */
export interface TensorSource {
  /** The file(s) the tensors come from, for messages and `inspect`. */
  readonly files: readonly string[];
  /** What to name in a message about a tensor that is absent: the file, or the index. */
  readonly label: string;
  entry(name: string): SafetensorsEntry | undefined;
  /** The file holding `name` (for error messages). */
  fileOf(name: string): string;
  names(): string[];
  read(name: string): TensorData;
  close(): void;
}

