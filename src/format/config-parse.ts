/**
 * config.json of either layout to ModelConfig, and back. The original layout holds the 16 keys of
 * the reference's ModelConfig; the transformers layout renames a few and nests rope scaling.
 * No Node modules here, so the browser bundle gets the same checks; config.ts adds file reading.
 */
import { ConfigError } from '../core/errors.js';
import { alternatingSliding, type ModelConfig } from './config-types.js';

type Json = Record<string, unknown>;

/** The reference's RMSNorm epsilon (gpt_oss/torch/model.py); the original config does not store it. */
export const DEFAULT_RMS_NORM_EPS = 1e-5;

/** The text each parsed config came from, so a message can quote a value as written (1e999, not Infinity). */
const sourceText = new WeakMap<object, string>();

/**
 * Upper bounds that no gpt-oss shape comes near (the 120b: 36 layers, 128 experts, vocab 201088,
 * context 131072): values past them are typos or corruption, refused before anything is sized by them.
 */
const LIMITS = {
  layers: 4096,
  experts: 4096,
  vocab: 1 << 24,
  width: 1 << 18,
  heads: 4096,
  headDim: 1024,
  context: 1 << 24,
  ropeTheta: 1e12,
  ropeScalingFactor: 4096,
  ntk: 1e6,
} as const;

/** Remembers the text `json` was parsed from, so messages can quote values as written. */
export function rememberConfigText(json: unknown, text: string): void {
  if (typeof json === 'object' && json !== null) sourceText.set(json, text);
}

/** JSON.parse that remembers the text (for config.json read by a browser or from memory). */
export function parseConfigText(text: string): unknown {
  const json = JSON.parse(text) as unknown;
  rememberConfigText(json, text);
  return json;
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  private readonly text: string | undefined;
  constructor(
    private readonly file: string,
    private readonly json: Json,
  ) {
    this.text = sourceText.get(json);
  }

  /** How `key`'s value is written in the file (e.g. 1e999, which JSON reads as Infinity). */
  private written(label: string, value: unknown): string {
    const key = label.split('.').pop()!;
    const m = this.text && new RegExp(`"${key.replace(/[^\w]/g, '')}"\\s*:\\s*([-+0-9.eE]+|null)`).exec(this.text);
    return m ? m[1]! : JSON.stringify(value) ?? String(value);
  }

  private raw(key: string): unknown {
    return this.json[key];
  }

  has(key: string): boolean {
    return this.raw(key) !== undefined && this.raw(key) !== null;
  }

  number(key: string, fallback?: number, value: unknown = this.raw(key), label = key): number {
    if (value === undefined || (value === null && fallback !== undefined)) {
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`${this.file}: missing key '${label}' (expected a number)`);
    }
    if (typeof value !== 'number' && value !== null) {
      throw new ConfigError(`${this.file}: '${label}' must be a number, got ${JSON.stringify(value)}`);
    }
    if (value === null || !Number.isFinite(value)) {
      throw new ConfigError(`${this.file}: '${label}' must be a finite number, got ${this.written(label, value)}`);
    }
    return value;
  }

  /** A number in [min, max] (bounds inclusive unless open). */
  range(key: string, min: number, max: number, fallback?: number, value?: unknown, label = key, openMin = false): number {
    const n = this.number(key, fallback, value === undefined ? this.raw(key) : value, label);
    if (n > max || n < min || (openMin && n === min)) {
      throw new ConfigError(`${this.file}: '${label}' must be in ${openMin ? '(' : '['}${min}, ${max}], got ${this.written(label, n)}`);
    }
    return n;
  }

  positive(key: string, fallback?: number, value?: unknown, label = key): number {
    const n = this.number(key, fallback, value === undefined ? this.raw(key) : value, label);
    if (!(n > 0)) throw new ConfigError(`${this.file}: '${label}' must be > 0, got ${n}`);
    return n;
  }

  int(key: string, min: number, max: number, fallback?: number): number {
    const n = this.number(key, fallback);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`${this.file}: '${key}' must be an integer >= ${min}, got ${this.written(key, n)}`);
    if (n > max) throw new ConfigError(`${this.file}: '${key}' is ${this.written(key, n)}, more than any gpt-oss model has (at most ${max})`);
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
  if (c.maxContextLength > LIMITS.context) {
    throw new ConfigError(`${file}: the context (initial_context_length ${c.initialContextLength} x rope scaling factor ${c.ropeScalingFactor}) exceeds ${LIMITS.context} tokens`);
  }
  if (c.slidingWindow > c.maxContextLength) {
    throw new ConfigError(`${file}: 'sliding_window' (${c.slidingWindow}) must be no larger than the context (${c.maxContextLength} tokens)`);
  }
  if (c.ropeScalingFactor > 1) {
    const { low, high } = yarnRamp(c);
    if (!(0 < low && low < high && high < c.headDim / 2 - 1)) {
      throw new ConfigError(
        `${file}: YaRN rope scaling needs 0 < low < high < head_dim/2 - 1, got low ${low}, high ${high} from head_dim ${c.headDim}, ` +
          `initial_context_length ${c.initialContextLength}, rope_theta ${c.ropeTheta}, rope_ntk_alpha ${c.ropeNtkAlpha}, rope_ntk_beta ${c.ropeNtkBeta}`,
      );
    }
  }
  return c;
}

