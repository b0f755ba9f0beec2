import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GptOssError } from '../../src/core/errors.js';
import type { LayerTensors } from '../../src/format/checkpoint-types.js';
import { openCheckpoint, type OpenedCheckpoint } from '../../src/format/checkpoint.js';
import { convertCheckpoint } from '../../src/format/convert.js';
import { SafetensorsFile } from '../../src/format/safetensors.js';
import { writeSafetensors } from '../../src/format/safetensors-writer.js';
import { tempDir, TINY_A } from './helpers.js';

const tmp = tempDir();

function bytesOf(x: LayerTensors[keyof LayerTensors]): Buffer[] {
  return 'blocks' in x ? [Buffer.from(x.blocks), Buffer.from(x.scales)] : [Buffer.from(x.data)];
}

/** Every tensor the model uses, byte for byte, and the configs, agree. */
function assertSameWeights(a: OpenedCheckpoint, b: OpenedCheckpoint): void {
  assert.deepEqual(b.config, a.config);
  assert.ok(Buffer.from(a.embedding().data).equals(Buffer.from(b.embedding().data)));
  assert.ok(Buffer.from(a.unembedding().data).equals(Buffer.from(b.unembedding().data)));
  assert.ok(Buffer.from(a.finalNorm().data).equals(Buffer.from(b.finalNorm().data)));
  for (let i = 0; i < a.config.numHiddenLayers; i++) {
    const [la, lb] = [a.layer(i), b.layer(i)];
    for (const key of Object.keys(la) as (keyof LayerTensors)[]) {
      assert.deepEqual(lb[key].shape, la[key].shape, `layer ${i} ${key} shape`);
      assert.equal(lb[key].dtype, la[key].dtype, `layer ${i} ${key} dtype`);
      const [xa, xb] = [bytesOf(la[key]), bytesOf(lb[key])];
      xa.forEach((x, j) => assert.ok(x.equals(xb[j]!), `layer ${i} ${key} bytes`));
    }
  }
  assert.equal(b.totalBytes, a.totalBytes);
}

