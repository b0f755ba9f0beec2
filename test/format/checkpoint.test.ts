import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GptOssError } from '../../src/core/errors.js';
import type { TensorData } from '../../src/core/tensor.js';
import { openCheckpoint } from '../../src/format/checkpoint.js';
import { bf16BytesToF32 } from '../../src/format/decode.js';
import { writeRandomCheckpoint } from '../../src/format/random-checkpoint.js';
import { SafetensorsFile } from '../../src/format/safetensors.js';
import { writeSafetensors } from '../../src/format/safetensors-writer.js';
import { oddConfig, rawTensorBytes, tempDir, TINY_A, TINY_B } from './helpers.js';

const tmp = tempDir();

describe('openCheckpoint on the reference fixtures', () => {
  it('opens tiny-ref-a with the config the README states', () => {
    const ck = openCheckpoint(TINY_A);
    try {
      assert.equal(ck.layout, 'original');
      const c = ck.config;
      assert.deepEqual(
        [c.numHiddenLayers, c.numExperts, c.expertsPerToken, c.vocabSize, c.hiddenSize, c.intermediateSize],
        [4, 8, 4, 1536, 160, 96],
      );
      assert.deepEqual([c.numAttentionHeads, c.numKeyValueHeads, c.headDim, c.slidingWindow], [8, 2, 64, 8]);
      assert.equal(c.rmsNormEps, 1e-5);
      assert.equal(c.maxContextLength, 4096 * 32);
      assert.deepEqual(c.layerSliding, [true, false, true, false]);
      const file = readFileSync(join(TINY_A, 'model.safetensors'));
      assert.equal(ck.totalBytes, file.length - 8 - Number(file.readBigUInt64LE(0)));
    } finally {
      ck.close();
    }
  });

  it('tiny-ref-b (rope factor 1, 16 experts, 6 heads) opens', () => {
    const ck = openCheckpoint(TINY_B);
    assert.equal(ck.config.ropeScalingFactor, 1);
    assert.equal(ck.config.maxContextLength, 4096);
    assert.deepEqual(ck.layer(3).mlp2.shape, [16, 128, 64]);
    ck.close();
  });

  it('reads the bytes the file holds: embedding, qkv row slices as views, MXFP4 pairs, norms', () => {
    const file = readFileSync(join(TINY_A, 'model.safetensors'));
    const ck = openCheckpoint(TINY_A);
    try {
      const emb = ck.embedding();
      const rawEmb = rawTensorBytes(file, 'embedding.weight');
      assert.deepEqual(emb.shape, [1536, 160]);
      assert.ok(Buffer.from(emb.data).equals(rawEmb.bytes));
      // a known value, decoded independently: row 7, column 3
      const bits = rawEmb.bytes.readUInt16LE((7 * 160 + 3) * 2);
      const expected = new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!;
      assert.equal(bf16BytesToF32(emb.data)[7 * 160 + 3], expected);

      const l = ck.layer(2);
      const qkv = rawTensorBytes(file, 'block.2.attn.qkv.weight').bytes;
      const rowBytes = 160 * 2;
      assert.deepEqual(l.qWeight.shape, [512, 160]);
      assert.deepEqual(l.kWeight.shape, [128, 160]);
      assert.deepEqual(l.vWeight.shape, [128, 160]);
      assert.ok(Buffer.from(l.qWeight.data).equals(qkv.subarray(0, 512 * rowBytes)));
      assert.ok(Buffer.from(l.kWeight.data).equals(qkv.subarray(512 * rowBytes, 640 * rowBytes)));
      assert.ok(Buffer.from(l.vWeight.data).equals(qkv.subarray(640 * rowBytes)));
      assert.equal(l.qWeight.data.buffer, l.vWeight.data.buffer, 'q and v share one read of qkv');
      const qkvBias = rawTensorBytes(file, 'block.2.attn.qkv.bias').bytes;
      assert.ok(Buffer.from(l.kBias.data).equals(qkvBias.subarray(1024, 1280)));

      assert.deepEqual(l.mlp1.shape, [8, 192, 160]);
      assert.deepEqual(l.mlp2.shape, [8, 160, 96]);
      assert.ok(Buffer.from(l.mlp1.blocks).equals(rawTensorBytes(file, 'block.2.mlp.mlp1_weight.blocks').bytes));
      assert.ok(Buffer.from(l.mlp2.scales).equals(rawTensorBytes(file, 'block.2.mlp.mlp2_weight.scales').bytes));
      assert.equal(l.attnNorm.dtype, 'bf16', 'norm scales pass through in their stored dtype');
      assert.deepEqual(l.sinks.shape, [8]);
      assert.throws(() => ck.layer(4), (e: unknown) => e instanceof GptOssError && e.code === 'out_of_range');
    } finally {
      ck.close();
    }
  });
});

/** Copies a checkpoint, letting `edit` change the tensor list (drop, reshape, retype). */
function rebuild(src: string, dst: string, edit: (ts: TensorData[]) => TensorData[], config?: (c: Record<string, unknown>) => void): string {
  rmSync(dst, { recursive: true, force: true });
  mkdirSync(dst, { recursive: true });
  const st = SafetensorsFile.open(join(src, 'model.safetensors'));
  const tensors = edit([...st.header.entries.keys()].map((n) => st.read(n)));
  writeSafetensors(
    join(dst, 'model.safetensors'),
    tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, chunks: () => [t.data] })),
  );
  st.close();
  const json = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')) as Record<string, unknown>;
  config?.(json);
  writeFileSync(join(dst, 'config.json'), JSON.stringify(json));
  return dst;
}

