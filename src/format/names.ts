/**
 * The two layouts as data: each checkpoint tensor's name, shape (from the config) and kind, in the
 * order the reference lists them. Loaders and writers both walk these tables.
 */
import type { CheckpointLayout } from './checkpoint-types.js';
import type { ModelConfig } from './config-types.js';

/** `float`: bf16 as written (f32/f16 accepted on read); `u8`: MXFP4 blocks or scales. */
export type TensorKind = 'float' | 'u8';

/** What a tensor is, for writers choosing random values of a realistic scale. */
export type TensorRole =
  | 'embedding'
  | 'unembedding'
  | 'norm'
  | 'attnWeight'
  | 'attnBias'
  | 'outWeight'
  | 'outBias'
  | 'sinks'
  | 'gateWeight'
  | 'gateBias'
  | 'mxfp4Blocks'
  | 'mlp1Scales'
  | 'mlp2Scales'
  | 'mlp1Bias'
  | 'mlp2Bias';

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly kind: TensorKind;
  readonly role: TensorRole;
  /** Fan-in of a weight matrix (its last logical dimension), for scaling random values. */
  readonly fanIn?: number;
}

function dims(c: ModelConfig) {
  return {
    H: c.hiddenSize,
    I: c.intermediateSize,
    E: c.numExperts,
    V: c.vocabSize,
    q: c.numAttentionHeads * c.headDim,
    kv: c.numKeyValueHeads * c.headDim,
    nh: c.numAttentionHeads,
  };
}

export function originalLayerSpecs(c: ModelConfig, n: number): TensorSpec[] {
  const { H, I, E, q, kv, nh } = dims(c);
  const p = `block.${n}`;
  return [
    { name: `${p}.attn.norm.scale`, shape: [H], kind: 'float', role: 'norm' },
    { name: `${p}.attn.qkv.weight`, shape: [q + 2 * kv, H], kind: 'float', role: 'attnWeight', fanIn: H },
    { name: `${p}.attn.qkv.bias`, shape: [q + 2 * kv], kind: 'float', role: 'attnBias' },
    { name: `${p}.attn.sinks`, shape: [nh], kind: 'float', role: 'sinks' },
    { name: `${p}.attn.out.weight`, shape: [H, q], kind: 'float', role: 'outWeight', fanIn: q },
    { name: `${p}.attn.out.bias`, shape: [H], kind: 'float', role: 'outBias' },
    { name: `${p}.mlp.norm.scale`, shape: [H], kind: 'float', role: 'norm' },
    { name: `${p}.mlp.gate.weight`, shape: [E, H], kind: 'float', role: 'gateWeight', fanIn: H },
    { name: `${p}.mlp.gate.bias`, shape: [E], kind: 'float', role: 'gateBias' },
    { name: `${p}.mlp.mlp1_weight.blocks`, shape: [E, 2 * I, H / 32, 16], kind: 'u8', role: 'mxfp4Blocks', fanIn: H },
    { name: `${p}.mlp.mlp1_weight.scales`, shape: [E, 2 * I, H / 32], kind: 'u8', role: 'mlp1Scales', fanIn: H },
    { name: `${p}.mlp.mlp1_bias`, shape: [E, 2 * I], kind: 'float', role: 'mlp1Bias' },
    { name: `${p}.mlp.mlp2_weight.blocks`, shape: [E, H, I / 32, 16], kind: 'u8', role: 'mxfp4Blocks', fanIn: I },
    { name: `${p}.mlp.mlp2_weight.scales`, shape: [E, H, I / 32], kind: 'u8', role: 'mlp2Scales', fanIn: I },
    { name: `${p}.mlp.mlp2_bias`, shape: [E, H], kind: 'float', role: 'mlp2Bias' },
  ];
}