describe('transformers (HF) layout', () => {
  const hf = join(tmp, 'hf');
  convertCheckpoint(TINY_A, hf, 'hf');

  it('converting tiny-ref-a gives the hub layout: config, shard(s), index with transformers names', () => {
    const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config['model_type'], 'gpt_oss');
    assert.equal(config['num_local_experts'], 8);
    assert.deepEqual((config['quantization_config'] as Record<string, unknown>)['quant_method'], 'mxfp4');
    const index = JSON.parse(readFileSync(join(hf, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
    assert.equal(index.weight_map['model.layers.3.mlp.experts.gate_up_proj_blocks'], 'model-00001-of-00001.safetensors');
    assert.ok('model.layers.0.self_attn.k_proj.bias' in index.weight_map);
    assert.ok(!Object.keys(index.weight_map).some((n) => n.includes('qkv')));
  });

  it('holds exactly the same weights as the original (q/k/v split, MXFP4 blocks/scales unchanged)', () => {
    const [a, b] = [openCheckpoint(TINY_A), openCheckpoint(hf)];
    assert.equal(b.layout, 'hf');
    assertSameWeights(a, b);
    a.close();
    b.close();
  });

  it('converts back to the original byte for byte', () => {
    const back = join(tmp, 'back');
    convertCheckpoint(hf, back, 'original');
    const [a, b] = [openCheckpoint(TINY_A), openCheckpoint(back)];
    assert.equal(b.layout, 'original');
    for (const name of a.tensorNames()) {
      assert.ok(Buffer.from(a.readTensor(name).data).equals(Buffer.from(b.readTensor(name).data)), name);
    }
    assert.deepEqual(JSON.parse(readFileSync(join(back, 'config.json'), 'utf8')), JSON.parse(readFileSync(join(TINY_A, 'config.json'), 'utf8')));
    a.close();
    b.close();
  });

  it('finds shards through the index only, whatever their names', () => {
    const sharded = join(tmp, 'sharded');
    convertCheckpoint(TINY_A, sharded, 'hf', { shardBytes: 600_000 });
    const shards = readdirSync(sharded).filter((f) => f.endsWith('.safetensors'));
    assert.ok(shards.length >= 5, `several shards, got ${shards.length}`);
    // rename the shards the way the hub's 20b misnames them, and point the index at the new names
    const indexFile = join(sharded, 'model.safetensors.index.json');
    let index = readFileSync(indexFile, 'utf8');
    shards.forEach((f, i) => {
      const renamed = `model-${String(i).padStart(5, '0')}-of-00002.safetensors`;
      cpSync(join(sharded, f), join(sharded, renamed));
      index = index.replaceAll(`"${f}"`, `"${renamed}"`);
    });
    writeFileSync(indexFile, index);
    const [a, b] = [openCheckpoint(TINY_A), openCheckpoint(sharded)];
    assertSameWeights(a, b);
    a.close();
    b.close();
  });

  it('a hub repository root: the root wins when it has weights; a root without weights falls back to original/', () => {
    const repo = join(tmp, 'repo');
    cpSync(hf, repo, { recursive: true });
    cpSync(TINY_A, join(repo, 'original'), { recursive: true });
    const root = openCheckpoint(repo);
    assert.equal(root.layout, 'hf');
    root.close();
    const orig = openCheckpoint(join(repo, 'original'));
    assert.equal(orig.layout, 'original');
    orig.close();

    const bare = join(tmp, 'bare-repo');
    mkdirSync(bare);
    writeFileSync(join(bare, 'README.md'), 'weights are in original/');
    cpSync(TINY_A, join(bare, 'original'), { recursive: true });
    const fallback = openCheckpoint(bare);
    assert.equal(fallback.layout, 'original');
    assert.equal(fallback.dir, join(bare, 'original'));
    fallback.close();
  });

  it('rejects an index that lists a tensor its shard does not hold, and one that names no shards', () => {
    const broken = join(tmp, 'broken-index');
    cpSync(hf, broken, { recursive: true });
    const indexFile = join(broken, 'model.safetensors.index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { weight_map: Record<string, string> };
    index.weight_map['model.layers.9.mlp.router.bias'] = 'model-00001-of-00001.safetensors';
    writeFileSync(indexFile, JSON.stringify(index));
    assert.throws(
      () => openCheckpoint(broken),
      (e: unknown) => e instanceof GptOssError && e.code === 'missing_tensor' && /'model\.layers\.9\.mlp\.router\.bias' is listed for this shard/.test(e.message),
    );
    writeFileSync(indexFile, JSON.stringify({ metadata: {} }));
    assert.throws(() => openCheckpoint(broken), /model\.safetensors\.index\.json: expected an object with a 'weight_map'/);
    writeFileSync(indexFile, JSON.stringify({ weight_map: { 'lm_head.weight': 'missing-shard.safetensors' } }));
    assert.throws(() => openCheckpoint(broken), (e: unknown) => e instanceof GptOssError && e.code === 'file_not_found' && /missing-shard\.safetensors: file not found/.test(e.message));
  });

  it('reads a single-file transformers checkpoint, and refuses dequantized experts clearly', () => {
    const single = join(tmp, 'hf-single');
    mkdirSync(single);
    cpSync(join(hf, 'config.json'), join(single, 'config.json'));
    const st = SafetensorsFile.open(join(hf, 'model-00001-of-00001.safetensors'));
    const write = (rename: Record<string, string>) =>
      writeSafetensors(
        join(single, 'model.safetensors'),
        [...st.header.entries.values()].map((e) => ({ name: rename[e.name] ?? e.name, dtype: e.dtype, shape: e.shape, chunks: () => [st.read(e.name).data] })),
      );
    write({});
    const [a, b] = [openCheckpoint(TINY_A), openCheckpoint(single)];
    assert.equal(b.layout, 'hf');
    assertSameWeights(a, b);
    a.close();
    b.close();
    write({ 'model.layers.0.mlp.experts.gate_up_proj_blocks': 'model.layers.0.mlp.experts.gate_up_proj' });
    st.close();
    assert.throws(
      () => openCheckpoint(single),
      (e: unknown) => e instanceof GptOssError && e.code === 'unsupported' && /'model\.layers\.0\.mlp\.experts\.gate_up_proj' holds dequantized experts/.test(e.message),
    );
  });

  it('rejects a transformers checkpoint missing a tensor, naming it', () => {
    const partial = join(tmp, 'partial');
    cpSync(hf, partial, { recursive: true });
    const indexFile = join(partial, 'model.safetensors.index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { weight_map: Record<string, string> };
    delete index.weight_map['model.layers.1.self_attn.v_proj.weight'];
    writeFileSync(indexFile, JSON.stringify(index));
    assert.throws(
      () => openCheckpoint(partial),
      (e: unknown) => e instanceof GptOssError && e.code === 'missing_tensor' && /model\.safetensors\.index\.json: tensor 'model\.layers\.1\.self_attn\.v_proj\.weight' not found \(expected \[128, 160\]\)/.test(e.message),
    );
  });
});