/** YaRN's NTK-by-parts ramp ends (the reference's RotaryEmbedding): dimensions below `low` extrapolate, above `high` interpolate. */
export function yarnRamp(c: ModelConfig): { low: number; high: number } {
  const half = c.headDim / 2;
  const ctx = c.initialContextLength;
  return {
    low: (half * Math.log(ctx / (c.ropeNtkBeta * 2 * Math.PI))) / Math.log(c.ropeTheta),
    high: (half * Math.log(ctx / (c.ropeNtkAlpha * 2 * Math.PI))) / Math.log(c.ropeTheta),
  };
}

/** The original layout's config.json (the reference's ModelConfig keys). Every key is required. */
export function parseOriginalConfig(file: string, json: unknown): ModelConfig {
  if (!isRecord(json)) throw new ConfigError(`${file}: expected a JSON object of model settings`);
  const r = new Reader(file, json);
  const numHiddenLayers = r.int('num_hidden_layers', 1, LIMITS.layers);
  const initialContextLength = r.int('initial_context_length', 1, LIMITS.context);
  const ropeScalingFactor = r.range('rope_scaling_factor', 1, LIMITS.ropeScalingFactor);
  return check(file, {
    numHiddenLayers,
    numExperts: r.int('num_experts', 1, LIMITS.experts),
    expertsPerToken: r.int('experts_per_token', 1, LIMITS.experts),
    vocabSize: r.int('vocab_size', 1, LIMITS.vocab),
    hiddenSize: r.int('hidden_size', 1, LIMITS.width),
    intermediateSize: r.int('intermediate_size', 1, LIMITS.width),
    swigluLimit: r.positive('swiglu_limit'),
    headDim: r.int('head_dim', 1, LIMITS.headDim),
    numAttentionHeads: r.int('num_attention_heads', 1, LIMITS.heads),
    numKeyValueHeads: r.int('num_key_value_heads', 1, LIMITS.heads),
    slidingWindow: r.int('sliding_window', 1, LIMITS.context),
    initialContextLength,
    ropeTheta: r.range('rope_theta', 1, LIMITS.ropeTheta, undefined, undefined, 'rope_theta', true),
    ropeScalingFactor,
    ropeNtkAlpha: r.range('rope_ntk_alpha', 0, LIMITS.ntk, undefined, undefined, 'rope_ntk_alpha', true),
    ropeNtkBeta: r.range('rope_ntk_beta', 0, LIMITS.ntk, undefined, undefined, 'rope_ntk_beta', true),
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
  const numHiddenLayers = r.int('num_hidden_layers', 1, LIMITS.layers);
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
    factor = r.range('', 1, LIMITS.ropeScalingFactor, undefined, scaling['factor'], 'rope_scaling.factor');
    betaFast = r.range('', 0, LIMITS.ntk, 32, scaling['beta_fast'], 'rope_scaling.beta_fast', true);
    betaSlow = r.range('', 0, LIMITS.ntk, 1, scaling['beta_slow'], 'rope_scaling.beta_slow', true);
    if (scaling['original_max_position_embeddings'] !== undefined) {
      originalMax = r.positive('', undefined, scaling['original_max_position_embeddings'], 'rope_scaling.original_max_position_embeddings');
    }
  }
  const initialContextLength =
    originalMax ?? (r.has('initial_context_length') ? r.int('initial_context_length', 1, LIMITS.context) : r.int('max_position_embeddings', 1, LIMITS.context));

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
    numExperts: r.int('num_local_experts', 1, LIMITS.experts),
    expertsPerToken: r.int(topKKey, 1, LIMITS.experts),
    vocabSize: r.int('vocab_size', 1, LIMITS.vocab),
    hiddenSize: r.int('hidden_size', 1, LIMITS.width),
    intermediateSize: r.int('intermediate_size', 1, LIMITS.width),
    swigluLimit: r.positive('swiglu_limit', 7.0),
    headDim: r.int('head_dim', 1, LIMITS.headDim),
    numAttentionHeads: r.int('num_attention_heads', 1, LIMITS.heads),
    numKeyValueHeads: r.int('num_key_value_heads', 1, LIMITS.heads),
    slidingWindow: r.int('sliding_window', 1, LIMITS.context),
    initialContextLength,
    ropeTheta: r.range('rope_theta', 1, LIMITS.ropeTheta, undefined, undefined, 'rope_theta', true),
    ropeScalingFactor: factor,
    ropeNtkAlpha: betaSlow,
    ropeNtkBeta: betaFast,
    maxContextLength: Math.round(initialContextLength * factor),
    rmsNormEps: r.range('rms_norm_eps', 0, 1, DEFAULT_RMS_NORM_EPS, undefined, 'rms_norm_eps', true),
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