/** Original name -> transformers name (qkv is split, see hfLayerSpecs). */
export function hfNameOf(original: string): string {
  const fixed: Record<string, string> = {
    'embedding.weight': 'model.embed_tokens.weight',
    'norm.scale': 'model.norm.weight',
    'unembedding.weight': 'lm_head.weight',
  };
  const f = fixed[original];
  if (f !== undefined) return f;
  const m = /^block\.(\d+)\.(.+)$/.exec(original);
  if (!m) throw new Error(`no transformers name for '${original}'`);
  const suffix: Record<string, string> = {
    'attn.norm.scale': 'input_layernorm.weight',
    'attn.sinks': 'self_attn.sinks',
    'attn.out.weight': 'self_attn.o_proj.weight',
    'attn.out.bias': 'self_attn.o_proj.bias',
    'mlp.norm.scale': 'post_attention_layernorm.weight',
    'mlp.gate.weight': 'mlp.router.weight',
    'mlp.gate.bias': 'mlp.router.bias',
    'mlp.mlp1_weight.blocks': 'mlp.experts.gate_up_proj_blocks',
    'mlp.mlp1_weight.scales': 'mlp.experts.gate_up_proj_scales',
    'mlp.mlp1_bias': 'mlp.experts.gate_up_proj_bias',
    'mlp.mlp2_weight.blocks': 'mlp.experts.down_proj_blocks',
    'mlp.mlp2_weight.scales': 'mlp.experts.down_proj_scales',
    'mlp.mlp2_bias': 'mlp.experts.down_proj_bias',
  };
  const s = suffix[m[2]!];
  if (s === undefined) throw new Error(`no transformers name for '${original}'`);
  return `model.layers.${m[1]}.${s}`;
}

export function hfLayerSpecs(c: ModelConfig, n: number): TensorSpec[] {
  const { H, q, kv } = dims(c);
  const p = `model.layers.${n}.self_attn`;
  const out: TensorSpec[] = [];
  for (const s of originalLayerSpecs(c, n)) {
    if (s.name.endsWith('attn.qkv.weight')) {
      out.push(
        { name: `${p}.q_proj.weight`, shape: [q, H], kind: 'float', role: 'attnWeight', fanIn: H },
        { name: `${p}.k_proj.weight`, shape: [kv, H], kind: 'float', role: 'attnWeight', fanIn: H },
        { name: `${p}.v_proj.weight`, shape: [kv, H], kind: 'float', role: 'attnWeight', fanIn: H },
      );
    } else if (s.name.endsWith('attn.qkv.bias')) {
      out.push(
        { name: `${p}.q_proj.bias`, shape: [q], kind: 'float', role: 'attnBias' },
        { name: `${p}.k_proj.bias`, shape: [kv], kind: 'float', role: 'attnBias' },
        { name: `${p}.v_proj.bias`, shape: [kv], kind: 'float', role: 'attnBias' },
      );
    } else {
      out.push({ ...s, name: hfNameOf(s.name) });
    }
  }
  return out;
}

export function layerSpecs(c: ModelConfig, layout: CheckpointLayout, n: number): TensorSpec[] {
  return layout === 'original' ? originalLayerSpecs(c, n) : hfLayerSpecs(c, n);
}

/** Every tensor of a checkpoint in file order: embedding, the layers, final norm, unembedding. */
export function checkpointSpecs(c: ModelConfig, layout: CheckpointLayout): TensorSpec[] {
  const { H, V } = dims(c);
  const name = (n: string) => (layout === 'original' ? n : hfNameOf(n));
  const specs: TensorSpec[] = [{ name: name('embedding.weight'), shape: [V, H], kind: 'float', role: 'embedding' }];
  for (let n = 0; n < c.numHiddenLayers; n++) specs.push(...layerSpecs(c, layout, n));
  specs.push(
    { name: name('norm.scale'), shape: [H], kind: 'float', role: 'norm' },
    { name: name('unembedding.weight'), shape: [V, H], kind: 'float', role: 'unembedding', fanIn: H },
  );
  return specs;
}
