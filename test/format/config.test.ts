import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors.js';
import { PRESETS } from '../../src/format/config-types.js';
import { parseHfConfig, parseOriginalConfig, toHfConfigJson, toOriginalConfigJson } from '../../src/format/config.js';
import { oddConfig } from './helpers.js';

/** gpt-oss-20b's transformers config.json as published (the keys this runtime reads). */
const HF_20B = {
  architectures: ['GptOssForCausalLM'],
  model_type: 'gpt_oss',
  num_hidden_layers: 24,
  num_local_experts: 32,
  num_experts_per_tok: 4,
  experts_per_token: 4,
  hidden_size: 2880,
  intermediate_size: 2880,
  head_dim: 64,
  num_attention_heads: 64,
  num_key_value_heads: 8,
  sliding_window: 128,
  layer_types: Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')),
  rope_theta: 150000,
  rope_scaling: { rope_type: 'yarn', factor: 32.0, beta_fast: 32.0, beta_slow: 1.0, original_max_position_embeddings: 4096, truncate: false },
  initial_context_length: 4096,
  max_position_embeddings: 131072,
  rms_norm_eps: 1e-5,
  swiglu_limit: 7.0,
  vocab_size: 201088,
};

function configError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.code === 'invalid_config' && pattern.test(e.message));
}

describe('config.json', () => {
  it('the published 20b transformers config equals the 20b preset', () => {
    assert.deepEqual(parseHfConfig('hf/config.json', HF_20B), PRESETS['20b']);
  });

  it('both layouts round-trip through their writers', () => {
    for (const c of [PRESETS.tiny, PRESETS['120b'], oddConfig()]) {
      assert.deepEqual(parseOriginalConfig('o.json', toOriginalConfigJson(c)), c);
      assert.deepEqual(parseHfConfig('h.json', toHfConfigJson(c)), c);
    }
  });

  it('transformers: layer_types decides which layers slide; experts_per_token is an alias; null rope_scaling is plain RoPE', () => {
    const c = parseHfConfig('h.json', {
      ...HF_20B,
      num_hidden_layers: 3,
      layer_types: ['full_attention', 'sliding_attention', 'sliding_attention'],
      num_experts_per_tok: undefined,
      experts_per_token: 2,
      rope_scaling: null,
      rms_norm_eps: 1e-6,
    });
    assert.deepEqual(c.layerSliding, [false, true, true]);
    assert.equal(c.expertsPerToken, 2);
    assert.equal(c.ropeScalingFactor, 1);
    assert.equal(c.maxContextLength, 4096);
    assert.equal(c.rmsNormEps, 1e-6);
  });

  it('original: rms eps is the reference 1e-5 and even layers slide', () => {
    const c = parseOriginalConfig('o.json', toOriginalConfigJson(PRESETS['20b']));
    assert.equal(c.rmsNormEps, 1e-5);
    assert.deepEqual(c.layerSliding.slice(0, 4), [true, false, true, false]);
  });

  it('names the file and key of missing, mistyped and inconsistent values', () => {
    const o = toOriginalConfigJson(oddConfig());
    configError(() => parseOriginalConfig('dir/config.json', { ...o, rope_theta: undefined }), /^dir\/config\.json: missing key 'rope_theta'/);
    configError(() => parseOriginalConfig('c.json', { ...o, hidden_size: '64' }), /'hidden_size' must be a number, got "64"/);
    configError(() => parseOriginalConfig('c.json', { ...o, num_hidden_layers: 2.5 }), /'num_hidden_layers' must be an integer >= 1, got 2\.5/);
    configError(() => parseOriginalConfig('c.json', { ...o, experts_per_token: 4 }), /experts per token \(4\) exceeds the number of experts \(3\)/);
    configError(() => parseOriginalConfig('c.json', { ...o, hidden_size: 48 }), /'hidden_size' must be a multiple of 32/);
    configError(() => parseOriginalConfig('c.json', { ...o, num_key_value_heads: 3 }), /multiple of num_key_value_heads/);
    configError(() => parseOriginalConfig('c.json', [1, 2]), /expected a JSON object/);
    configError(() => parseHfConfig('h.json', { ...HF_20B, model_type: 'llama' }), /model_type is "llama", expected "gpt_oss"/);
    configError(() => parseHfConfig('h.json', { ...HF_20B, layer_types: ['sliding_attention'] }), /'layer_types' has 1 entries but num_hidden_layers is 24/);
    configError(() => parseHfConfig('h.json', { ...HF_20B, rope_scaling: { factor: 'big' } }), /'rope_scaling\.factor' must be a number/);
    configError(() => parseHfConfig('h.json', { ...HF_20B, num_experts_per_tok: undefined, experts_per_token: undefined }), /missing key 'num_experts_per_tok'/);
  });
});
