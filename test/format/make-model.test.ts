import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { numel } from '../../src/core/tensor.js';
import { openCheckpoint } from '../../src/format/checkpoint.js';
import { PRESETS, resizeConfig } from '../../src/format/config-types.js';
import { tensorToF32 } from '../../src/format/decode.js';
import { decodeMxfp4 } from '../../src/format/mxfp4.js';
import { writeRandomCheckpoint } from '../../src/format/random-checkpoint.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
const root = fileURLToPath(new URL('../../', import.meta.url));

function sha256(dir: string): string {
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex');
}

function stats(v: Float32Array): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (const x of v) {
    s += x;
    s2 += x * x;
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean) };
}

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8' });
}

describe('make-model (library)', () => {
  const orig = join(tmp, 'tiny-original');
  const hf = join(tmp, 'tiny-hf');
  writeRandomCheckpoint({ config: PRESETS.tiny, seed: 7, layout: 'original', out: orig });
  writeRandomCheckpoint({ config: PRESETS.tiny, seed: 7, layout: 'hf', out: hf });

  it('the tiny preset opens in both layouts with the real vocabulary and identical weights', () => {
    const [a, b] = [openCheckpoint(orig), openCheckpoint(hf)];
    assert.equal(a.layout, 'original');
    assert.equal(b.layout, 'hf');
    assert.deepEqual(a.config, PRESETS.tiny);
    assert.deepEqual(b.config, PRESETS.tiny);
    assert.deepEqual(a.embedding().shape, [201088, 128]);
    assert.equal(a.embedding().dtype, 'bf16');
    assert.ok(Buffer.from(a.unembedding().data).equals(Buffer.from(b.unembedding().data)));
    for (let i = 0; i < 4; i++) {
      const [la, lb] = [a.layer(i), b.layer(i)];
      assert.ok(Buffer.from(la.vWeight.data).equals(Buffer.from(lb.vWeight.data)));
      assert.ok(Buffer.from(la.mlp2.blocks).equals(Buffer.from(lb.mlp2.blocks)));
      assert.equal(la.mlp1.scales.length, 8 * 256 * 4);
    }
    a.close();
    b.close();
  });

  it('values have the fixtures\' scales: logits of a few units, spread router logits, unsaturated attention, spread MXFP4 exponents', () => {
    const ck = openCheckpoint(orig);
    const c = ck.config;
    const H = c.hiddenSize;
    const emb = tensorToF32(ck.embedding());
    assert.ok(Math.abs(stats(emb).std - 1) < 0.01, `embedding std ${stats(emb).std}`);
    const l = ck.layer(0);
    const norm = tensorToF32(l.attnNorm);
    assert.ok(Math.abs(stats(norm).mean - 1) < 0.05 && Math.abs(stats(norm).std - 0.15) < 0.03);

    // x: embeddings of 16 tokens, RMS-normalised (what every sub-layer sees)
    const rows = Array.from({ length: 16 }, (_, t) => {
      const x = emb.subarray(t * 7919 * H, t * 7919 * H + H);
      const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / H);
      return Float32Array.from(x, (v) => v / rms);
    });
    const matvec = (w: Float32Array, n: number, x: Float32Array) =>
      Float32Array.from({ length: n }, (_, r) => x.reduce((s, v, k) => s + v * w[r * H + k]!, 0));

    const unemb = tensorToF32(ck.unembedding());
    const logits = rows.slice(0, 2).map((x) => stats(matvec(unemb, c.vocabSize, x)).std);
    for (const s of logits) assert.ok(s > 1 && s < 5, `direct-path logits std ${s}`);

    const gate = tensorToF32(l.gateWeight);
    for (const x of rows) {
      const r = [...matvec(gate, c.numExperts, x)].sort((p, q) => q - p);
      assert.ok(r[0]! - r[r.length - 1]! > 1, `router logits spread ${r[0]! - r[r.length - 1]!}`);
    }

    const [wq, wk] = [tensorToF32(l.qWeight), tensorToF32(l.kWeight)];
    const scores: number[] = [];
    for (const x of rows) {
      const q = matvec(wq, 64, x);
      for (const y of rows) {
        const k = matvec(wk, 64, y);
        scores.push(q.reduce((s, v, i) => s + v * k[i]!, 0) / 8);
      }
    }
    const sd = stats(Float32Array.from(scores)).std;
    assert.ok(sd > 0.3 && sd < 4, `attention score std ${sd}: neither uniform nor saturated`);

    const hist = new Set(l.mlp1.scales);
    assert.ok(hist.size === 5 && Math.min(...hist) >= 118 && Math.max(...hist) <= 126, `mlp1 exponents ${[...hist]}`);
    const w1 = decodeMxfp4(l.mlp1.blocks, l.mlp1.scales, numel(l.mlp1.shape) / H, H);
    const s1 = stats(w1);
    assert.ok(Math.abs(s1.mean) < 0.01 && s1.std > 0.1 && s1.std < 0.5, `mlp1 std ${s1.std}`);
    ck.close();
  });

  it('exponents follow fan-in, so a 2880-wide expert keeps the output scale', () => {
    const dir = join(tmp, 'wide');
    const config = resizeConfig({ ...PRESETS['20b'], numExperts: 2, expertsPerToken: 1 }, { layers: 1, vocab: 32 });
    writeRandomCheckpoint({ config, seed: 1, layout: 'original', out: dir });
    const ck = openCheckpoint(dir);
    const l = ck.layer(0);
    const range = (v: Uint8Array) => [v.reduce((a, b) => Math.min(a, b), 255), v.reduce((a, b) => Math.max(a, b), 0)];
    assert.deepEqual(range(l.mlp1.scales), [119, 123]);
    assert.deepEqual(range(l.mlp2.scales), [116, 120]);
    ck.close();
  });

  it('is deterministic from the seed, and the seed matters', () => {
    const config = resizeConfig(PRESETS.tiny, { layers: 1, vocab: 300 });
    const [a, b, c] = ['a', 'b', 'c'].map((n) => join(tmp, `seed-${n}`));
    writeRandomCheckpoint({ config, seed: 11, layout: 'original', out: a! });
    writeRandomCheckpoint({ config, seed: 11, layout: 'original', out: b! });
    writeRandomCheckpoint({ config, seed: 12, layout: 'original', out: c! });
    assert.equal(sha256(a!), sha256(b!));
    assert.notEqual(sha256(a!), sha256(c!));
  });
});

