// The kernels the addon runs are named where a user looks (bench, inspect), and the addon's boundary
// names a bad option instead of a position.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeKernelChoice, loadCpuAddon, type PoolHandle } from '../../src/backends/cpu/binding.js';
import { TINY_A } from '../format/helpers.js';
import { runBuiltCli } from './built-cli.js';

const addon = loadCpuAddon();
if (addon instanceof Error) throw addon;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('kernels in use', () => {
  it("'gpt-oss bench --json' has a \"kernels\" field, the text a kernels row", { timeout: 320_000 }, () => {
    // (its 1 GB bandwidth probe takes ~2 s on an idle machine, far longer on a shared one)
    const r = runBuiltCli(['bench', '--model', TINY_A, '--backend', 'cpu', '--prompt', '4', '--gen', '2', '--repeat', '1', '--threads', '2', '--json'], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { kernels: unknown };
    assert.deepEqual(result.kernels, { ...addon.kernels });
    assert.match(r.stderr, new RegExp(`^  kernels\\s+${escape(describeKernelChoice(addon))}$`, 'm'));
  });

  it("'gpt-oss inspect' names them, in text and --json", () => {
    const text = runBuiltCli(['inspect', TINY_A]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^kernels    ${escape(describeKernelChoice(addon))} \\(the cpu backend on this machine\\)$`, 'm'));
    const json = runBuiltCli(['inspect', TINY_A, '--json']);
    assert.deepEqual((JSON.parse(json.stdout) as { kernels: unknown }).kernels, { ...addon.kernels });
  });

  it('GPT_OSS_DENSE_PREFETCH is named where the AVX-512 dense kernel runs', () => {
    const r = runBuiltCli(['inspect', TINY_A], { env: { GPT_OSS_DENSE_PREFETCH: 'l1' } });
    assert.equal(r.code, 0, r.stderr);
    const avx512 = addon.cpu.avx512Vnni;
    assert.equal(/; dense prefetch l1 \(the cpu backend on this machine\)$/m.test(r.stdout), avx512, r.stdout);
  });

  it('GPT_OSS_SIMD=scalar runs every family on the portable kernels', () => {
    const r = runBuiltCli(['inspect', TINY_A], { env: { GPT_OSS_SIMD: 'scalar' } });
    assert.match(r.stdout, /^kernels {4}scalar \(the cpu backend on this machine\)$/m);
  });
});

describe('the addon boundary', () => {
  it('a bad option is named, with its value', () => {
    const pool = addon.createPool(1) as PoolHandle;
    try {
      const f = (n: number) => new Float32Array(n);
      assert.throws(() => addon.add({ pool, out: f(2), a: f(2), b: f(1), count: 2 }), /cpu addon add: b has 1 elements, needs at least 2/);
      assert.throws(() => addon.add({ pool, out: f(2), a: f(2), b: f(2), count: -1 }), /cpu addon add: count must be an integer >= 0, got -1/);
      assert.throws(() => addon.triad({ pool, bytes: Infinity, reps: 1 }), /cpu addon triad: bytes must be a finite number, got inf/);
      assert.throws(() => addon.rope({ pool, x: f(6), n: 1, heads: 1, headDim: 3, positions: new Int32Array(1), invFreq: f(2), concentration: 1 }), /cpu addon rope: headDim must be even and at most 1024/);
      assert.throws(
        () => addon.createKvCache({ layers: 1, kvHeads: 1, headDim: 2, windows: Int32Array.of(-4), slots: 1, capacity: 4, slidingCapacity: 4, f16: false }),
        /cpu addon createKvCache: windows must hold no negative window/,
      );
      // a missing option (as a caller passing positions would): named, not "argument 14"
      assert.throws(() => (addon.matmul as (o: object) => void)({ pool, out: f(1), x: f(1), n: 1, K: 1, N: 1, dtype: 0, bias: null }), /cpu addon matmul: w must be a typed array/);
      assert.throws(() => (addon.add as (...a: unknown[]) => void)(pool, f(1), f(1), f(1), 1), /cpu addon add: expected one options object/);
    } finally {
      addon.destroy(pool);
    }
  });
});
