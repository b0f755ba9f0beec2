import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { PRESETS } from '../format/config-types.js';
import { ropeParams } from './rope.js';

/** YaRN inverse frequencies recomputed in f64 straight from the paper's NTK-by-parts formula. */
function yarnF64(hd: number, base: number, factor: number, ctx: number, alpha: number, beta: number): number[] {
  const half = hd / 2;
  const low = (half * Math.log(ctx / (beta * 2 * Math.PI))) / Math.log(base);
  const high = (half * Math.log(ctx / (alpha * 2 * Math.PI))) / Math.log(base);
  return Array.from({ length: half }, (_, i) => {
    const freq = base ** ((2 * i) / hd);
    const mask = 1 - Math.min(Math.max((i - low) / (high - low), 0), 1);
    return (1 / (factor * freq)) * (1 - mask) + (1 / freq) * mask;
  });
}

describe('ropeParams', () => {
  it('YaRN for the released models: concentration 0.1 ln 32 + 1 and NTK-by-parts frequencies', () => {
    const c = PRESETS['20b'];
    const { invFreq, concentration } = ropeParams(c);
    assert.equal(invFreq.length, 32);
    assert.ok(Math.abs(concentration - (0.1 * Math.log(32) + 1)) < 1e-12);
    const expected = yarnF64(64, 150000, 32, 4096, 1, 32);
    invFreq.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= 1e-6 * expected[i]!, `invFreq[${i}] ${v} vs ${expected[i]}`));
    // High frequencies are extrapolated (kept), low ones interpolated (divided by the factor).
    assert.equal(invFreq[0], 1);
    assert.ok(Math.abs(invFreq[31]! - 1 / (32 * 150000 ** (62 / 64))) < 1e-6 * invFreq[31]!);
  });

  it('plain RoPE when the scaling factor is 1', () => {
    const { invFreq, concentration } = ropeParams({ ...PRESETS.tiny, ropeScalingFactor: 1 });
    assert.equal(concentration, 1);
    invFreq.forEach((v, i) => assert.ok(Math.abs(v - 150000 ** (-(2 * i) / 64)) <= 1e-6 * v));
  });

  it('rejects YaRN parameters the reference would reject', () => {
    assert.throws(() => ropeParams({ ...PRESETS.tiny, ropeNtkAlpha: 64 }), ConfigError);
  });
});
