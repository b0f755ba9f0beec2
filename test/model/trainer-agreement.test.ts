// The demo model's trainer (training/demo/model.py, PyTorch) and this runtime compute the same model:
// `gpt-oss logits` on a checkpoint written by the trainer's export matches the trainer's own float32
// logits, stored beside it (test/fixtures/demo-trainer-agreement/meta.json says how they were made),
// so no PyTorch is needed here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compareLogits, FIXTURE_TOLERANCE } from './compare.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'test/fixtures/demo-trainer-agreement');

function readF32(file: string): Float32Array {
  const bytes = readFileSync(file);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

describe('trainer / runtime agreement (demo model trainer)', () => {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { tokens: number[]; shape: [number, number]; tolerance: { max_abs: number } };
  const golden = readF32(join(dir, 'trainer-logits.f32'));
  const tmp = mkdtempSync(join(tmpdir(), 'gpt-oss-agree-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const backend of ['ref', 'cpu'] as const) {
    it(`gpt-oss logits --backend ${backend} matches the trainer's float32 logits (max abs ${meta.tolerance.max_abs})`, (t) => {
      const out = join(tmp, `${backend}.f32`);
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'logits', '--model', dir, '--tokens', meta.tokens.join(','), '--out', out, '--backend', backend, '--precision', 'exact'],
        { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
      );
      if (backend === 'cpu' && r.status !== 0 && /addon|npm run build/.test(r.stderr)) {
        t.skip(`cpu backend not built: ${r.stderr.trim()}`);
        return;
      }
      assert.equal(r.status, 0, r.stderr);
      const ours = readF32(out);
      assert.equal(ours.length, meta.shape[0] * meta.shape[1]);
      // More positions than the sliding window (8), so both attention kinds are covered.
      assert.ok(meta.tokens.length > 8);
      const c = compareLogits(golden, ours, meta.shape[1]);
      assert.ok(c.maxAbs <= meta.tolerance.max_abs, `max abs ${c.maxAbs}`);
      assert.ok(c.meanAbs <= FIXTURE_TOLERANCE.meanAbs, `mean abs ${c.meanAbs}`);
      assert.deepEqual(c.argmaxMismatches, []);
    });
  }
});
