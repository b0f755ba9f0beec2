import type { DType } from './dtypes.js';

/**
 * Raw tensor bytes as they sit in a checkpoint: little-endian, row-major, `shape` in elements.
 * `data` is a view (of a memory mapping where the native addon is present, of a buffer read with
 * positional reads otherwise); nobody copies it unless a backend chooses to convert.
 */
export interface TensorData {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/**
 * An MXFP4 weight W[...rows, K]: `blocks` u8 [...rows, K/32, 16] (two FP4 E2M1 values per byte,
 * low nibble first) and `scales` u8 [...rows, K/32] (E8M0, value = fp4 * 2^(scale-127)).
 * `shape` is the logical shape of W.
 */
export interface Mxfp4Data {
  readonly name: string;
  readonly dtype: 'mxfp4';
  readonly shape: readonly number[];
  readonly blocks: Uint8Array;
  readonly scales: Uint8Array;
}

export type WeightData = TensorData | Mxfp4Data;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeToString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
