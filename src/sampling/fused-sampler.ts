import { EXP_STEPS, EXP_TABLE } from './fast-exp.js';
import { MAX_RANK_IDS, sortByRank } from './rank-sort.js';
import type { Rng } from './rng.js';

/** Histogram bins over the logit range of the candidates, for top-p without a full sort. */
const BINS = 2048;
/** Ids per block of the id-order draw. */
const BLOCK = 1024;
const INV_STEPS = 1 / EXP_STEPS;
// The hot loops spell the table step as the literals 64 and 0.015625 (module constants are
// re-read on every access there): keep them in step with fast-exp.ts.
if (EXP_STEPS !== 64) throw new Error('fused-sampler: the hot loops assume EXP_STEPS = 64');

export interface FusedSettings {
  /** > 0 (greedy is not sampled here). */
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
  /** 0 = off. */
  minP: number;
}

/**
 * The standard chain (temperature -> top-k -> top-p -> min-p -> draw) fused into a few passes over
 * the raw logits row, with the same semantics as the links in links.ts applied to a `Candidates`
 * (same scaled logits, same candidate order, same inverse-CDF draw with one uniform per step):
 *
 * - temperature is applied on the fly (float32-rounded, as the link stores it), the row is not copied;
 * - logits more than `cut` below the max are dropped: their total mass, V * e^-cut, is below 2^-53 of
 *   the sum, so they could change a pick only with probability ~1e-16;
 * - top-k selects with a k-heap in one pass; the k survivors then go through the exact chain;
 * - top-p without top-k bins the candidates by logit, finds the bin where the cumulative mass reaches
 *   p, and sorts only that bin (the nucleus of a flat 201k distribution is most of the vocabulary);
 *   the draw walks bin masses and sorts only the bin the uniform lands in;
 * - min-p is a threshold on logits (z >= max + ln p), applied while collecting candidates;
 * - without top-k/top-p the draw is in id order: masses per block of 1024 ids, so the draw skips
 *   whole blocks and recomputes the exps of one;
 * - exp is table-driven (fast-exp.ts, relative error < 3e-13).
 *
 * Sums are formed in a different order than the link chain, so a pick can differ from it only when
 * the uniform lands within ~1e-12 of a boundary of the cumulative distribution.
 * `sample` returns -1, consuming no randomness, for rows it leaves to the general chain (a max
 * that is not finite, a vocabulary beyond 2^21 ids).
 */
export class FusedSampler {
  private readonly inv: number;
  private ids = new Int32Array(0);
  private zs = new Float64Array(0);
  private blockMass = new Float64Array(0);
  /** Per bin, a list of its candidates (nucleus path): the first id, and each id's successor. */
  private readonly binHead = new Int32Array(BINS);
  private binNext = new Int32Array(0);
  private readonly binMass = new Float64Array(BINS);
  private nucleus = new Int32Array(0);
  private drawn = new Int32Array(0);
  private keys = new Float64Array(0);
  private heapZ = new Float64Array(0);
  private heapIds = new Int32Array(0);

  constructor(private readonly s: FusedSettings) {
    this.inv = 1 / s.temperature;
  }

  sample(row: Float32Array, rng: Rng): number {
    const V = row.length;
    if (V === 0 || V > MAX_RANK_IDS) return -1;
    const { topK, topP } = this.s;
    if (this.ids.length < V) this.grow(V);
    if (topK > 0 && topK < V) return this.sampleTopK(row, rng);
    // The nucleus path bins the logit range, so it needs the min too (same pass, same loads).
    const nucleus = topP < 1;
    const [xmax, xmin] = nucleus ? this.minMax(row) : [maxOf(row), 0];
    // The scaled logits are float32, as the temperature link stores them (x * 1 is x when t = 1).
    const zmax = Math.fround(xmax * this.inv);
    if (!Number.isFinite(zmax)) return -1;
    if (nucleus) return this.sampleNucleus(row, zmax, Math.fround(xmin * this.inv), rng);
    return this.sampleInIdOrder(row, zmax, rng);
  }

