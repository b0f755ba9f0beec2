/**
 * Cheap, seeded random bytes for random-weight checkpoints. One xorshift128 stream per tensor
 * (seeded from the run's seed and the tensor's name), 32 bits per step, spent 16 bits at a time
 * through 65,536-entry lookup tables, so a 13 GB checkpoint costs a few seconds per GB.
 */
import { f32ToBf16 } from '../core/dtypes.js';

export class Xorshift128 {
  private x: number;
  private y: number;
  private z: number;
  private w: number;

  constructor(seed: number, stream: string) {
    // splitmix32 spreads (seed, FNV-1a of the name) over the four state words.
    let h = 0x811c9dc5;
    for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193);
    let s = (h ^ Math.imul(seed | 0, 0x9e3779b9) ^ Math.floor(seed / 2 ** 32)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.x = next();
    this.y = next();
    this.z = next();
    this.w = next() | 1;
  }

  /** 32 random bits as an unsigned integer. */
  next(): number {
    const t = this.x ^ (this.x << 11);
    this.x = this.y;
    this.y = this.z;
    this.z = this.w;
    this.w = this.w ^ (this.w >>> 19) ^ (t ^ (t >>> 8));
    return this.w >>> 0;
  }
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549671010115819, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

let standardNormal: Float64Array | null = null;

/** 65,536 equiprobable standard-normal values: indexing with 16 uniform bits samples N(0, 1). */
function standardNormalTable(): Float64Array {
  if (!standardNormal) {
    standardNormal = new Float64Array(65536);
    for (let i = 0; i < 65536; i++) standardNormal[i] = normalQuantile((i + 0.5) / 65536);
  }
  return standardNormal;
}

/** bf16 bits of N(mean, std) indexed by 16 random bits. */
export function normalBf16Table(mean: number, std: number): Uint16Array {
  const z = standardNormalTable();
  const t = new Uint16Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = f32ToBf16(mean + std * z[i]!);
  return t;
}

/**
 * FP4 codes indexed by 8 random bits, with magnitudes distributed as a Gaussian quantized to the
 * E2M1 grid (what quantizing real weights gives: many small values, few at +-6), sign uniform.
 */
const FP4_MAGNITUDE_WEIGHTS = [0.1, 0.19, 0.175, 0.15, 0.17, 0.13, 0.068, 0.017];

function fp4CodeTable(): Uint8Array {
  const t = new Uint8Array(256);
  const total = FP4_MAGNITUDE_WEIGHTS.reduce((a, b) => a + b, 0);
  let i = 0;
  let acc = 0;
  for (let m = 0; m < 8; m++) {
    acc += FP4_MAGNITUDE_WEIGHTS[m]! / total;
    const until = m === 7 ? 128 : Math.round(acc * 128);
    for (; i < until; i++) {
      t[i] = m;
      t[i + 128] = m | 8;
    }
  }
  return t;
}

let blockBytes: Uint8Array | null = null;

/** A whole MXFP4 byte (two codes) indexed by 16 random bits. */
export function mxfp4ByteTable(): Uint8Array {
  if (!blockBytes) {
    const codes = fp4CodeTable();
    blockBytes = new Uint8Array(65536);
    for (let i = 0; i < 65536; i++) blockBytes[i] = codes[i & 0xff]! | (codes[i >>> 8]! << 4);
  }
  return blockBytes;
}

/**
 * Fills `out` from a 65,536-entry table, two entries per 32-bit draw: bf16 words from a bf16 table,
 * or bytes (MXFP4 nibble pairs) from a byte table.
 */
export function fillFromTable<T extends Uint8Array | Uint16Array>(out: T, table: T, rng: Xorshift128): void {
  const n = out.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const r = rng.next();
    out[i] = table[r & 0xffff]!;
    out[i + 1] = table[r >>> 16]!;
  }
  if (i < n) out[i] = table[rng.next() & 0xffff]!;
}

/** Uniform integers in [lo, hi] (inclusive), e.g. MXFP4 scale exponents. */
export function fillUniformInts(out: Uint8Array, lo: number, hi: number, rng: Xorshift128): void {
  const span = hi - lo + 1;
  for (let i = 0; i < out.length; i++) out[i] = lo + (((rng.next() >>> 16) * span) >>> 16);
}
