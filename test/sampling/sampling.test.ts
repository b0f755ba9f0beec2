import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng, TokenSampler, logprobsOf, type SamplingOptions } from '../../src/sampling/index.js';

function softmax(xs: number[], t = 1): number[] {
  const m = Math.max(...xs.map((x) => x / t));
  const e = xs.map((x) => Math.exp(x / t - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Draw n tokens and return the observed frequency of each id. */
function frequencies(logits: number[], options: SamplingOptions, n: number): number[] {
  const s = new TokenSampler(options);
  const row = Float32Array.from(logits);
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < n; i++) counts[s.sample(row).token]!++;
  return counts.map((c) => c / n);
}

/** Each frequency within 5 binomial standard deviations (plus a hair) of the expected probability. */
function assertClose(freq: number[], expected: number[], n: number): void {
  for (let i = 0; i < expected.length; i++) {
    const p = expected[i]!;
    const tol = 5 * Math.sqrt((p * (1 - p)) / n) + 1e-9;
    assert.ok(Math.abs(freq[i]! - p) <= tol, `token ${i}: frequency ${freq[i]} vs probability ${p} (tolerance ${tol})`);
  }
}

const logits = [2.0, 1.0, 0.5, 0.0, -1.0, -3.0];
const N = 40000;

describe('rng', () => {
  it('same seed gives the same stream, another seed another stream', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 16 }, () => a.nextU32());
    const sb = Array.from({ length: 16 }, () => b.nextU32());
    const sc = Array.from({ length: 16 }, () => c.nextU32());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  it('floats are uniform in [0, 1) (decile counts within 5 sigma)', () => {
    const r = new Rng(7);
    const bins = new Array<number>(10).fill(0);
    const n = 50000;
    for (let i = 0; i < n; i++) {
      const x = r.nextFloat();
      assert.ok(x >= 0 && x < 1);
      bins[Math.floor(x * 10)]!++;
    }
    assertClose(bins.map((b) => b / n), new Array<number>(10).fill(0.1), n);
  });

  it('seeds above 2^32 keep their high bits', () => {
    assert.notEqual(new Rng(2 ** 40).nextU32(), new Rng(2 ** 40 + 2 ** 33).nextU32());
  });
});

describe('distributions', () => {
  it('temperature 1 samples softmax(logits)', () => {
    assertClose(frequencies(logits, { seed: 1 }, N), softmax(logits), N);
  });

  it('temperature 0.5 samples softmax(logits / 0.5)', () => {
    assertClose(frequencies(logits, { seed: 2, temperature: 0.5 }, N), softmax(logits, 0.5), N);
  });

  it('top-k keeps the k most likely, renormalised', () => {
    const p = softmax(logits.slice(0, 3));
    assertClose(frequencies(logits, { seed: 3, topK: 3 }, N), [...p, 0, 0, 0], N);
  });

  it('top-p keeps the smallest nucleus reaching p', () => {
    const full = softmax(logits);
    // p0 + p1 < 0.85 <= p0 + p1 + p2, so the nucleus is tokens 0..2.
    assert.ok(full[0]! + full[1]! < 0.85 && full[0]! + full[1]! + full[2]! >= 0.85);
    const p = softmax(logits.slice(0, 3));
    assertClose(frequencies(logits, { seed: 4, topP: 0.85 }, N), [...p, 0, 0, 0], N);
  });

  it('min-p drops tokens below p times the top probability', () => {
    // exp(-1.5) = 0.22: tokens 0 (ratio 1), 1 (0.37) kept, 2 (0.22) dropped at min-p 0.3.
    const p = softmax(logits.slice(0, 2));
    assertClose(frequencies(logits, { seed: 5, minP: 0.3 }, N), [...p, 0, 0, 0, 0], N);
  });

  it('top-p on a 201,088-token vocabulary picks only inside the nucleus', () => {
    const V = 201088;
    const rng = new Rng(9);
    const row = new Float32Array(V);
    for (let i = 0; i < V; i++) row[i] = rng.nextFloat() * 4;
    row[1234] = 30;
    row[99999] = 29;
    const s = new TokenSampler({ seed: 1, topP: 0.5 });
    for (let i = 0; i < 20; i++) assert.equal(s.sample(row).token, 1234);
  });
});

describe('greedy, seeds, masks', () => {
  it('temperature 0 is argmax, ties going to the lower id', () => {
    const s = new TokenSampler({ temperature: 0 });
    assert.equal(s.sample(Float32Array.from([0, 3, 1, 3])).token, 1);
    assert.equal(s.sample(Float32Array.from([-5, -1, -2])).token, 1);
  });

  it('the same seed reproduces the same tokens; reset() restarts the stream', () => {
    const row = Float32Array.from(logits);
    const run = (s: TokenSampler): number[] => Array.from({ length: 50 }, () => s.sample(row).token);
    const a = new TokenSampler({ seed: 11, topK: 4 });
    const first = run(a);
    assert.deepEqual(run(new TokenSampler({ seed: 11, topK: 4 })), first);
    assert.notDeepEqual(run(new TokenSampler({ seed: 12, topK: 4 })), first);
    a.reset();
    assert.deepEqual(run(a), first);
  });

  it('a per-step mask restricts the pick to allowed tokens, each step anew', () => {
    const s = new TokenSampler({ seed: 1 });
    const row = Float32Array.from(logits);
    const mask = new Uint8Array(logits.length);
    mask[4] = 1;
    mask[5] = 1;
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(s.sample(row, { mask }).token);
    assert.deepEqual([...seen].sort(), [4, 5]);
    assert.equal(new TokenSampler({ temperature: 0 }).sample(row, { allowedIds: [3, 5] }).token, 3);
    // No mask on the next step: the unconstrained distribution is back.
    const free = new Set<number>();
    for (let i = 0; i < 200; i++) free.add(s.sample(row).token);
    assert.ok(free.has(0));
  });

  it('a mask allowing nothing is a clear error, not a silent token', () => {
    const s = new TokenSampler({ seed: 1 });
    assert.throws(() => s.sample(Float32Array.from(logits), { mask: new Uint8Array(6) }), /allows no token/);
  });

  it('logit bias -Infinity bans a token, a large bias forces one', () => {
    const row = Float32Array.from(logits);
    assert.equal(new TokenSampler({ temperature: 0, logitBias: { 0: -Infinity } }).sample(row).token, 1);
    assert.equal(new TokenSampler({ seed: 3, logitBias: new Map([[5, 100]]) }).sample(row).token, 5);
  });

  it('rejects bad options with messages naming them', () => {
    assert.throws(() => new TokenSampler({ temperature: -1 }), /temperature/);
    assert.throws(() => new TokenSampler({ topP: 0 }), /topP/);
    assert.throws(() => new TokenSampler({ topP: 1.5, temperature: 0 }), /topP/);
    assert.throws(() => new TokenSampler({ topK: 2.5 }), /topK/);
    assert.throws(() => new TokenSampler({ minP: 2 }), /minP/);
  });
});

describe('logprobs', () => {
  it('chosen and top alternatives equal log-softmax of the raw logits (float64 reference, 1e-6)', () => {
    const row = Float32Array.from(logits);
    const ref = softmax(logits).map(Math.log);
    const r = new TokenSampler({ seed: 1, temperature: 0.7 }).sample(row, { logprobs: 3 });
    assert.ok(Math.abs(r.logprob! - ref[r.token]!) < 1e-6);
    assert.deepEqual(r.topLogprobs!.map((t) => t.token), [0, 1, 2]);
    for (const t of r.topLogprobs!) assert.ok(Math.abs(t.logprob - ref[t.token]!) < 1e-6);
    assert.deepEqual(logprobsOf(row, 5, 0).topLogprobs, []);
  });
});