  /**
   * Candidates in id order (no top-k/top-p sort): one pass of exps keeping a mass per block of ids;
   * the draw skips whole blocks by mass and recomputes the exps of the one block it lands in.
   */
  private sampleInIdOrder(row: Float32Array, zmax: number, rng: Rng): number {
    const V = row.length;
    const inv = this.inv;
    const t1 = inv === 1; // the default temperature: the row's own float32 logits
    const lo = Math.max(zmax - cutFor(V), this.minPThreshold(zmax));
    const table = EXP_TABLE; // a local: a module binding is re-read on every access in a loop
    const blocks = Math.ceil(V / BLOCK);
    if (this.blockMass.length < blocks) this.blockMass = new Float64Array(blocks);
    const blockMass = this.blockMass;
    let sum = 0;
    let lastBlock = 0;
    for (let b = 0; b < blocks; b++) {
      const end = Math.min(V, (b + 1) * BLOCK);
      let m = 0;
      for (let i = b * BLOCK; i < end; i++) {
        const z = t1 ? row[i]! : Math.fround(row[i]! * inv);
        if (!(z >= lo)) continue;
        const d = z - zmax;
        const k = (0.5 - d * 64) | 0;
        const r = d + k * 0.015625;
        m += table[k]! * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))));
      }
      blockMass[b] = m;
      sum += m;
      if (m > 0) lastBlock = b;
    }
    const invSum = 1 / sum;
    const u = rng.nextFloat();
    let acc = 0;
    let last = -1;
    for (let b = 0; b <= lastBlock; b++) {
      const m = blockMass[b]!;
      if (m === 0) continue;
      if (b < lastBlock && acc + m * invSum <= u) {
        acc += m * invSum;
        continue;
      }
      const end = Math.min(V, (b + 1) * BLOCK);
      for (let i = b * BLOCK; i < end; i++) {
        const z = t1 ? row[i]! : Math.fround(row[i]! * inv);
        if (!(z >= lo)) continue;
        // As normalize() stores it: float32 of exp, times 1/sum, stored as float32 again.
        const p = Math.fround(Math.fround(fastExp(z - zmax)) * invSum);
        if (p <= 0) continue;
        last = i;
        acc += p;
        if (u < acc) return i;
      }
    }
    return last;
  }

  /** Top-k by a k-heap over the row, then the rest of the chain, exactly, on the k sorted survivors. */
  private sampleTopK(row: Float32Array, rng: Rng): number {
    const k = this.s.topK;
    const V = row.length;
    const inv = this.inv;
    if (this.heapZ.length < k) {
      this.heapZ = new Float64Array(k);
      this.heapIds = new Int32Array(k);
    }
    const hz = this.heapZ;
    const hi = this.heapIds;
    // A min-heap whose root is the worst kept candidate (lowest logit, highest id among equals).
    // Ids arrive in increasing order, so a newcomer equal to the root ranks below it and is skipped.
    let len = 0;
    let worst = -Infinity; // hz[0], kept in a local once the heap is full
    for (let i = 0; i < V; i++) {
      const z = Math.fround(row[i]! * inv);
      if (len === k) {
        if (z > worst) {
          siftDown(hz, hi, len, 0, z, i);
          worst = hz[0]!;
        }
        continue;
      }
      let c = len++;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!worse(z, i, hz[parent]!, hi[parent]!)) break;
        hz[c] = hz[parent]!;
        hi[c] = hi[parent]!;
        c = parent;
      }
      hz[c] = z;
      hi[c] = i;
      if (len === k) worst = hz[0]!;
    }
    const ids = this.ids;
    ids.set(hi.subarray(0, len));
    sortByRank(ids, len, (id) => Math.fround(row[id]! * inv), this.keys);
    const zs = this.zs;
    for (let i = 0; i < len; i++) zs[i] = Math.fround(row[ids[i]!]! * inv);
    return this.finishSorted(ids, zs, len, rng);
  }

  /**
   * top-p, then min-p, then the draw on n candidates already in chain order, with the links' own
   * arithmetic (Math.exp, the same summation order).
   */
  private finishSorted(ids: Int32Array, zs: Float64Array, n: number, rng: Rng): number {
    const max = zs[0]!;
    if (!Number.isFinite(max)) return -1;
    const { topP, minP } = this.s;
    if (topP < 1) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.exp(zs[i]! - max);
      let cum = 0;
      for (let i = 0; i < n; i++) {
        cum += Math.exp(zs[i]! - max) / sum;
        if (cum >= topP) {
          n = i + 1;
          break;
        }
      }
    }
    if (minP > 0) {
      const threshold = max + Math.log(minP);
      let kept = 0;
      while (kept < n && zs[kept]! >= threshold) kept++;
      n = kept;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(zs[i]! - max);
    const invSum = 1 / sum;
    const u = rng.nextFloat();
    let cum = 0;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const p = Math.fround(Math.fround(Math.exp(zs[i]! - max)) * invSum);
      if (p <= 0) continue;
      last = ids[i]!;
      cum += p;
      if (u < cum) return last;
    }
    return last;
  }

  /** top-p (and min-p) without top-k: bins by logit, sorting only the bins where a boundary falls. */
  private sampleNucleus(row: Float32Array, zmax: number, zmin: number, rng: Rng): number {
    const { binMass, binHead, binNext } = this;
    const V = row.length;
    const inv = this.inv;
    const cutLo = zmax - cutFor(V);
    const keepLo = Math.max(cutLo, this.minPThreshold(zmax));
    let spread = zmax - Math.max(zmin, keepLo);
    if (!(spread > 0)) spread = 1;
    const scale = BINS / spread;
    const table = EXP_TABLE;
    const lastBinIndex = BINS - 1;
    binMass.fill(0);
    binHead.fill(-1);
    // top-p's softmax sum runs over every candidate; min-p, applied after it, only limits which are kept.
    let total = 0;
    for (let i = 0; i < V; i++) {
      const z = Math.fround(row[i]! * inv);
      if (!(z >= cutLo)) continue;
      const d = z - zmax;
      const k = (0.5 - d * 64) | 0;
      const r = d + k * 0.015625;
      const e = table[k]! * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))));
      total += e;
      if (z < keepLo) continue;
      let b = (-d * scale) | 0;
      if (b > lastBinIndex) b = lastBinIndex;
      binMass[b] = binMass[b]! + e;
      binNext[i] = binHead[b]!;
      binHead[b] = i;
    }
    const valueOf = (id: number): number => Math.fround(row[id]! * inv);
    const expOf = (id: number): number => fastExp(valueOf(id) - zmax);
    /** The kept candidates in bin b, sorted into chain order. */
    const sortedBin = (b: number, out: Int32Array): number => {
      let g = 0;
      for (let i = binHead[b]!; i >= 0; i = binNext[i]!) out[g++] = i;
      sortByRank(out, g, valueOf, this.keys);
      return g;
    };

    // The nucleus: whole bins while their mass stays below p * total, then the sorted crossing bin.
    const target = this.s.topP * total;
    let cum = 0;
    let cutBin = -1;
    let cutLen = 0;
    let lastBin = 0;
    for (let b = 0; b < BINS; b++) {
      const m = binMass[b]!;
      if (m === 0) continue;
      lastBin = b;
      if (cutBin >= 0) continue;
      if (cum + m < target) {
        cum += m;
        continue;
      }
      const gn = sortedBin(b, this.nucleus);
      for (let j = 0; j < gn; j++) {
        cum += expOf(this.nucleus[j]!);
        if (cum >= target) {
          cutBin = b;
          cutLen = j + 1;
          break;
        }
      }
    }
    const endBin = cutBin >= 0 ? cutBin : lastBin;
    let kept = 0;
    for (let b = 0; b < endBin; b++) kept += binMass[b]!;
    if (cutBin >= 0) for (let j = 0; j < cutLen; j++) kept += expOf(this.nucleus[j]!);
    else kept += binMass[endBin]!;

    // The draw: skip whole bins by mass, sort the one the uniform falls in and scan it exactly.
    const invKept = 1 / kept;
    const u = rng.nextFloat();
    let acc = 0;
    let last = -1;
    for (let b = 0; b <= endBin; b++) {
      const m = binMass[b]!;
      if (m === 0) continue;
      let list: Int32Array;
      let len: number;
      if (b === cutBin) {
        list = this.nucleus;
        len = cutLen;
      } else {
        if (b < endBin && acc + m * invKept <= u) {
          acc += m * invKept;
          continue;
        }
        list = this.drawn;
        len = sortedBin(b, list);
      }
      for (let j = 0; j < len; j++) {
        const id = list[j]!;
        const p = Math.fround(Math.fround(expOf(id)) * invKept);
        if (p <= 0) continue;
        last = id;
        acc += p;
        if (u < acc) return id;
      }
    }
    return last;
  }

  private readonly range: [number, number] = [0, 0];
  private minMax(row: Float32Array): [number, number] {
    let max = -Infinity;
    let min = Infinity;
    for (let i = 0; i < row.length; i++) {
      const x = row[i]!;
      if (x > max) max = x;
      if (x < min) min = x;
    }
    this.range[0] = max;
    this.range[1] = min;
    return this.range;
  }

  private minPThreshold(zmax: number): number {
    return this.s.minP > 0 ? zmax + Math.log(this.s.minP) : -Infinity;
  }

  private grow(V: number): void {
    this.ids = new Int32Array(V);
    this.zs = new Float64Array(V);
    this.binNext = new Int32Array(V);
    this.nucleus = new Int32Array(V);
    this.drawn = new Int32Array(V);
    this.keys = new Float64Array(V);
  }
}

