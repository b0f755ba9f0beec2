// A corrupted checkpoint must give visibly broken results in every backend, precision and kernel
// path, and `run` must stop with one clear error instead of sampling text from NaN.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KERNEL_LEVELS, loadCpuAddon } from '../../src/backends/cpu/binding.js';
import { makeTinyModel } from '../engine/helpers.js';
import { rawTensorBytes } from '../format/helpers.js';
import { runBuiltCli } from './built-cli.js';

const NON_FINITE = /^error: non-finite logits \(NaN or Inf\) at position \d+: the checkpoint or the backend is broken\n$/;

const addon = loadCpuAddon();
if (addon instanceof Error) throw addon;
const best = KERNEL_LEVELS.indexOf(addon.cpu.best);

let root: string;
const dirs: Record<'scales' | 'weight', string> = { scales: '', weight: '' };
before(() => {
  root = mkdtempSync(join(tmpdir(), 'gpt-oss-nonfinite-'));
  const model = makeTinyModel(3);
  try {
    for (const kind of ['scales', 'weight'] as const) {
      const dir = join(root, kind);
      cpSync(model.dir, dir, { recursive: true });
      const file = join(dir, 'model.safetensors');
      const bytes = readFileSync(file);
      // E8M0 0xFF is NaN; the review's checkpoint had every scale of one expert matrix at 255
      if (kind === 'scales') rawTensorBytes(bytes, 'block.0.mlp.mlp1_weight.scales').bytes.fill(255);
      // one bf16 weight of the first attention projection set to NaN (0x7fc0, little-endian)
      else rawTensorBytes(bytes, 'block.0.attn.qkv.weight').bytes.writeUInt16LE(0x7fc0, 0);
      writeFileSync(file, bytes);
      dirs[kind] = dir;
    }
  } finally {
    model.remove();
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

const run = (dir: string, args: string[], env: Record<string, string> = {}) =>
  runBuiltCli(['run', dir, 'Say hi', '--max-tokens', '3', '--seed', '1', ...args], { env });

describe('a checkpoint with NaN in it', () => {
  for (const kind of ['scales', 'weight'] as const) {
    it(`${kind}: ref stops 'run' with the non-finite error, nothing on stdout`, () => {
      const r = run(dirs[kind], ['--backend', 'ref']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, NON_FINITE);
    });
    for (const level of KERNEL_LEVELS) {
      const lacks = KERNEL_LEVELS.indexOf(level) > best ? `this CPU lacks the ${level} kernels (its best is ${addon.cpu.best})` : false;
      // exact runs no 8-bit kernels, so avx512-vbmi (which differs only in the MoE's 8-bit lookups) repeats avx512-vnni there
      for (const precision of level === 'avx512-vbmi' ? (['fast'] as const) : (['exact', 'fast'] as const)) {
        it(`${kind}: cpu ${precision} on the ${level} kernels stops 'run' with the non-finite error`, { skip: lacks }, () => {
          const r = run(dirs[kind], ['--backend', 'cpu', '--precision', precision, '--threads', '2'], { GPT_OSS_SIMD: level });
          assert.equal(r.code, 1, r.stderr);
          assert.equal(r.stdout, '');
          assert.match(r.stderr, NON_FINITE);
        });
      }
    }
  }

  it("'gpt-oss logits' writes them and warns on stderr", () => {
    const out = join(root, 'logits.f32');
    for (const backend of ['ref', 'cpu']) {
      const r = runBuiltCli(['logits', '--model', dirs.scales, '--tokens', '1,2,3', '--out', out, '--backend', backend]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /warning: \d+ of the 603264 logits written to .* are not finite \(NaN or Inf\), the first at position 0: the checkpoint or the backend is broken/);
      const values = new Float32Array(readFileSync(out).buffer.slice(0));
      assert.ok(values.some((v) => !Number.isFinite(v)));
    }
  });
});