function rejects(path: string, code: string, pattern: RegExp): void {
  assert.throws(
    () => openCheckpoint(path),
    (e: unknown) => {
      assert.ok(e instanceof GptOssError, `expected a GptOssError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('openCheckpoint rejects bad checkpoints with a message naming the file and the problem', () => {
  const odd = join(tmp, 'odd');
  writeRandomCheckpoint({ config: oddConfig(), seed: 3, layout: 'original', out: odd });

  it('accepts unusual but consistent shapes (3 layers, 3 experts top-1, one KV head, plain RoPE, vocab 77)', () => {
    const ck = openCheckpoint(odd);
    assert.deepEqual(ck.config, oddConfig());
    assert.deepEqual(ck.layer(2).kWeight.shape, [16, 64]);
    ck.close();
  });

  it('a missing directory', () => rejects(join(tmp, 'nowhere'), 'file_not_found', /nowhere: model directory not found/));
  it('a directory without weights', () => {
    const d = join(tmp, 'empty');
    mkdirSync(d, { recursive: true });
    rejects(d, 'file_not_found', /empty: no checkpoint found: expected config\.json with model\.safetensors/);
  });
  it('weights without config.json', () => {
    const d = join(tmp, 'noconfig');
    mkdirSync(d, { recursive: true });
    copyFileSync(join(odd, 'model.safetensors'), join(d, 'model.safetensors'));
    rejects(d, 'file_not_found', /noconfig\/config\.json: file not found/);
  });
  it('a truncated model.safetensors', () => {
    const d = join(tmp, 'truncated');
    mkdirSync(d, { recursive: true });
    copyFileSync(join(odd, 'config.json'), join(d, 'config.json'));
    const bytes = readFileSync(join(odd, 'model.safetensors'));
    writeFileSync(join(d, 'model.safetensors'), bytes.subarray(0, bytes.length - 100));
    rejects(d, 'invalid_file', /truncated\/model\.safetensors: tensor 'unembedding\.weight': data_offsets .* run past the end of the file/);
  });
  it('a missing tensor', () =>
    rejects(
      rebuild(odd, join(tmp, 'missing'), (ts) => ts.filter((t) => t.name !== 'block.1.mlp.gate.bias')),
      'missing_tensor',
      /model\.safetensors: tensor 'block\.1\.mlp\.gate\.bias' not found \(expected \[3\]\)/,
    ));
  it('qkv rows that disagree with the config', () =>
    rejects(
      rebuild(odd, join(tmp, 'kvheads'), (ts) => ts, (c) => (c['num_key_value_heads'] = 2)),
      'shape_mismatch',
      /tensor 'block\.0\.attn\.qkv\.weight' has shape \[64, 64\] but .*config\.json implies \[96, 64\] \(head_dim 16 x \(num_attention_heads 2 \+ 2 x num_key_value_heads 2\) rows\)/,
    ));
  it('MXFP4 blocks that disagree with the config', () =>
    rejects(
      rebuild(odd, join(tmp, 'inter'), (ts) => ts, (c) => (c['intermediate_size'] = 64)),
      'shape_mismatch',
      /'block\.0\.mlp\.mlp1_weight\.blocks' has shape \[3, 64, 2, 16\] but .* implies \[3, 128, 2, 16\] \(MXFP4 blocks/,
    ));
  it('a vocabulary that disagrees with the embedding', () =>
    rejects(rebuild(odd, join(tmp, 'vocab'), (ts) => ts, (c) => (c['vocab_size'] = 78)), 'shape_mismatch', /'embedding\.weight' has shape \[77, 64\]/));
  it('a wrong dtype for MXFP4 scales', () =>
    rejects(
      rebuild(odd, join(tmp, 'dtype'), (ts) =>
        ts.map((t) =>
          t.name === 'block.0.mlp.mlp2_weight.scales' ? { ...t, dtype: 'bf16' as const, shape: [3, 64, 1], data: new Uint8Array(t.data.length * 2) } : t,
        ),
      ),
      'shape_mismatch',
      /'block\.0\.mlp\.mlp2_weight\.scales' has dtype bf16, expected U8/,
    ));
  it('a missing config key', () =>
    rejects(rebuild(odd, join(tmp, 'nokey'), (ts) => ts, (c) => delete c['head_dim']), 'invalid_config', /config\.json: missing key 'head_dim'/));
  it('a non-numeric config value', () =>
    rejects(
      rebuild(odd, join(tmp, 'nan'), (ts) => ts, (c) => (c['num_experts'] = 'three')),
      'invalid_config',
      /config\.json: 'num_experts' must be a number, got "three"/,
    ));
  it('a config that is not JSON', () => {
    const d = rebuild(odd, join(tmp, 'badjson'), (ts) => ts);
    writeFileSync(join(d, 'config.json'), '{"num_hidden_layers": 3,');
    rejects(d, 'invalid_file', /badjson\/config\.json: not valid JSON/);
  });
});
