/**
 * A Checkpoint from any TensorSource (files on disk, bytes fetched in a browser): every tensor the
 * config implies is checked for presence, dtype and shape, then layers are assembled on demand.
 * No Node modules here, so the browser bundle can use it.
 */
import { DTYPE_BYTES } from '../core/dtypes.js';
import { ConfigError, GptOssError, OutOfRangeError, TensorError } from '../core/errors.js';
import { shapeToString, type Mxfp4Data, type TensorData } from '../core/tensor.js';
import type { Checkpoint, CheckpointLayout, LayerTensors } from './checkpoint-types.js';
import type { ModelConfig } from './config-types.js';
import { checkpointSpecs, hfNameOf, type TensorSpec } from './names.js';
import type { TensorSource } from './tensor-source-types.js';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function describeExpected(spec: TensorSpec, c: ModelConfig): string {
  if (spec.name.endsWith('qkv.weight') || spec.name.endsWith('qkv.bias')) {
    return `${shapeToString(spec.shape)} (head_dim ${c.headDim} x (num_attention_heads ${c.numAttentionHeads} + 2 x num_key_value_heads ${c.numKeyValueHeads}) rows)`;
  }
  if (spec.role === 'mxfp4Blocks') return `${shapeToString(spec.shape)} (MXFP4 blocks [experts, rows, K/32, 16])`;
  if (spec.role === 'mlp1Scales' || spec.role === 'mlp2Scales') return `${shapeToString(spec.shape)} (MXFP4 scales [experts, rows, K/32])`;
  return shapeToString(spec.shape);
}

/**
 * The config's layer count against the layers the tensors hold, before a descriptor is built per
 * layer: a corrupt num_hidden_layers (1e9) must fail at once, naming the key, not exhaust the heap.
 */
function checkLayerCount(source: TensorSource, config: ModelConfig, layout: CheckpointLayout, configFile: string): void {
  const pattern = layout === 'original' ? /^block\.(\d+)\./ : /^model\.layers\.(\d+)\./;
  const present = new Set<number>();
  for (const name of source.names()) {
    const m = pattern.exec(name);
    if (m) present.add(Number(m[1]));
  }
  if (present.size !== config.numHiddenLayers || (present.size > 0 && Math.max(...present) !== present.size - 1)) {
    const held = present.size === 0 ? 'no layer tensors' : `tensors for ${present.size} layers (${[...present].sort((a, b) => a - b).slice(0, 8).join(', ')}${present.size > 8 ? ', ...' : ''})`;
    throw new ConfigError(`${configFile}: num_hidden_layers is ${config.numHiddenLayers} but ${source.label} holds ${held}`);
  }
}

/** Checks that every tensor the config implies is present with the right dtype and shape. */
export function validateTensors(source: TensorSource, config: ModelConfig, layout: CheckpointLayout, configFile: string): number {
  checkLayerCount(source, config, layout, configFile);
  let total = 0;
  for (const spec of checkpointSpecs(config, layout)) {
    const e = source.entry(spec.name);
    if (!e) {
      if (layout === 'hf' && spec.role === 'mxfp4Blocks' && source.entry(spec.name.replace(/_blocks$/, ''))) {
        throw new GptOssError(
          'unsupported',
          `${source.label}: '${spec.name.replace(/_blocks$/, '')}' holds dequantized experts; only the MXFP4 checkpoint (..._blocks/_scales) is supported`,
        );
      }
      throw new TensorError(
        'missing_tensor',
        `${source.label}: tensor '${spec.name}' not found (expected ${describeExpected(spec, config)})`,
      );
    }
    const file = source.fileOf(spec.name);
    const dtypeOk = spec.kind === 'u8' ? e.dtype === 'u8' : e.dtype === 'bf16' || e.dtype === 'f32' || e.dtype === 'f16';
    if (!dtypeOk) {
      throw new TensorError(
        'shape_mismatch',
        `${file}: tensor '${spec.name}' has dtype ${e.dtype}, expected ${spec.kind === 'u8' ? 'U8 (MXFP4)' : 'BF16, F16 or F32'}`,
      );
    }
    if (!sameShape(e.shape, spec.shape)) {
      throw new TensorError(
        'shape_mismatch',
        `${file}: tensor '${spec.name}' has shape ${shapeToString(e.shape)} but ${configFile} implies ${describeExpected(spec, config)}`,
      );
    }
    total += e.end - e.begin;
  }
  return total;
}

/** Row slice [from, to) of a 2-D (or 1-D) tensor, sharing its bytes. */
function rows(t: TensorData, name: string, from: number, to: number): TensorData {
  const rowElems = t.shape.length > 1 ? t.shape[1]! : 1;
  const rowBytes = rowElems * DTYPE_BYTES[t.dtype];
  const shape = t.shape.length > 1 ? [to - from, rowElems] : [to - from];
  return { name, dtype: t.dtype, shape, data: t.data.subarray(from * rowBytes, to * rowBytes) };
}

