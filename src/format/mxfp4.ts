/**
 * MXFP4 as the reference decodes it (gpt_oss/torch/weights.py): each group of 32 values along the
 * last dimension is 16 bytes of FP4 E2M1 codes, low nibble first, and one E8M0 scale byte;
 * value = FP4_VALUES[code] * 2^(scale - 127).
 */
import { InvalidArgumentError } from '../core/errors.js';

export const FP4_VALUES: readonly number[] = [
  +0.0, +0.5, +1.0, +1.5, +2.0, +3.0, +4.0, +6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0,
];

/**
 * Decodes `rows` rows of K values each: blocks u8 [rows, K/32, 16], scales u8 [rows, K/32].
 * For an expert tensor [E, N, K] pass rows = E * N.
 */
export function decodeMxfp4(blocks: Uint8Array, scales: Uint8Array, rows: number, k: number): Float32Array {
  if (k % 32 !== 0) throw new InvalidArgumentError(`decodeMxfp4: K must be a multiple of 32, got ${k}`);
  const groups = (rows * k) / 32;
  if (blocks.length !== groups * 16 || scales.length !== groups) {
    throw new InvalidArgumentError(
      `decodeMxfp4: ${rows} rows x ${k} need ${groups * 16} block bytes and ${groups} scales, got ${blocks.length} and ${scales.length}`,
    );
  }
  const out = new Float32Array(rows * k);
  for (let g = 0; g < groups; g++) {
    const scale = 2 ** (scales[g]! - 127);
    const base = g * 32;
    const b0 = g * 16;
    for (let j = 0; j < 16; j++) {
      const byte = blocks[b0 + j]!;
      out[base + 2 * j] = FP4_VALUES[byte & 0x0f]! * scale;
      out[base + 2 * j + 1] = FP4_VALUES[byte >> 4]! * scale;
    }
  }
  return out;
}
