import { InvalidArgumentError } from '../core/errors.js';
import type { Candidates } from './candidates.js';
import type { Sampler } from './sampler.js';

/** logits /= t (t > 0). Temperature 0 is greedy decoding and is handled by the final pick, not here. */
export function temperature(t: number): Sampler {
  if (!(t > 0) || !Number.isFinite(t)) throw new InvalidArgumentError(`temperature link: expected a finite number > 0, got ${t}`);
  const inv = 1 / t;
  return {
    name: 'temperature',
    apply(c) {
      if (t === 1) return;
      for (let i = 0; i < c.size; i++) c.logits[i] = c.logits[i]! * inv;
    },
  };
}

/** Keep the k most likely tokens (k = 0: keep all). */
export function topK(k: number): Sampler {
  if (!Number.isInteger(k) || k < 0) throw new InvalidArgumentError(`topK: expected an integer >= 0, got ${k}`);
  return {
    name: 'top-k',
    apply(c) {
      if (k === 0 || k >= c.size) return;
      c.sortTop(k);
      c.truncate(k);
    },
  };
}

/** Keep the smallest set of most likely tokens whose probability mass reaches p (nucleus sampling). */
export function topP(p: number): Sampler {
  if (!(p > 0 && p <= 1)) throw new InvalidArgumentError(`topP: expected a number in (0, 1], got ${p}`);
  return {
    name: 'top-p',
    apply(c) {
      if (p >= 1) return;
      const { max, sum } = softmaxStats(c);
      if (sum === 0) return;
      // Sort a growing prefix: the nucleus is usually a few dozen tokens of the whole vocabulary.
      for (let n = 64; ; n = Math.min(n * 8, c.size)) {
        c.sortTop(n);
        const m = Math.min(n, c.size);
        let cum = 0;
        for (let i = 0; i < m; i++) {
          cum += Math.exp(c.logits[i]! - max) / sum;
          if (cum >= p) {
            c.truncate(i + 1);
            return;
          }
        }
        if (m >= c.size) return;
        // A flat distribution: the nucleus is a large part of the vocabulary, so sort it all at once.
        if (cum < p / 2) n = c.size;
      }
    },
  };
}

/** Drop tokens whose probability is below p times the most likely token's. */
export function minP(p: number): Sampler {
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError(`minP: expected a number in [0, 1], got ${p}`);
  return {
    name: 'min-p',
    apply(c) {
      if (p === 0) return;
      const { max } = softmaxStats(c);
      const threshold = max + Math.log(p);
      let w = 0;
      let sortedKept = 0;
      for (let i = 0; i < c.size; i++) {
        if (c.logits[i]! < threshold) continue;
        if (i < c.sortedCount) sortedKept++;
        c.ids[w] = c.ids[i]!;
        c.logits[w++] = c.logits[i]!;
      }
      c.size = w;
      c.sortedCount = sortedKept;
    },
  };
}

/** Adds a fixed bias to chosen tokens' logits (-Infinity bans a token). */
export function logitBias(bias: ReadonlyMap<number, number> | Readonly<Record<number, number>>): Sampler {
  const entries = bias instanceof Map ? [...bias.entries()] : Object.entries(bias).map(([k, v]) => [Number(k), v] as const);
  const table = new Map<number, number>();
  for (const [id, b] of entries) {
    if (!Number.isInteger(id) || id < 0) throw new InvalidArgumentError(`logitBias: token ids must be integers >= 0, got ${id}`);
    if (Number.isNaN(b)) throw new InvalidArgumentError(`logitBias: bias for token ${id} is NaN`);
    table.set(id, b);
  }
  return {
    name: 'logit-bias',
    apply(c) {
      if (table.size === 0) return;
      for (let i = 0; i < c.size; i++) {
        const b = table.get(c.ids[i]!);
        if (b !== undefined) c.logits[i] = c.logits[i]! + b;
      }
      c.sortedCount = 0;
    },
  };
}

export function softmaxStats(c: Candidates): { max: number; sum: number } {
  let max = -Infinity;
  for (let i = 0; i < c.size; i++) if (c.logits[i]! > max) max = c.logits[i]!;
  if (max === -Infinity) return { max, sum: 0 };
  let sum = 0;
  for (let i = 0; i < c.size; i++) sum += Math.exp(c.logits[i]! - max);
  return { max, sum };
}
