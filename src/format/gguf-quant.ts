/**
 * The conversions llama.cpp's converter applies to gpt-oss tensors, bit for bit:
 * Q8_0 quantization as gguf-py's quants.Q8_0 (= ggml's quantize_row_q8_0_ref), and the MXFP4 repack
 * of the checkpoint's blocks/scales into ggml's block_mxfp4.
 */
import { InvalidArgumentError } from '../core/errors.js';

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** float32 to IEEE half bits, round to nearest even, as numpy's astype(float16). */
export function f32ToF16(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the full significand and round to nearest even.
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    const rounded = rem > mid || (rem === mid && (half & 1) === 1) ? half + 1 : half;
    return sign | rounded;
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  const rounded = rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1) ? half + 1 : half;
  return sign | rounded; // a carry into the exponent (or to infinity) is the correct result
}

/**
 * Quantizes rows of f32 values (length a multiple of 32) to Q8_0 blocks: per block of 32,
 * d = max|x| / 127 in float32, q = round-half-away(x * (1/d)), stored as f16 d then 32 int8.
 */
export function quantizeQ8_0(values: Float32Array, out: Uint8Array = new Uint8Array((values.length / 32) * 34)): Uint8Array {
  if (values.length % 32 !== 0) throw new InvalidArgumentError(`quantizeQ8_0: length must be a multiple of 32, got ${values.length}`);
  const blocks = values.length / 32;
  if (out.length < blocks * 34) throw new InvalidArgumentError(`quantizeQ8_0: output needs ${blocks * 34} bytes, got ${out.length}`);
  const fround = Math.fround;
  for (let b = 0; b < blocks; b++) {
    const x0 = b * 32;
    let amax = 0;
    for (let i = 0; i < 32; i++) {
      const a = Math.abs(values[x0 + i]!);
      if (a > amax) amax = a;
    }
    const d = fround(amax / 127);
    const id = d === 0 ? 0 : fround(1 / d);
    const h = f32ToF16(d);
    const o = b * 34;
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    for (let i = 0; i < 32; i++) {
      const v = fround(values[x0 + i]! * id);
      const q = v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
      out[o + 2 + i] = q & 0xff;
    }
  }
  return out.subarray(0, blocks * 34);
}

/**
 * Repacks MXFP4 groups of 32 into ggml's block_mxfp4. The checkpoint stores, per group, 16 bytes
 * with element 2j in byte j's low nibble and 2j+1 in its high nibble, and the E8M0 scale apart;
 * a block_mxfp4 is the scale byte then 16 bytes with element j low and element j+16 high
 * (convert_hf_to_gguf.py GptOssModel.transform_nibble_layout). The 4-bit codes and the scale bytes
 * are unchanged: ggml's doubled kvalues with a halved scale give the same values.
 */
export function repackMxfp4(blocks: Uint8Array, scales: Uint8Array, out: Uint8Array = new Uint8Array(scales.length * 17)): Uint8Array {
  const groups = scales.length;
  if (blocks.length !== groups * 16) {
    throw new InvalidArgumentError(`repackMxfp4: ${groups} scales need ${groups * 16} block bytes, got ${blocks.length}`);
  }
  if (out.length < groups * 17) throw new InvalidArgumentError(`repackMxfp4: output needs ${groups * 17} bytes, got ${out.length}`);
  const codes = new Uint8Array(32);
  for (let g = 0; g < groups; g++) {
    const src = g * 16;
    for (let j = 0; j < 16; j++) {
      const byte = blocks[src + j]!;
      codes[2 * j] = byte & 0x0f;
      codes[2 * j + 1] = byte >>> 4;
    }
    const o = g * 17;
    out[o] = scales[g]!;
    for (let j = 0; j < 16; j++) out[o + 1 + j] = codes[j]! | (codes[j + 16]! << 4);
  }
  return out.subarray(0, groups * 17);
}