function mxfp4(source: TensorSource, name: string, blocksName: string, scalesName: string): Mxfp4Data {
  const blocks = source.read(blocksName);
  const scales = source.read(scalesName);
  const s = blocks.shape;
  const shape = [...s.slice(0, -2), s[s.length - 2]! * 32];
  return { name, dtype: 'mxfp4', shape, blocks: blocks.data, scales: scales.data };
}

function originalLayer(source: TensorSource, c: ModelConfig, n: number): LayerTensors {
  const p = `block.${n}`;
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  const qkvW = source.read(`${p}.attn.qkv.weight`);
  const qkvB = source.read(`${p}.attn.qkv.bias`);
  return {
    attnNorm: source.read(`${p}.attn.norm.scale`),
    qWeight: rows(qkvW, `${p}.attn.q.weight`, 0, q),
    qBias: rows(qkvB, `${p}.attn.q.bias`, 0, q),
    kWeight: rows(qkvW, `${p}.attn.k.weight`, q, q + kv),
    kBias: rows(qkvB, `${p}.attn.k.bias`, q, q + kv),
    vWeight: rows(qkvW, `${p}.attn.v.weight`, q + kv, q + 2 * kv),
    vBias: rows(qkvB, `${p}.attn.v.bias`, q + kv, q + 2 * kv),
    sinks: source.read(`${p}.attn.sinks`),
    outWeight: source.read(`${p}.attn.out.weight`),
    outBias: source.read(`${p}.attn.out.bias`),
    mlpNorm: source.read(`${p}.mlp.norm.scale`),
    gateWeight: source.read(`${p}.mlp.gate.weight`),
    gateBias: source.read(`${p}.mlp.gate.bias`),
    mlp1: mxfp4(source, `${p}.mlp.mlp1_weight`, `${p}.mlp.mlp1_weight.blocks`, `${p}.mlp.mlp1_weight.scales`),
    mlp1Bias: source.read(`${p}.mlp.mlp1_bias`),
    mlp2: mxfp4(source, `${p}.mlp.mlp2_weight`, `${p}.mlp.mlp2_weight.blocks`, `${p}.mlp.mlp2_weight.scales`),
    mlp2Bias: source.read(`${p}.mlp.mlp2_bias`),
  };
}

function hfLayer(source: TensorSource, n: number): LayerTensors {
  const p = `model.layers.${n}`;
  const read = (original: string) => source.read(hfNameOf(`block.${n}.${original}`));
  return {
    attnNorm: read('attn.norm.scale'),
    qWeight: source.read(`${p}.self_attn.q_proj.weight`),
    qBias: source.read(`${p}.self_attn.q_proj.bias`),
    kWeight: source.read(`${p}.self_attn.k_proj.weight`),
    kBias: source.read(`${p}.self_attn.k_proj.bias`),
    vWeight: source.read(`${p}.self_attn.v_proj.weight`),
    vBias: source.read(`${p}.self_attn.v_proj.bias`),
    sinks: read('attn.sinks'),
    outWeight: read('attn.out.weight'),
    outBias: read('attn.out.bias'),
    mlpNorm: read('mlp.norm.scale'),
    gateWeight: read('mlp.gate.weight'),
    gateBias: read('mlp.gate.bias'),
    // The MXFP4 transformers layout keeps the original blocks/scales bytes: rows still alternate glu / linear.
    mlp1: mxfp4(source, `${p}.mlp.experts.gate_up_proj`, `${p}.mlp.experts.gate_up_proj_blocks`, `${p}.mlp.experts.gate_up_proj_scales`),
    mlp1Bias: read('mlp.mlp1_bias'),
    mlp2: mxfp4(source, `${p}.mlp.experts.down_proj`, `${p}.mlp.experts.down_proj_blocks`, `${p}.mlp.experts.down_proj_scales`),
    mlp2Bias: read('mlp.mlp2_bias'),
  };
}


/** The Checkpoint over a validated source (validateTensors gave `totalBytes`). */
export function assembleCheckpoint(source: TensorSource, dir: string, layout: CheckpointLayout, config: ModelConfig, totalBytes: number): Checkpoint {
  const finalNormName = layout === 'original' ? 'norm.scale' : hfNameOf('norm.scale');
  return {
    dir,
    layout,
    config,
    totalBytes,
    embedding: () => source.read(layout === 'original' ? 'embedding.weight' : hfNameOf('embedding.weight')),
    finalNorm: () => source.read(finalNormName),
    unembedding: () => source.read(layout === 'original' ? 'unembedding.weight' : hfNameOf('unembedding.weight')),
    layer: (index: number) => {
      if (!Number.isInteger(index) || index < 0 || index >= config.numHiddenLayers) {
        throw new OutOfRangeError(`layer ${index} is out of range (the model has ${config.numHiddenLayers} layers)`);
      }
      return layout === 'original' ? originalLayer(source, config, index) : hfLayer(source, index);
    },
    close: () => source.close(),
  };
}
