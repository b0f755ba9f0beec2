/** Widening a stored float tensor (bf16, f16 or f32, little-endian) to a Float32Array copy. */
import { f16ToF32 } from '../core/dtypes.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { TensorData } from '../core/tensor.js';

/** bf16 bytes (little-endian) to f32: each value's bits become the upper half of a float32. Exact. */
export function bf16BytesToF32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >>> 1;
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) bits[i] = ((bytes[2 * i + 1]! << 8) | bytes[2 * i]!) << 16;
  return out;
}

export function f16BytesToF32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >>> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f16ToF32(bytes[2 * i]! | (bytes[2 * i + 1]! << 8));
  return out;
}

export function f32BytesToF32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length >>> 2);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
  return out;
}

/** A float tensor's values as f32 (a copy; the stored bytes may be unaligned). */
export function tensorToF32(t: TensorData): Float32Array {
  switch (t.dtype) {
    case 'bf16':
      return bf16BytesToF32(t.data);
    case 'f16':
      return f16BytesToF32(t.data);
    case 'f32':
      return f32BytesToF32(t.data);
    default:
      throw new InvalidArgumentError(`tensor '${t.name}' is ${t.dtype}, not a float tensor`);
  }
}
