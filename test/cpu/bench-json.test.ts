// `gpt-oss bench --json` as a user runs it: the fields issue 4 defined stay, the bandwidth probes of
// issue 13 (read as the decode reads, with its spread, beside a STREAM-like read) and --parallel N
// (N sequences decoded together) add theirs. No speed is asserted here (BENCHMARKS.md holds those).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { benchCommand } from '../../src/cli/commands/bench.js';
import { openCheckpoint } from '../../src/format/checkpoint.js';
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
    const phases = j.load_phases as Record<string, number>;
    assert.equal(phases.copy_bytes, 0, 'experts map copies nothing');
  });

  it('says where the load went: the expert copy and the 8-bit conversion move the checkpoint\'s bytes', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'dist/cli/main.js'), 'bench', '--model', fixture.dir, '--backend', 'cpu', '--precision', 'fast', '--prompt', '2', '--gen', '1', '--repeat', '1', '--experts', 'copy', '--json'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { load_s: number; load_phases: Record<string, number> };
    const p = j.load_phases;
    const ck = openCheckpoint(fixture.dir);
    let experts = 0;
    let linear = 0;
    try {
      for (let i = 0; i < ck.config.numHiddenLayers; i++) {
        const t = ck.layer(i);
        for (const m of [t.mlp1, t.mlp2]) experts += m.blocks.length + m.scales.length;
        for (const w of [t.qWeight, t.kWeight, t.vWeight, t.outWeight, t.gateWeight]) linear += w.data.length;
      }
      linear += ck.unembedding().data.length;
    } finally {
      ck.close();
    }
    assert.equal(p.copy_bytes, experts, 'every expert byte is copied once');
    assert.equal(p.q8_in_bytes, linear, 'every linear weight is converted once');
    for (const k of ['open_s', 'backend_s', 'weights_s', 'copy_s', 'q8_s']) assert.ok(p[k]! >= 0, `${k}: ${p[k]}`);
    assert.ok(p.copy_s! + p.q8_s! <= p.weights_s! + 1e-3 && p.open_s! + p.backend_s! + p.weights_s! <= j.load_s + 1e-3, JSON.stringify(j));
    assert.match(r.stderr, /load\s+[\d.]+ s \(.*copy [\d.]+ [MG]B in [\d.]+ s.*q8 [\d.]+ [MG]B in/);
  });

  it('refuses --parallel 0 before loading', async () => {
    await assert.rejects(benchCommand.run(['--model', fixture.dir, '--parallel', '0']), /--parallel/);
  });
});
