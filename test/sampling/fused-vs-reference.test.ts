import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Candidates, Rng, TokenSampler, type Sampler, type SamplingOptions } from '../../src/sampling/index.js';
import { EXP_RANGE, expNeg } from '../../src/sampling/fast-exp.js';

/**
 * The chain written the slow, obvious way, with the arithmetic of the original link-by-link
 * implementation (float32-rounded scaled logits, full sorts by logit then id, sums in candidate
 * order, float32 probabilities, one uniform per draw). TokenSampler's fused path must pick the same
 * token as this for the same seed; its sums run in another order, so a pick may differ only when
 * the uniform falls within ~1e-12 of a boundary: never in practice over the few thousand draws here.
 */
function referencePick(row: Float32Array, o: SamplingOptions, rng: Rng): number {
  const t = o.temperature ?? 1;
  const V = row.length;
  if (t === 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (row[i]! > row[best]!) best = i;
    return best;
  }
  const z = Array.from(row, (x) => (t === 1 ? x : Math.fround(x * (1 / t))));
  const byRank = (a: number, b: number): number => (z[a]! > z[b]! ? -1 : z[a]! < z[b]! ? 1 : a - b);
  const maxOf = (c: number[]): number => c.reduce((m, i) => Math.max(m, z[i]!), -Infinity);
  let c = Array.from({ length: V }, (_, i) => i);
  const k = o.topK ?? 0;
  if (k > 0 && k < V) c = c.sort(byRank).slice(0, k);
  const p = o.topP ?? 1;
  if (p < 1) {
    const max = maxOf(c);
    let sum = 0;
    for (const i of c) sum += Math.exp(z[i]! - max);
    c.sort(byRank);
    let cum = 0;
    for (let j = 0; j < c.length; j++) {
      cum += Math.exp(z[c[j]!]! - max) / sum;
      if (cum >= p) {
        c = c.slice(0, j + 1);
        break;
      }
    }
  }
  const m = o.minP ?? 0;
  if (m > 0) {
    const threshold = maxOf(c) + Math.log(m);
    c = c.filter((i) => z[i]! >= threshold);
  }
  const max = maxOf(c);
  const e = c.map((i) => Math.exp(z[i]! - max));
  const inv = 1 / e.reduce((a, b) => a + b, 0);
  const u = rng.nextFloat();
  let cum = 0;
  for (let j = 0; j < c.length; j++) {
    cum += Math.fround(Math.fround(e[j]!) * inv);
    if (u < cum) return c[j]!;
  }
  return c[c.length - 1]!;
}

type Shape = 'flat' | 'gaussian' | 'peaked' | 'ties' | 'masked';

function makeRow(V: number, shape: Shape, rng: Rng): Float32Array {
  const row = new Float32Array(V);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
  for (let i = 0; i < V; i++) {
    if (shape === 'flat') row[i] = rng.nextFloat() * 4 - 2;
    else if (shape === 'gaussian') row[i] = 3 * gauss();
    else if (shape === 'peaked') row[i] = 2 * gauss() - 20;
    else if (shape === 'ties') row[i] = Math.round(gauss() * 4) / 2; // many equal logits: order by id
    else row[i] = rng.nextFloat() < 0.5 ? -Infinity : 2 * gauss();
  }
  if (shape === 'peaked') for (let j = 0; j < 5; j++) row[Math.floor(rng.nextFloat() * V)] = 5 + 3 * rng.nextFloat();
  return row;
}

const CONFIGS: Record<string, SamplingOptions> = {
  'temperature 1': {},
  'temperature 0.7, top-p 0.9': { temperature: 0.7, topP: 0.9 },
  'top-k 40': { topK: 40 },
  'min-p 0.05': { minP: 0.05 },
  'top-p 0.5': { topP: 0.5 },
  'temperature 1.3, top-p 0.99, min-p 0.02': { temperature: 1.3, topP: 0.99, minP: 0.02 },
  'temperature 0.8, top-k 300, top-p 0.6, min-p 0.1': { temperature: 0.8, topK: 300, topP: 0.6, minP: 0.1 },
  'top-k 1, temperature 2': { topK: 1, temperature: 2 },
  greedy: { temperature: 0 },
};