function maxOf(row: Float32Array): number {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const x = row[i]!;
    if (x > m) m = x;
  }
  return m;
}

/** Logits further than this below the max are dropped: V * e^-cut < 2^-53. */
function cutFor(V: number): number {
  return 53 * Math.LN2 + Math.log(V);
}

function fastExp(d: number): number {
  const k = (0.5 - d * EXP_STEPS) | 0;
  const r = d + k * INV_STEPS;
  return EXP_TABLE[k]! * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))));
}

/** Candidate a ranks below candidate b: lower logit, or the same logit and a higher id. */
function worse(za: number, ia: number, zb: number, ib: number): boolean {
  return za < zb || (za === zb && ia > ib);
}

/** Replace the heap's root with (z, id) and restore the heap. */
function siftDown(hz: Float64Array, hi: Int32Array, len: number, i: number, z: number, id: number): void {
  for (;;) {
    const l = 2 * i + 1;
    if (l >= len) break;
    const r = l + 1;
    let m = l;
    if (r < len && worse(hz[r]!, hi[r]!, hz[l]!, hi[l]!)) m = r;
    if (!worse(hz[m]!, hi[m]!, z, id)) break;
    hz[i] = hz[m]!;
    hi[i] = hi[m]!;
    i = m;
  }
  hz[i] = z;
  hi[i] = id;
}
