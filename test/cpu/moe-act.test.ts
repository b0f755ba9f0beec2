// The MoE's element-wise steps on AVX-512 (native/f32-mxfp4w-moe-act.c) against the portable loops they
// replace: the 15-bit split of an activation vector (both int8 planes, block scales, and the derived hx, cx
// the fast kernels read) must be the same bits, NaN and infinity blocks included; the swiglu may differ only
// where glibc's expf and the exponential computed in double round apart (a few outputs, by an ulp or two).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCpuAddon } from '../../src/backends/cpu/binding.js';

const addon = loadCpuAddon();
if (addon instanceof Error) throw addon;

let seed = 12345;
function rand(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) / (1 << 24);
}

function check(x: Float32Array, h: Float32Array) {
  assert.ok(addon instanceof Error === false && addon.moeActCheck, 'the addon has moeActCheck');
  return addon.moeActCheck({ x, h, limit: 7, alpha: 1.702 });
}

const hasKernels = !(addon instanceof Error) && addon.kernels['moe-q8'] !== undefined && check(new Float32Array(32), new Float32Array(2)) !== null;

describe('MoE element-wise steps, AVX-512 against portable', { skip: hasKernels ? false : 'no AVX-512 MoE kernels on this CPU' }, () => {
  it('splits activations into the same bits, at every scale and with NaN, infinite and zero blocks', () => {
    const K = 2880 + 64; // 92 blocks: a last group of 12, and an odd block count (padded planes)
    let vectors = 0;
    for (let scale = 1e-6; scale <= 1e6; scale *= 10) {
      for (let v = 0; v < 20; v++) {
        const x = new Float32Array(K);
        for (let i = 0; i < K; i++) x[i] = (rand() * 2 - 1) * scale;
        if (v % 4 === 1) x[Math.floor(rand() * K)] = NaN;
        if (v % 4 === 2) x[Math.floor(rand() * K)] = -Infinity;
        if (v % 4 === 3) x.fill(0, 64, 96);
        if (v === 0) x[5] = scale * 1e3; // one block whose other values quantize to 0 or +-1
        const r = check(x, new Float32Array(2));
        assert.ok(r);
        assert.equal(r.splitDiffer, 0, `scale ${scale}, vector ${v}: ${r.splitDiffer} of q, d, hx, cx differ`);
        vectors++;
      }
    }
    assert.equal(vectors, 260);
  });

  it('computes swiglu as the scalar loop does, to 4 ulps in rare outputs, clamps and NaN kept', () => {
    const I = 2880 + 5; // a tail past the last 16
    let differ = 0;
    let total = 0;
    for (let rep = 0; rep < 40; rep++) {
      const scale = [0.01, 1, 10, 100][rep % 4]!;
      const h = new Float32Array(2 * I);
      for (let i = 0; i < h.length; i++) h[i] = (rand() * 2 - 1) * scale;
      if (rep % 5 === 0) h[2 * Math.floor(rand() * I)] = NaN;
      if (rep % 5 === 1) h[2 * Math.floor(rand() * I) + 1] = NaN;
      const r = check(new Float32Array(32), h);
      assert.ok(r);
      assert.ok(r.maxUlps <= 4, `rep ${rep}: an output differs by ${r.maxUlps} ulps (NaN lost or sign flipped if 2^30)`);
      differ += r.swigluDiffer;
      total += I;
    }
    assert.ok(differ / total < 1e-3, `${differ} of ${total} outputs differ`);
  });
});
