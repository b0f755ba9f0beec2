import { createHash } from 'node:crypto';
import type { ServedModel } from '../served-model.js';
import { notFound } from '../errors.js';
import { validateBody } from '../protocol/validate.js';
import { isServedName, ollamaNames } from '../model-names.js';
import { ollamaShowSchema } from './schema.js';

/** GET /api/tags, POST /api/show, GET /api/ps, GET /api/version: what Ollama's clients ask before chatting. */

/** The version of Ollama whose API this imitates (clients enable features by it), beside this package's. */
export const OLLAMA_API_VERSION = '0.12.0';
const PACKAGE_VERSION = '0.1.0';
const STARTED = new Date().toISOString();

/** Parameters from the config (embedding, unembedding, attention, router, experts with their biases, norms). */
function parameterCount(model: ServedModel): number {
  const c = model.engine.config;
  const h = c.hiddenSize;
  const qkv = (c.numAttentionHeads + 2 * c.numKeyValueHeads) * c.headDim;
  const attention = h + h * qkv + qkv + c.numAttentionHeads + c.numAttentionHeads * c.headDim * h + h;
  const experts = c.numExperts * (2 * c.intermediateSize * h + 2 * c.intermediateSize + c.intermediateSize * h + h);
  const mlp = h + c.numExperts * h + c.numExperts + experts;
  return 2 * c.vocabSize * h + c.numHiddenLayers * (attention + mlp) + h;
}

/** Bytes of the checkpoint as released: MXFP4 experts (4.25 bits a value), everything else bf16. */
function sizeBytes(model: ServedModel): number {
  const c = model.engine.config;
  const expertValues = c.numHiddenLayers * c.numExperts * 3 * c.intermediateSize * c.hiddenSize;
  return Math.round(expertValues * (4.25 / 8) + (parameterCount(model) - expertValues) * 2);
}

function formatParameters(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : `${(n / 1e6).toFixed(1)}M`;
}

function details(model: ServedModel): Record<string, unknown> {
  return {
    parent_model: '',
    format: 'safetensors',
    family: 'gpt-oss',
    families: ['gpt-oss'],
    parameter_size: formatParameters(parameterCount(model)),
    quantization_level: 'MXFP4',
  };
}

const digestOf = (model: ServedModel): string => createHash('sha256').update(model.id).digest('hex');

export function tags(model: ServedModel): Record<string, unknown> {
  const name = ollamaNames(model)[0]!;
  return { models: [{ name, model: name, modified_at: STARTED, size: sizeBytes(model), digest: digestOf(model), details: details(model) }] };
}

export function ps(model: ServedModel): Record<string, unknown> {
  const name = ollamaNames(model)[0]!;
  return {
    models: [
      {
        name,
        model: name,
        size: sizeBytes(model),
        digest: digestOf(model),
        details: details(model),
        // Loaded for as long as the server runs.
        expires_at: '2100-01-01T00:00:00Z',
        size_vram: 0,
        context_length: model.engine.contextLength,
      },
    ],
  };
}

export function show(body: unknown, model: ServedModel): Record<string, unknown> {
  const req = validateBody(ollamaShowSchema, body);
  const name = req.model ?? req.name;
  if (!name || !isServedName(model, name)) {
    throw notFound(`model '${name ?? ''}' not found; this server serves '${ollamaNames(model)[0]}'`, 'model', 'model_not_found');
  }
  const c = model.engine.config;
  return {
    license: 'Apache-2.0',
    modelfile: `# served by gpt-oss-ts\nFROM ${model.id}\n`,
    parameters: '',
    template: '{{ .Prompt }}',
    details: details(model),
    model_info: {
      'general.architecture': 'gpt-oss',
      'general.parameter_count': parameterCount(model),
      'gpt-oss.block_count': c.numHiddenLayers,
      'gpt-oss.context_length': c.maxContextLength,
      'gpt-oss.embedding_length': c.hiddenSize,
      'gpt-oss.feed_forward_length': c.intermediateSize,
      'gpt-oss.attention.head_count': c.numAttentionHeads,
      'gpt-oss.attention.head_count_kv': c.numKeyValueHeads,
      'gpt-oss.attention.key_length': c.headDim,
      'gpt-oss.attention.value_length': c.headDim,
      'gpt-oss.attention.sliding_window': c.slidingWindow,
      'gpt-oss.expert_count': c.numExperts,
      'gpt-oss.expert_used_count': c.expertsPerToken,
      'gpt-oss.rope.freq_base': c.ropeTheta,
      'gpt-oss.rope.scaling.factor': c.ropeScalingFactor,
      'gpt-oss.rope.scaling.original_context_length': c.initialContextLength,
      'tokenizer.ggml.model': 'gpt2',
      'tokenizer.ggml.pre': 'gpt-4o',
    },
    capabilities: ['completion', 'tools', 'thinking'],
    modified_at: STARTED,
  };
}

export function version(): Record<string, unknown> {
  return { version: OLLAMA_API_VERSION, gpt_oss_ts: PACKAGE_VERSION };
}
