/**
 * config.json of either layout to ModelConfig, and back. The original layout holds the 16 keys of
 * the reference's ModelConfig; the transformers layout renames a few and nests rope scaling.
 */
import { ConfigError } from '../core/errors.js';
import { alternatingSliding, type ModelConfig } from './config-types.js';

type Json = Record<string, unknown>;

/** The reference's RMSNorm epsilon (gpt_oss/torch/model.py); the original config does not store it. */
export const DEFAULT_RMS_NORM_EPS = 1e-5;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  constructor(
    private readonly file: string,
    private readonly json: Json,
  ) {}

  private raw(key: string): unknown {
    return this.json[key];
  }

  has(key: string): boolean {
    return this.raw(key) !== undefined && this.raw(key) !== null;
  }

  number(key: string, fallback?: number, value: unknown = this.raw(key), label = key): number {
    if (value === undefined || value === null) {
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`${this.file}: missing key '${label}' (expected a number)`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ConfigError(`${this.file}: '${label}' must be a number, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  positive(key: string, fallback?: number, value?: unknown, label = key): number {
    const n = this.number(key, fallback, value === undefined ? this.raw(key) : value, label);
    if (!(n > 0)) throw new ConfigError(`${this.file}: '${label}' must be > 0, got ${n}`);
    return n;
  }

  int(key: string, min: number, fallback?: number): number {
    const n = this.number(key, fallback);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`${this.file}: '${key}' must be an integer >= ${min}, got ${n}`);
    return n;
  }
}

function check(file: string, c: ModelConfig): ModelConfig {
  if (c.expertsPerToken > c.numExperts) {
    throw new ConfigError(`${file}: experts per token (${c.expertsPerToken}) exceeds the number of experts (${c.numExperts})`);
  }
  if (c.numAttentionHeads % c.numKeyValueHeads !== 0) {
    throw new ConfigError(
      `${file}: num_attention_heads (${c.numAttentionHeads}) must be a multiple of num_key_value_heads (${c.numKeyValueHeads})`,
    );
  }
  // MXFP4 groups 32 values along each expert matrix's input dimension.
  for (const [key, v] of [['hidden_size', c.hiddenSize], ['intermediate_size', c.intermediateSize]] as const) {
    if (v % 32 !== 0) throw new ConfigError(`${file}: '${key}' must be a multiple of 32 (MXFP4 block size), got ${v}`);
  }
  if (c.headDim % 2 !== 0) throw new ConfigError(`${file}: 'head_dim' must be even (RoPE rotates pairs), got ${c.headDim}`);
  if (c.layerSliding.length !== c.numHiddenLayers) {
    throw new ConfigError(`${file}: 'layer_types' has ${c.layerSliding.length} entries but num_hidden_layers is ${c.numHiddenLayers}`);
  }
  return c;
}

/** The original layout's config.json (the reference's ModelConfig keys). Every key is required. */
export function parseOriginalConfig(file: string, json: unknown): ModelConfig {
  if (!isRecord(json)) throw new ConfigError(`${file}: expected a JSON object of model settings`);
  const r = new Reader(file, json);
  const numHiddenLayers = r.int('num_hidden_layers', 1);
  const initialContextLength = r.int('initial_context_length', 1);
  const ropeScalingFactor = r.positive('rope_scaling_factor');
  return check(file, {
    numHiddenLayers,
    numExperts: r.int('num_experts', 1),
    expertsPerToken: r.int('experts_per_token', 1),
    vocabSize: r.int('vocab_size', 1),
    hiddenSize: r.int('hidden_size', 1),
    intermediateSize: r.int('intermediate_size', 1),
    swigluLimit: r.positive('swiglu_limit'),
    headDim: r.int('head_dim', 1),
    numAttentionHeads: r.int('num_attention_heads', 1),
    numKeyValueHeads: r.int('num_key_value_heads', 1),
    slidingWindow: r.int('sliding_window', 1),
    initialContextLength,
    ropeTheta: r.positive('rope_theta'),
    ropeScalingFactor,
    ropeNtkAlpha: r.number('rope_ntk_alpha'),
    ropeNtkBeta: r.number('rope_ntk_beta'),
    maxContextLength: Math.round(initialContextLength * ropeScalingFactor),
    rmsNormEps: DEFAULT_RMS_NORM_EPS,
    layerSliding: alternatingSliding(numHiddenLayers),
  });
}

/**
 * The transformers layout's config.json (model_type gpt_oss). rope_scaling may be absent or null
 * (plain RoPE, factor 1); layer_types, when present, says which layers slide.
 */
export function parseHfConfig(file: string, json: unknown): ModelConfig {
  if (!isRecord(json)) throw new ConfigError(`${file}: expected a JSON object of model settings`);
  const r = new Reader(file, json);
  if (json['model_type'] !== undefined && json['model_type'] !== 'gpt_oss') {
    throw new ConfigError(`${file}: model_type is ${JSON.stringify(json['model_type'])}, expected "gpt_oss"`);
  }
  const numHiddenLayers = r.int('num_hidden_layers', 1);
  const topKKey = r.has('num_experts_per_tok') ? 'num_experts_per_tok' : 'experts_per_token';
  if (!r.has(topKKey)) throw new ConfigError(`${file}: missing key 'num_experts_per_tok' (expected a number)`);

  const scaling = json['rope_scaling'];
  let factor = 1;
  let betaFast = 32;
  let betaSlow = 1;
  let originalMax: number | undefined;
  if (scaling !== undefined && scaling !== null) {
    if (!isRecord(scaling)) throw new ConfigError(`${file}: 'rope_scaling' must be an object or null, got ${JSON.stringify(scaling)}`);
    const type = scaling['rope_type'] ?? scaling['type'];
    if (type !== undefined && type !== 'yarn') {
      throw new ConfigError(`${file}: rope_scaling.rope_type is ${JSON.stringify(type)}; only "yarn" is supported`);
    }
    factor = r.positive('', undefined, scaling['factor'], 'rope_scaling.factor');
    betaFast = r.number('', 32, scaling['beta_fast'], 'rope_scaling.beta_fast');
    betaSlow = r.number('', 1, scaling['beta_slow'], 'rope_scaling.beta_slow');
    if (scaling['original_max_position_embeddings'] !== undefined) {
      originalMax = r.positive('', undefined, scaling['original_max_position_embeddings'], 'rope_scaling.original_max_position_embeddings');
    }
  }
  const initialContextLength =
    originalMax ?? (r.has('initial_context_length') ? r.int('initial_context_length', 1) : r.int('max_position_embeddings', 1));

  let layerSliding = alternatingSliding(numHiddenLayers);
  const layerTypes = json['layer_types'];
  if (layerTypes !== undefined && layerTypes !== null) {
    if (!Array.isArray(layerTypes)) throw new ConfigError(`${file}: 'layer_types' must be an array, got ${JSON.stringify(layerTypes)}`);
    layerSliding = layerTypes.map((t, i) => {
      if (t === 'sliding_attention') return true;
      if (t === 'full_attention') return false;
      throw new ConfigError(`${file}: layer_types[${i}] is ${JSON.stringify(t)}, expected "sliding_attention" or "full_attention"`);
    });
  }

  return check(file, {
    numHiddenLayers,
    numExperts: r.int('num_local_experts', 1),
    expertsPerToken: r.int(topKKey, 1),
    vocabSize: r.int('vocab_size', 1),
    hiddenSize: r.int('hidden_size', 1),
    intermediateSize: r.int('intermediate_size', 1),
    swigluLimit: r.positive('swiglu_limit', 7.0),
    headDim: r.int('head_dim', 1),
    numAttentionHeads: r.int('num_attention_heads', 1),
    numKeyValueHeads: r.int('num_key_value_heads', 1),
    slidingWindow: r.int('sliding_window', 1),
    initialContextLength,
    ropeTheta: r.positive('rope_theta'),
    ropeScalingFactor: factor,
    ropeNtkAlpha: betaSlow,
    ropeNtkBeta: betaFast,
    maxContextLength: Math.round(initialContextLength * factor),
    rmsNormEps: r.positive('rms_norm_eps', DEFAULT_RMS_NORM_EPS),
    layerSliding,
  });
}

export function isHfConfigJson(json: unknown): boolean {
  return isRecord(json) && (json['model_type'] !== undefined || json['num_local_experts'] !== undefined);
}


/** The original layout's config.json for a config (the reference's 16 keys). */
export function toOriginalConfigJson(c: ModelConfig): Json {
  return {
    num_hidden_layers: c.numHiddenLayers,
    num_experts: c.numExperts,
    experts_per_token: c.expertsPerToken,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    swiglu_limit: c.swigluLimit,
    head_dim: c.headDim,
    num_attention_heads: c.numAttentionHeads,
    num_key_value_heads: c.numKeyValueHeads,
    sliding_window: c.slidingWindow,
    initial_context_length: c.initialContextLength,
    rope_theta: c.ropeTheta,
    rope_scaling_factor: c.ropeScalingFactor,
    rope_ntk_alpha: c.ropeNtkAlpha,
    rope_ntk_beta: c.ropeNtkBeta,
  };
}

/** The transformers layout's config.json, as convert_gpt_oss_weights_to_hf.py writes it (mxfp4). */
export function toHfConfigJson(c: ModelConfig): Json {
  return {
    architectures: ['GptOssForCausalLM'],
    model_type: 'gpt_oss',
    attention_bias: true,
    attention_dropout: 0.0,
    eos_token_id: 200002,
    pad_token_id: 199999,
    experts_per_token: c.expertsPerToken,
    num_experts_per_tok: c.expertsPerToken,
    head_dim: c.headDim,
    hidden_act: 'silu',
    hidden_size: c.hiddenSize,
    initial_context_length: c.initialContextLength,
    initializer_range: 0.02,
    intermediate_size: c.intermediateSize,
    layer_types: c.layerSliding.map((s) => (s ? 'sliding_attention' : 'full_attention')),
    max_position_embeddings: c.maxContextLength,
    num_attention_heads: c.numAttentionHeads,
    num_hidden_layers: c.numHiddenLayers,
    num_key_value_heads: c.numKeyValueHeads,
    num_local_experts: c.numExperts,
    output_router_logits: false,
    rms_norm_eps: c.rmsNormEps,
    rope_scaling: {
      beta_fast: c.ropeNtkBeta,
      beta_slow: c.ropeNtkAlpha,
      factor: c.ropeScalingFactor,
      original_max_position_embeddings: c.initialContextLength,
      rope_type: 'yarn',
      truncate: false,
    },
    rope_theta: c.ropeTheta,
    router_aux_loss_coef: 0.9,
    sliding_window: c.slidingWindow,
    swiglu_limit: c.swigluLimit,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
    use_cache: true,
    vocab_size: c.vocabSize,
    quantization_config: {
      quant_method: 'mxfp4',
      modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'],
    },
  };
}
