// `gpt-oss logits` driven as a process, as a user runs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadFixture } from './fixtures.js';
import { loadRef, logitsInSteps } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function gptOss(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function readF32(file: string): Float32Array {
  const bytes = readFileSync(file);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

describe('gpt-oss logits', () => {
  const fixture = loadFixture('tiny-ref-b');
  const tmp = mkdtempSync(join(tmpdir(), 'gpt-oss-logits-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const tokens = Array.from(fixture.tokens).join(',');

  for (const [mode, step] of [
    ['prefill', fixture.tokens.length],
    ['decode', 1],
  ] as const) {
    it(`--mode ${mode} writes [T, vocab] little-endian f32 equal to the in-process result`, async () => {
      const out = join(tmp, `${mode}.bin`);
      // Options in a different order than the usage line.
      const r = gptOss(['logits', '--out', out, '--mode', mode, '--tokens', tokens, '--backend', 'ref', '--model', fixture.dir]);
      assert.equal(r.status, 0, r.stderr);
      const written = readF32(out);
      const expected = await logitsInSteps(loadRef(fixture.dir), fixture.tokens, step);
      assert.equal(written.length, fixture.tokens.length * fixture.vocab);
      assert.deepEqual(written, expected);
    });
  }

  it('rejects a token id outside the vocabulary with one clean line', () => {
    const out = join(tmp, 'never.bin');
    const r = gptOss(['logits', '--model', fixture.dir, '--tokens', '1,2,1024', '--out', out]);
    assert.equal(r.status, 1);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^error: .*entry 2 is 1024, outside the vocabulary .*< 1024/);
    assert.ok(!existsSync(out), 'no output file on error');
  });

  it('rejects malformed token lists and missing options', () => {
    const bad = gptOss(['logits', '--model', fixture.dir, '--tokens', '1,x', '--out', join(tmp, 'x.bin')]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^error: .*--tokens entry 1 is 'x'/);
    const missing = gptOss(['logits', '--tokens', '1', '--out', join(tmp, 'x.bin')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^error: .*--model is required/);
  });
});
