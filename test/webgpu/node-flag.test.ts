// `--backend webgpu` from the CLI in Node: the optional `webgpu` package (Dawn) is not installed by
// default, so the command must fail with a message naming the cause and the fix, never a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './browser.js';

function hasDawn(): boolean {
  try {
    createRequire(join(ROOT, 'package.json')).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
}

describe('gpt-oss --backend webgpu in Node', () => {
  for (const args of [
    ['logits', '--model', 'test/fixtures/tiny-ref-b', '--tokens', '1,2,3', '--out', join(ROOT, 'node_modules/.cache-webgpu-logits.bin'), '--backend', 'webgpu'],
    ['bench', '--model', 'test/fixtures/tiny-ref-b', '--prompt', '4', '--gen', '2', '--repeat', '1', '--backend', 'webgpu'],
  ]) {
    it(`${args[0]}: a missing 'webgpu' package or adapter is a clear error naming the fix`, () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
      if (hasDawn() && r.status === 0) return; // a machine with Dawn and a GPU: the command simply works
      assert.equal(r.status, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      if (hasDawn()) assert.match(r.stderr, /no WebGPU adapter is available.*--backend cpu/);
      else assert.match(r.stderr, /needs the optional 'webgpu' package .*npm install webgpu/);
    });
  }
});
