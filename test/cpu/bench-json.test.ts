// `gpt-oss bench --json` as a user runs it: the fields issue 4 defined stay, the bandwidth probes of
// issue 13 (read as the decode reads, with its spread, beside a STREAM-like read) and --parallel N
// (N sequences decoded together) add theirs, and each run gets the limit of its own minutes. No speed is asserted here (BENCHMARKS.md holds those).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCpuAddon } from '../../src/backends/cpu/binding.js';
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
    for (const k of ['prefill_tok_s', 'decode_tok_s', 'decode_bytes_per_token', 'peak_rss_bytes', 'load_s', 'bandwidth_gb_s', 'read_bandwidth_gb_s', 'stream_read_gb_s', 'stream_read_plain_pages_gb_s']) {
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
    // the batched step's bytes come from the experts the MoE counted: 3 sequences read from k to min(E, 3k) a layer
    const ck = openCheckpoint(fixture.dir);
    const c = ck.config;
    ck.close();
    const bs = j.batched_step as { experts_per_layer: number; bytes_per_step: number; limit_aggregate_tok_s: number; fraction_of_limit: number; max_gain: number };
    assert.ok(bs.experts_per_layer >= c.expertsPerToken && bs.experts_per_layer <= Math.min(c.numExperts, 3 * c.expertsPerToken), JSON.stringify(bs));
    const expertBytes = 3 * c.intermediateSize * c.hiddenSize * (17 / 32);
    const bytes = (j.decode_bytes_per_token as number) + c.numHiddenLayers * (bs.experts_per_layer - c.expertsPerToken) * expertBytes;
    assert.ok(Math.abs(bs.bytes_per_step - bytes) <= 0.002 * bytes, `bytes ${bs.bytes_per_step} against ${bytes}`);
    assert.ok(Math.abs(bs.max_gain - (3 * (j.decode_bytes_per_token as number)) / bytes) < 0.01, JSON.stringify(bs));
    assert.ok(Math.abs(bs.fraction_of_limit - (j.decode_aggregate_tok_s as number) / bs.limit_aggregate_tok_s) < 0.01, JSON.stringify(bs));
    // the run's own limit is of the 3 sequences too, over the bytes its steps read (one run: the median's)
    const [runRead] = j.read_bandwidth_per_run_gb_s as number[];
    const [runLimit] = j.decode_limit_per_run_tok_s as number[];
    assert.ok(Math.abs(runLimit! - (3 * runRead! * 1e9) / bs.bytes_per_step) <= 0.002 * runLimit!, `run limit ${runLimit}, probe ${runRead} GB/s, ${bs.bytes_per_step} bytes`);
    assert.ok(Math.abs((j.decode_fraction_per_run as number[])[0]! - (j.decode_aggregate_tok_s as number) / runLimit!) < 0.002, JSON.stringify(j.decode_fraction_per_run));
    assert.match(r.stderr, /batched step \(3\)\s+[\d.]+ GB\/step \([\d.]+ experts read per layer, \d+ for one sequence\); aggregate limit [\d.]+ tok\/s/);
    assert.match(r.stderr, /read bandwidth\s+[\d.]+ GB\/s \(2 MiB pages, all threads, best of 8; median [\d.]+, min [\d.]+\)/);
    // the STREAM-like loop runs its 8 passes between the probe's 8, on the same pages; then on 4 KiB pages
    assert.match(r.stderr, /STREAM-like read\s+[\d.]+ GB\/s \(plain C loop on the same pages, passes interleaved with the probe's, best of 8\)/);
    assert.match(r.stderr, /on 4 KiB pages\s+[\d.]+ GB\/s \(the same loop over plain memory, best of 8;/);
    assert.match(r.stderr, /tok\/s per sequence, [\d.]+ tok\/s over 3 sequences/);
    // the host's share of the threads' time while they all spun for a second
    const lost = j.preempted_fraction as number;
    assert.ok(typeof lost === 'number' && lost >= 0 && lost < 1, `preempted_fraction ${String(lost)}`);
    assert.ok(typeof j.preempted_max_gap_ms === 'number' && j.preempted_max_gap_ms >= 0, `preempted_max_gap_ms ${String(j.preempted_max_gap_ms)}`);
    assert.match(r.stderr, /host preemption\s+[\d.]+ % of the threads' time taken while all \d+ spun for 1 s \(per thread [\d.]+ %/);
    const phases = j.load_phases as Record<string, number>;
    assert.equal(phases.copy_bytes, 0, 'experts map copies nothing');
  });

  it('says where the load went: the expert copy and the 8-bit conversion move the checkpoint\'s bytes', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'dist/cli/main.js'), 'bench', '--model', fixture.dir, '--backend', 'cpu', '--precision', 'fast', '--prompt', '2', '--gen', '1', '--repeat', '1', '--experts', 'copy', '--threads', '1', '--json'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { load_s: number; load_phases: Record<string, number>; batched_step: { experts_per_layer: number; max_gain: number } };
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
    // one sequence's decode step reads its expertsPerToken experts a layer, no more, no fewer
    assert.equal(j.batched_step.experts_per_layer, ck.config.expertsPerToken, JSON.stringify(j.batched_step));
    assert.equal(j.batched_step.max_gain, 1);
    assert.equal(p.copy_bytes, experts, 'every expert byte is copied once');
    assert.equal(p.q8_in_bytes, linear, 'every linear weight is converted once');
    for (const k of ['open_s', 'backend_s', 'weights_s', 'copy_s', 'q8_s']) assert.ok(p[k]! >= 0, `${k}: ${p[k]}`);
    assert.ok(p.copy_s! + p.q8_s! <= p.weights_s! + 1e-3 && p.open_s! + p.backend_s! + p.weights_s! <= j.load_s + 1e-3, JSON.stringify(j));
    assert.match(r.stderr, /load\s+[\d.]+ s \(.*copy [\d.]+ [MG]B in [\d.]+ s.*q8 [\d.]+ [MG]B in/);
    // the load's copy and conversion run on every physical core even when decode asks for one thread
    const addon = loadCpuAddon();
    if (addon instanceof Error) throw addon;
    const cores = addon.physicalCores;
    assert.equal(p.load_threads, Math.max(1, cores));
    assert.match(r.stderr, new RegExp(`load\\s+[\\d.]+ s \\(.*, ${cores} load threads?\\)`));
  });

  it('gives each run the limit of its own minutes: a read probe after every run, the best pass beside it', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'dist/cli/main.js'), 'bench', '--model', fixture.dir, '--backend', 'cpu', '--prompt', '2', '--gen', '2', '--repeat', '3', '--experts', 'map', '--json'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      decode_runs_tok_s: number[];
      decode_bytes_per_token: number;
      read_bandwidth_per_run_gb_s: number[];
      decode_limit_per_run_tok_s: number[];
      decode_fraction_per_run: number[];
      decode_fraction_beside_runs: number;
      peak_rss_bytes: number;
    };
    const reads = j.read_bandwidth_per_run_gb_s;
    assert.equal(reads.length, 3, JSON.stringify(j));
    for (const x of reads) assert.ok(x > 0, JSON.stringify(reads));
    // run r's limit: the best pass after run r - 1 or after run r, over the bytes of a step
    j.decode_limit_per_run_tok_s.forEach((limit, i) => {
      const best = Math.max(reads[i]!, i > 0 ? reads[i - 1]! : 0);
      assert.ok(Math.abs(limit - (best * 1e9) / j.decode_bytes_per_token) <= 0.002 * limit, `run ${i}: limit ${limit}, probe ${best} GB/s`);
      const fraction = j.decode_runs_tok_s[i]! / limit;
      assert.ok(Math.abs(j.decode_fraction_per_run[i]! - fraction) <= 0.001 + 0.002 * fraction, `run ${i}: ${j.decode_fraction_per_run[i]} against ${fraction}`);
    });
    const sorted = [...j.decode_fraction_per_run].sort((a, b) => a - b);
    assert.equal(j.decode_fraction_beside_runs, sorted[1]);
    // the probes' 512 MB buffer is not the model's memory: the peak is read before the first of them
    assert.ok(j.peak_rss_bytes < 512 * 2 ** 20, `peak RSS ${j.peak_rss_bytes}`);
    assert.match(r.stderr, /run 2\/3: prefill [\d.]+ tok\/s, decode [\d.]+ tok\/s \(read probe after it: [\d.]+ GB\/s\)/);
    assert.match(r.stderr, /beside each run\s+limit [\d.]+ \/ [\d.]+ \/ [\d.]+ tok\/s from the best read pass just before or after the run; achieved \d+ % \/ \d+ % \/ \d+ % \(median \d+ %\)/);
  });

  it('refuses --parallel 0 before loading', async () => {
    await assert.rejects(benchCommand.run(['--model', fixture.dir, '--parallel', '0']), /--parallel/);
  });
});
