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
      assert.throws(() => addon.add(pool, f(2), f(2), f(1), 2), /cpu addon add: b has 1 elements, needs at least 2/);
      assert.throws(() => addon.add(pool, f(2), f(2), f(2), -1), /cpu addon add: count must be an integer >= 0, got -1/);
      assert.throws(() => addon.triad({ pool, bytes: Infinity, reps: 1 }), /cpu addon triad: bytes must be a finite number, got inf/);
      assert.throws(() => addon.rope(pool, f(6), 1, 1, 3, new Int32Array(1), f(2), 1), /cpu addon rope: headDim must be even and at most 1024/);
      assert.throws(
        () => addon.createKvCache({ layers: 1, kvHeads: 1, headDim: 2, windows: Int32Array.of(-4), slots: 1, capacity: 4, slidingCapacity: 4, f16: false }),
        /cpu addon createKvCache: windows must hold no negative window/,
      );
      // the ops are positional: a call of the old options form, or one value short, is refused by count
      assert.throws(() => (addon.add as (o: object) => void)({ pool, out: f(1), a: f(1), b: f(1), count: 1 }), /cpu addon add: expected 5 arguments, got 1/);
      assert.throws(() => (addon.matmul as (...a: unknown[]) => void)(pool, f(1), f(1), 1, 1, new Uint8Array(4), 0, 1), /cpu addon matmul: expected 9 arguments, got 8/);
    } finally {
      addon.destroy(pool);
    }
  });

  it("each op argument, when wrong, is named as binding.ts's tuple names it (the C tables' order)", () => {
    const pool = addon.createPool(1) as PoolHandle;
    try {
      const f = (n: number) => new Float32Array(n);
      // valid calls, their argument names in binding.ts's order (EmbedArgs, RmsNormArgs, MatmulArgs, RopeArgs, AddArgs)
      const calls: [string, string[], unknown[]][] = [
        ['embed', ['out', 'table', 'dtype', 'H', 'vocab', 'tokens'], [f(2), new Uint8Array(16), 0, 2, 2, Int32Array.of(1)]],
        ['rmsNorm', ['pool', 'out', 'x', 'n', 'cols', 'scale', 'eps'], [pool, f(4), f(4), 2, 2, f(2), 1e-5]],
        ['matmul', ['pool', 'out', 'x', 'n', 'K', 'w', 'dtype', 'N', 'bias'], [pool, f(3), f(2), 1, 2, new Uint8Array(24), 0, 3, f(3)]],
        ['rope', ['pool', 'x', 'n', 'heads', 'headDim', 'positions', 'invFreq', 'concentration'], [pool, f(8), 1, 2, 4, Int32Array.of(3), f(2), 1]],
        ['add', ['pool', 'out', 'a', 'b', 'count'], [pool, f(3), f(3), f(3), 3]],
      ];
      for (const [op, names, args] of calls) {
        const call = addon[op as 'add'] as (...a: unknown[]) => void;
        call(...args); // the valid call passes
        names.forEach((name, i) => {
          const bad = args.map((a, j) => (j === i ? 'wrong' : a));
          assert.throws(() => call(...bad), new RegExp(`^TypeError: cpu addon ${op}: ${name} must `), `${op} argument ${i}`);
        });
      }
    } finally {
      addon.destroy(pool);
    }
  });
});
