// `gpt-oss bench --context N` as a user runs it on a tiny checkpoint made by `gpt-oss make-model`:
// the bytes a decode step reads at the end of a long context (the weights plus the KV cache rows
// its attention visits), recomputed here from config.json alone, and the limit and fraction derived
// from them. No speed is asserted (BENCHMARKS.md holds those).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), ...args], { cwd: root, encoding: 'utf8' });

describe('gpt-oss bench --context', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gpt-oss-bench-context-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const dir = join(tmp, 'tiny');
  const made = cli('make-model', '--preset', 'tiny', '--seed', '3', '--layers', '3', '--vocab', '1000', '--out', dir);
  assert.equal(made.status, 0, made.stderr);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, number>;

  /** K and V rows a step at `pos` visits, from config.json: sliding layers (even index) see at most the window. */
  function expectedKvBytes(pos: number, valueBytes: number): number {
    let rows = 0;
    for (let layer = 0; layer < config.num_hidden_layers!; layer++) rows += layer % 2 === 0 ? Math.min(pos + 1, config.sliding_window!) : pos + 1;
    return rows * config.num_key_value_heads! * config.head_dim! * 2 * valueBytes;
  }

  for (const [precision, valueBytes] of [
    ['fast', 2],
    ['exact', 4],
  ] as const) {
    it(`reports the bytes per step and the fraction of the limit at each size (${precision}: ${valueBytes}-byte K/V)`, () => {
      const steps = 3;
      const r = cli('bench', '--model', dir, '--backend', 'cpu', '--precision', precision, '--threads', '1', '--prompt', '2', '--gen', '1', '--repeat', '1', '--context', '10,300', '--context-steps', String(steps), '--json');
      assert.equal(r.status, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { decode_bytes_per_token: number; read_bandwidth_gb_s: number; decode_tok_s: number; decode_runs_tok_s: number[]; long_context: Record<string, number | boolean>[] };
      // the old fields stay, the per-run figures come along
      assert.equal(typeof j.decode_tok_s, 'number');
      assert.deepEqual(j.decode_runs_tok_s.length, 1);
      assert.deepEqual(
        j.long_context.map((c) => c.positions),
        [10, 300],
      );
      for (const c of j.long_context) {
        const n = c.positions as number;
        let kv = 0;
        for (let pos = n - steps; pos < n; pos++) kv += expectedKvBytes(pos, valueBytes);
        kv /= steps;
        assert.equal(c.filled, true, 'the cpu backend fills the cache with synthetic keys and values');
        assert.equal(c.steps, steps);
        assert.ok(Math.abs((c.kv_bytes_per_step as number) - kv) <= 1, `context ${n}: kv ${String(c.kv_bytes_per_step)} bytes, expected ${kv}`);
        assert.equal(c.weight_bytes_per_step, j.decode_bytes_per_token);
        assert.ok(Math.abs((c.bytes_per_step as number) - (j.decode_bytes_per_token + kv)) <= 1, `context ${n}: ${String(c.bytes_per_step)} bytes per step`);
        const limit = (j.read_bandwidth_gb_s * 1e9) / (c.bytes_per_step as number);
        assert.ok(Math.abs((c.limit_tok_s as number) - limit) / limit < 0.01, `context ${n}: limit ${String(c.limit_tok_s)}, expected ${limit}`);
        const fraction = (c.decode_tok_s as number) / (c.limit_tok_s as number);
        assert.ok(Math.abs((c.fraction_of_limit as number) - fraction) <= 0.001 + 0.01 * fraction, `context ${n}: fraction ${String(c.fraction_of_limit)}`);
      }
      // the sliding layers stop growing at the window, the full ones do not
      const [short, long] = j.long_context as { kv_bytes_per_step: number }[];
      assert.ok(long!.kv_bytes_per_step > 10 * short!.kv_bytes_per_step, `${long!.kv_bytes_per_step} vs ${short!.kv_bytes_per_step}`);
      assert.match(r.stderr, /decode at 300\s+[\d.]+ tok\/s \([\d.]+ ms\/step, median of 3\); [\d.]+ GB\/step = [\d.]+ weights \+ [\d.]+ KV; limit [\d.]+ tok\/s \(achieved \d+ %\)/);
    });
  }

  it('refuses a --context size outside the model or below --context-steps, naming the value', () => {
    for (const [value, extra] of [
      ['200000', []],
      ['4', ['--context-steps', '8']],
      ['abc', []],
    ] as const) {
      const r = cli('bench', '--model', dir, '--prompt', '2', '--gen', '1', '--repeat', '1', '--context', value, ...extra);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`--context takes sizes from --context-steps \\(\\d+\\) to the model's context \\(131072\\), got '${value}'`));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
