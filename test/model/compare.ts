/**
 * Comparing candidate logits with golden logits, as the fixtures' READMEs define it: max and mean
 * absolute difference, the largest per-position KL(softmax(golden) || softmax(candidate)), and argmax
 * agreement at every position whose golden top-1/top-2 gap is at least `minGap`.
 */
export interface LogitsComparison {
  maxAbs: number;
  meanAbs: number;
  maxKl: number;
  /** Positions whose golden gap is >= minGap but whose argmax differs. */
  argmaxMismatches: number[];
  positions: number;
}

export interface Tolerance {
  maxAbs: number;
  meanAbs: number;
  maxKl: number;
  minGap: number;
}

/** The fixtures' float32-engine tolerances (README.md of each fixture under test/fixtures). */
export const FIXTURE_TOLERANCE: Tolerance = { maxAbs: 5e-3, meanAbs: 5e-4, maxKl: 1e-5, minGap: 1e-2 };

export function compareLogits(golden: Float32Array, candidate: Float32Array, vocab: number, minGap = FIXTURE_TOLERANCE.minGap): LogitsComparison {
  if (golden.length !== candidate.length || golden.length % vocab !== 0) {
    throw new Error(`logits sizes differ: golden ${golden.length}, candidate ${candidate.length}, vocab ${vocab}`);
  }
  const positions = golden.length / vocab;
  let maxAbs = 0;
  let sumAbs = 0;
  let maxKl = 0;
  const argmaxMismatches: number[] = [];
  for (let t = 0; t < positions; t++) {
    const g = golden.subarray(t * vocab, (t + 1) * vocab);
    const c = candidate.subarray(t * vocab, (t + 1) * vocab);
    for (let i = 0; i < vocab; i++) {
      const d = Math.abs(g[i]! - c[i]!);
      if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
      sumAbs += d;
    }
    maxKl = Math.max(maxKl, kl(g, c));
    const [g1, g2] = topTwo(g);
    if (g[g1]! - g[g2]! >= minGap && argmax(c) !== g1) argmaxMismatches.push(t);
  }
  return { maxAbs, meanAbs: sumAbs / golden.length, maxKl, argmaxMismatches, positions };
}

/** Human-readable verdict: empty when within tolerance, else what failed. */
export function toleranceFailures(r: LogitsComparison, tol: Tolerance = FIXTURE_TOLERANCE): string[] {
  const failures: string[] = [];
  if (!(r.maxAbs <= tol.maxAbs)) failures.push(`max abs ${r.maxAbs} > ${tol.maxAbs}`);
  if (!(r.meanAbs <= tol.meanAbs)) failures.push(`mean abs ${r.meanAbs} > ${tol.meanAbs}`);
  if (!(r.maxKl <= tol.maxKl)) failures.push(`max KL ${r.maxKl} > ${tol.maxKl}`);
  if (r.argmaxMismatches.length > 0) failures.push(`argmax differs at positions ${r.argmaxMismatches.join(', ')}`);
  return failures;
}

export function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

function topTwo(x: Float32Array): [number, number] {
  let a = x[0]! >= x[1]! ? 0 : 1;
  let b = 1 - a;
  for (let i = 2; i < x.length; i++) {
    if (x[i]! > x[a]!) {
      b = a;
      a = i;
    } else if (x[i]! > x[b]!) b = i;
  }
  return [a, b];
}

function logSoftmax(x: Float32Array): Float64Array {
  let m = -Infinity;
  for (const v of x) m = Math.max(m, v);
  let s = 0;
  for (const v of x) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  return Float64Array.from(x, (v) => v - lse);
}

/** KL(softmax(p) || softmax(q)) in f64. */
export function kl(p: Float32Array, q: Float32Array): number {
  const lp = logSoftmax(p);
  const lq = logSoftmax(q);
  let sum = 0;
  for (let i = 0; i < lp.length; i++) sum += Math.exp(lp[i]!) * (lp[i]! - lq[i]!);
  return Math.max(0, sum);
}