describe('make-model and inspect (CLI)', () => {
  it('writes a checkpoint; options may come in any order; an existing output is replaced', () => {
    const out = join(tmp, 'cli-hf');
    mkdirSync(out);
    writeFileSync(join(out, 'model.safetensors'), 'stale');
    const r = cli('make-model', '--out', out, '--layers', '2', '--format', 'hf', '--seed', '5', '--vocab', '1000', '--preset', 'tiny');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote hf checkpoint \(tiny, 2 layers, vocab 1000, seed 5\)/);
    assert.ok(!readdirSync(out).includes('model.safetensors'), 'the stale file is gone');
    const ck = openCheckpoint(out);
    assert.equal(ck.layout, 'hf');
    assert.equal(ck.config.numHiddenLayers, 2);
    assert.equal(ck.config.vocabSize, 1000);
    ck.close();

    const shown = cli('inspect', out);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /layout\s+hf/);
    assert.match(shown.stdout, /lm_head\.weight\s+bf16\s+\[1000, 128\]\s+256000/);
    assert.match(shown.stdout, /model\.layers\.1\.mlp\.experts\.gate_up_proj_blocks\s+u8\s+\[8, 256, 4, 16\]/);
  });

  it('bad options and inputs get one clear line, no stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['make-model', '--preset', 'tiny', '--seed', '1', '--out', join(tmp, 'x'), '--bogus'], /error: gpt-oss make-model: Unknown option '--bogus'/],
      [['make-model', '--preset', 'huge', '--seed', '1', '--out', join(tmp, 'x')], /--preset must be one of tiny, 20b, 120b, got 'huge'/],
      [['make-model', '--preset', 'tiny', '--seed', 'abc', '--out', join(tmp, 'x')], /--seed must be an integer >= 0, got 'abc'/],
      [['make-model', '--preset', 'tiny', '--seed', '1'], /--out DIR is required/],
      [['make-model', '--preset', 'tiny', '--seed', '1', '--out', join(tmp, 'x'), '--format', 'onnx'], /--format must be one of original, hf, gguf, got 'onnx'/],
      [['inspect', join(tmp, 'does-not-exist')], /does-not-exist: model directory not found/],
    ];
    for (const [args, pattern] of cases) {
      const r = cli(...args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('refuses to replace a directory holding other files', () => {
    const out = join(tmp, 'precious');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'keep me');
    const r = cli('make-model', '--preset', 'tiny', '--seed', '1', '--layers', '1', '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /refusing to replace: .*notes\.txt/);
    assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'keep me');
  });
});