/** Seeded picks of the sampler and of the reference over the same rows, step by step. */
function compare(options: SamplingOptions, rows: Float32Array[], seed: number): void {
  const sampler = new TokenSampler({ ...options, seed });
  const rng = new Rng(seed);
  rows.forEach((row, step) => {
    const want = referencePick(row, options, rng);
    const got = sampler.sample(row).token;
    assert.equal(got, want, `step ${step}: sampler picked ${got}, the reference ${want}`);
  });
}

describe('the fused sampling path against the reference chain', () => {
  const shapes: Shape[] = ['flat', 'gaussian', 'peaked', 'ties', 'masked'];
  for (const [name, options] of Object.entries(CONFIGS)) {
    it(`${name}: same tokens as the reference for the same seed (5 row shapes x 3 sizes x 24 steps)`, () => {
      const rng = new Rng(1234);
      for (const shape of shapes) {
        for (const V of [7, 300, 5000]) {
          const rows = Array.from({ length: 8 }, () => makeRow(V, shape, rng));
          compare(options, [...rows, ...rows, ...rows], V + shapes.indexOf(shape));
        }
      }
    });
  }

  it('the full 201,088-token vocabulary: same tokens as the reference for the usual settings', () => {
    const rng = new Rng(99);
    const rows = (['flat', 'gaussian', 'peaked'] as const).map((s) => makeRow(201088, s, rng));
    for (const options of [CONFIGS['temperature 1']!, CONFIGS['temperature 0.7, top-p 0.9']!, CONFIGS['top-k 40']!, CONFIGS['min-p 0.05']!]) {
      compare(options, [...rows, ...rows], 7);
    }
  });

  it('same tokens as the general link-by-link path (all-allowing mask) on 2,000 draws', () => {
    const rng = new Rng(5);
    const rows = Array.from({ length: 20 }, (_, i) => makeRow(2000, i % 2 ? 'gaussian' : 'flat', rng));
    const all = new Uint8Array(2000).fill(1);
    for (const options of Object.values(CONFIGS)) {
      const fused = new TokenSampler({ ...options, seed: 3 });
      const chain = new TokenSampler({ ...options, seed: 3 });
      for (let i = 0; i < 2000 / Object.keys(CONFIGS).length; i++) {
        const row = rows[i % rows.length]!;
        assert.equal(fused.sample(row).token, chain.sample(row, { mask: all }).token, `${JSON.stringify(options)}, draw ${i}`);
      }
    }
  });

  it('a link added to the chain is honoured (the fused path steps aside)', () => {
    const ban: Sampler = {
      name: 'ban-0',
      apply(c: Candidates) {
        for (let i = 0; i < c.size; i++) if (c.ids[i] === 0) c.logits[i] = -Infinity;
      },
    };
    const s = new TokenSampler({ seed: 1, temperature: 0 });
    s.chain.add(ban);
    assert.equal(s.sample(Float32Array.from([5, 1, 2])).token, 2);
  });

  it('rows whose logits are all -Infinity are still a clear error', () => {
    assert.throws(() => new TokenSampler({ seed: 1, topP: 0.9 }).sample(new Float32Array(10).fill(-Infinity)), /probability 0/);
  });
});

describe('fast exp', () => {
  it('matches Math.exp within 3e-13 relative on [-104, 0], and is 0 below', () => {
    const rng = new Rng(3);
    let worst = 0;
    for (let i = 0; i < 200000; i++) {
      const d = -rng.nextFloat() * EXP_RANGE;
      worst = Math.max(worst, Math.abs(expNeg(d) / Math.exp(d) - 1));
    }
    assert.ok(worst < 3e-13, `worst relative error ${worst}`);
    assert.equal(expNeg(0), 1);
    assert.equal(expNeg(-EXP_RANGE - 1), 0);
    assert.equal(expNeg(-Infinity), 0);
  });
});
