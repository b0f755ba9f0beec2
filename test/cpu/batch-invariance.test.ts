// Fast precision on the AVX-512 MoE kernels: a token's logits do not depend on how many tokens share
// its forward call, up to 4 (batched decode of up to 4 sequences, short prefill chunks), nor on where
// the experts lie. Experts with 1-4 tokens stream their rows once for all of them with the per-token
// arithmetic of one token alone (native/f32-mxfp4w-moe-q8-dot16.h), from the file's layout (experts map)
// or the copy's tiled16 one (experts copy). Before, 3 and 4 tokens took the expanded-weights tile kernel,
// whose sums ran in another order, and a token's logits moved with its batch (by up to 2.8e-3 on these
// fixtures). Longer forwards still differ in the last bits: the dense matmuls sum in another order there.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCpuAddon } from '../../src/backends/cpu/binding.js';
import { loadModel, type LoadedModel } from '../../src/engine/load-model.js';
import { FIXTURE_NAMES, loadFixture, type Fixture } from '../model/fixtures.js';
import { logitsInSteps } from '../model/helpers.js';

function logits(model: LoadedModel, fixture: Fixture, step: number): Promise<Float32Array> {
  return logitsInSteps(model.transformer, fixture.tokens, step);
}

/** Positions whose logits differ in any bit, and the largest difference. */
function differences(a: Float32Array, b: Float32Array, V: number): { rows: number[]; maxAbs: number } {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const rows = new Set<number>();
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    if (ua[i] === ub[i]) continue;
    rows.add(Math.floor(i / V));
    maxAbs = Math.max(maxAbs, Math.abs(a[i]! - b[i]!));
  }
  return { rows: [...rows], maxAbs };
}

const addon = loadCpuAddon();
const level = addon instanceof Error ? undefined : addon.kernels['moe-q8'];
const skip =
  addon instanceof Error
    ? `the cpu addon is missing: ${addon.message}`
    : level !== 'avx512-vnni' && level !== 'avx512-vbmi'
      ? `the MoE runs the ${level} kernels here, not AVX-512`
      : false;

for (const name of FIXTURE_NAMES) {
  describe(`${name}: cpu fast logits do not depend on the batch (${level ?? 'no addon'})`, { skip }, () => {
    const fixture = loadFixture(name);
    it('forwards of 2, 3 and 4 tokens give the bits of one token at a time, experts copied or mapped', async () => {
      let reference: Float32Array | undefined;
      for (const experts of ['map', 'copy'] as const) {
        const model = await loadModel(fixture.dir, { backend: 'cpu', precision: 'fast', threads: 2, maxBatch: 4, experts });
        try {
          reference ??= await logits(model, fixture, 1);
          for (const step of [1, 2, 3, 4]) {
            const d = differences(reference, await logits(model, fixture, step), fixture.vocab);
            assert.deepEqual(d.rows, [], `experts ${experts}, ${step} tokens per forward: positions ${d.rows.join(', ')} differ (max |d| ${d.maxAbs})`);
          }
        } finally {
          model.dispose();
        }
      }
    });
  });
}
