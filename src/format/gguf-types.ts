/**
 * GGUF's numbers, as ggml/include/gguf.h and ggml.h define them (llama.cpp): the metadata value
 * types, the tensor types this runtime writes, and their block sizes.
 */
import { InvalidArgumentError } from '../core/errors.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** gguf_type: the type tag of a metadata value. */
export const GGUF_VALUE_TYPE = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

export type GgufScalarType = Exclude<keyof typeof GGUF_VALUE_TYPE, 'array' | 'string' | 'bool'>;

/** One metadata entry. Arrays hold either strings or numbers of one scalar type. */
export type GgufKv =
  | { readonly key: string; readonly type: GgufScalarType; readonly value: number | bigint }
  | { readonly key: string; readonly type: 'bool'; readonly value: boolean }
  | { readonly key: string; readonly type: 'string'; readonly value: string }
  | { readonly key: string; readonly type: 'array'; readonly itemType: 'string'; readonly value: readonly string[] }
  | { readonly key: string; readonly type: 'array'; readonly itemType: GgufScalarType; readonly value: ArrayLike<number> };

/** The ggml tensor types this runtime writes (enum ggml_type). */
export const GGML_TYPE = { f32: 0, f16: 1, q8_0: 8, bf16: 30, mxfp4: 39 } as const;
export type GgmlType = keyof typeof GGML_TYPE;

/** Elements per block and bytes per block: q8_0 is an f16 scale + 32 int8; mxfp4 an E8M0 scale + 16 nibble bytes. */
export const GGML_BLOCK: Readonly<Record<GgmlType, { elems: number; bytes: number }>> = {
  f32: { elems: 1, bytes: 4 },
  f16: { elems: 1, bytes: 2 },
  bf16: { elems: 1, bytes: 2 },
  q8_0: { elems: 32, bytes: 34 },
  mxfp4: { elems: 32, bytes: 17 },
};

/** llama_ftype values for general.file_type (gguf-py LlamaFileType). */
export const LLAMA_FTYPE = { all_f32: 0, mostly_q8_0: 7, mostly_bf16: 32, mostly_mxfp4_moe: 38 } as const;

/**
 * Bytes of a tensor of `type` and `shape` (outermost dimension first, as numpy and our checkpoints
 * write shapes; GGUF stores the reverse). The innermost dimension must be whole blocks.
 */
export function ggmlTensorBytes(type: GgmlType, shape: readonly number[], name = 'tensor'): number {
  const { elems, bytes } = GGML_BLOCK[type];
  const inner = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  if (inner % elems !== 0) {
    throw new InvalidArgumentError(`${name}: a ${type} tensor's innermost dimension must be a multiple of ${elems}, got shape [${shape.join(', ')}]`);
  }
  return (shape.reduce((a, b) => a * b, 1) / elems) * bytes;
}
