// `gpt-oss bench --json` as a user runs it: the fields issue 4 defined stay, the bandwidth probes of
// issue 13 (read as the decode reads, with its spread, beside a STREAM-like read) and --parallel N
// (N sequences decoded together) add theirs. No speed is asserted here (BENCHMARKS.md holds those).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { benchCommand } from '../../src/cli/commands/bench.js';
import { loadFixture } from '../model/fixtures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('gpt-oss bench --json', () => {
  const fixture = loadFixture('tiny-ref-a');

  it('keeps its fields and adds the read probes, the experts placement and --parallel', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'dist/cli/main.js'), 'bench', '--model', fixture.dir, '--backend', 'cpu', '--prompt', '4', '--gen', '3', '--repeat', '1', '--parallel', '3', '--experts', 'map', '--json'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of ['prefill_tok_s', 'decode_tok_s', 'decode_bytes_per_token', 'peak_rss_bytes', 'load_s', 'bandwidth_gb_s', 'read_bandwidth_gb_s', 'stream_read_gb_s']) {
      assert.equal(typeof j[k], 'number', `${k}: ${String(j[k])}`);
      assert.ok((j[k] as number) > 0, `${k}: ${String(j[k])}`);
    }
    const [best, med, min] = [j.read_bandwidth_gb_s, j.read_bandwidth_median_gb_s, j.read_bandwidth_min_gb_s] as number[];
    assert.ok(min! > 0 && min! <= med! && med! <= best!, `spread min ${min} median ${med} best ${best}`);
    const stream = j.stream_read_gb_s as number;
    assert.ok(Math.abs((j.probes_differ as number) - Math.abs(best! - stream) / best!) < 0.002, `probes_differ ${String(j.probes_differ)}`);
    // the decode limit is the read probe's figure over the bytes of a step
    assert.ok(Math.abs((j.decode_limit_tok_s as number) - (best! * 1e9) / (j.decode_bytes_per_token as number)) / (j.decode_limit_tok_s as number) < 0.01);
    assert.equal(j.parallel, 3);
    assert.ok(Math.abs((j.decode_aggregate_tok_s as number) - 3 * (j.decode_tok_s as number)) < 0.01, `aggregate ${String(j.decode_aggregate_tok_s)}, per sequence ${String(j.decode_tok_s)}`);
    assert.equal(j.experts, 'map');
    assert.match(r.stderr, /read bandwidth\s+[\d.]+ GB\/s \(2 MiB pages, all threads, best of 8; median [\d.]+, min [\d.]+\)/);
    assert.match(r.stderr, /STREAM-like read\s+[\d.]+ GB\/s/);
    assert.match(r.stderr, /tok\/s per sequence, [\d.]+ tok\/s over 3 sequences/);
  });

  it('refuses --parallel 0 before loading', async () => {
    await assert.rejects(benchCommand.run(['--model', fixture.dir, '--parallel', '0']), /--parallel/);
  });
});
