/**
 * A checkpoint (either layout) to the GGUF file llama.cpp's converter makes of gpt-oss
 * (convert_hf_to_gguf.py GptOssModel, llama.cpp src/models/openai-moe.cpp): architecture
 * "gpt-oss", q/k/v apart, the experts' mlp1 split into gate (even rows) and up (odd rows), MXFP4
 * experts repacked to block_mxfp4, dense matrices as Q8_0 or BF16, and norms, biases, sinks and
 * the router's weight as F32. Tensors are read one layer at a time, so memory stays near one
 * layer plus one output chunk.
 */
import { f32ToBf16 } from '../core/dtypes.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Mxfp4Data, TensorData } from '../core/tensor.js';
import type { LayerTensors } from './checkpoint-types.js';
import { openCheckpoint, type OpenedCheckpoint } from './checkpoint.js';
import type { ModelConfig } from './config-types.js';
import { tensorToF32 } from './decode.js';
import { quantizeQ8_0, repackMxfp4 } from './gguf-quant.js';
import { LLAMA_FTYPE, type GgmlType, type GgufKv } from './gguf-types.js';
import { tokenizerMetadata, type TiktokenVocab } from './gguf-vocab.js';
import { writeGguf, type GgufTensorToWrite } from './gguf-writer.js';

export type GgufDenseType = 'q8_0' | 'bf16';

export interface GgufConvertOptions {
  /** The type of the dense matrices (embeddings, attention, output): llama.cpp's official files use q8_0. */
  readonly denseType: GgufDenseType;
  /** The tokenizer to embed (llama.cpp refuses a file without one). */
  readonly vocab: TiktokenVocab;
  /** general.name; defaults to the checkpoint directory's name. */
  readonly name?: string;
}

export interface GgufConvertResult {
  readonly file: string;
  readonly bytes: number;
  readonly tensors: number;
}

/** Values per output chunk: a few MB whatever the tensor. */
const CHUNK_VALUES = 1 << 20;

const ARCH = 'gpt-oss';

/** The gpt-oss.* and general.* metadata, as the converter writes it from a transformers config.json. */
export function gptOssMetadata(c: ModelConfig, denseType: GgufDenseType, name: string): GgufKv[] {
  const k = (key: string) => `${ARCH}.${key}`;
  const kv: GgufKv[] = [
    { key: 'general.architecture', type: 'string', value: ARCH },
    { key: 'general.type', type: 'string', value: 'model' },
    { key: 'general.name', type: 'string', value: name },
    { key: 'general.quantization_version', type: 'u32', value: 2 },
    { key: 'general.file_type', type: 'u32', value: denseType === 'q8_0' ? LLAMA_FTYPE.mostly_q8_0 : LLAMA_FTYPE.mostly_bf16 },
    { key: 'general.alignment', type: 'u32', value: 32 },
    { key: k('block_count'), type: 'u32', value: c.numHiddenLayers },
    { key: k('context_length'), type: 'u32', value: c.maxContextLength },
    { key: k('embedding_length'), type: 'u32', value: c.hiddenSize },
    { key: k('feed_forward_length'), type: 'u32', value: c.intermediateSize },
    { key: k('attention.head_count'), type: 'u32', value: c.numAttentionHeads },
    { key: k('attention.head_count_kv'), type: 'u32', value: c.numKeyValueHeads },
    { key: k('rope.freq_base'), type: 'f32', value: c.ropeTheta },
    { key: k('attention.layer_norm_rms_epsilon'), type: 'f32', value: c.rmsNormEps },
    { key: k('expert_count'), type: 'u32', value: c.numExperts },
    { key: k('expert_used_count'), type: 'u32', value: c.expertsPerToken },
    // head_dim is not hidden / heads in gpt-oss (2880 / 64 = 45, not 64): the key length must be given.
    { key: k('attention.key_length'), type: 'u32', value: c.headDim },
    { key: k('attention.value_length'), type: 'u32', value: c.headDim },
    { key: k('attention.sliding_window'), type: 'u32', value: c.slidingWindow },
    { key: k('expert_feed_forward_length'), type: 'u32', value: c.intermediateSize },
  ];
  // The released configs' rope_scaling is yarn (factor 32, beta_fast 32, beta_slow 1 from 4096).
  // llama.cpp has no key for the swiglu limit: it uses 7.0 for this architecture, so a checkpoint
  // with another limit would not run as trained.
  if (c.ropeScalingFactor !== 1) {
    kv.push(
      { key: k('rope.scaling.type'), type: 'string', value: 'yarn' },
      { key: k('rope.scaling.factor'), type: 'f32', value: c.ropeScalingFactor },
      { key: k('rope.scaling.original_context_length'), type: 'u32', value: c.initialContextLength },
      { key: k('rope.scaling.yarn_beta_fast'), type: 'f32', value: c.ropeNtkBeta },
      { key: k('rope.scaling.yarn_beta_slow'), type: 'f32', value: c.ropeNtkAlpha },
    );
  }
  return kv;
}

function floatValues(t: TensorData): Float32Array {
  return tensorToF32(t);
}

/** A float tensor as F32 bytes. */
function* f32Chunks(t: TensorData): Iterable<Uint8Array> {
  const v = floatValues(t);
  yield new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Strided picks of a [rows, cols] float tensor: rows unchanged, columns `start, start + step, ...` (for the gate/up bias split). */
function* f32ColumnsChunks(t: TensorData, start: number, step: number): Iterable<Uint8Array> {
  const v = floatValues(t);
  const out = new Float32Array(Math.ceil((v.length - start) / step));
  for (let i = start, j = 0; i < v.length; i += step, j++) out[j] = v[i]!;
  yield new Uint8Array(out.buffer);
}

/** A dense matrix as Q8_0 (re-quantized from its stored floats) or BF16, chunk by chunk. */
function* denseChunks(t: TensorData, type: GgufDenseType): Iterable<Uint8Array> {
  const n = t.data.length / (t.dtype === 'f32' ? 4 : 2);
  if (type === 'bf16' && t.dtype === 'bf16') {
    for (let i = 0; i < t.data.length; i += CHUNK_VALUES * 2) yield t.data.subarray(i, Math.min(t.data.length, i + CHUNK_VALUES * 2));
    return;
  }
  const elemBytes = t.dtype === 'f32' ? 4 : 2;
  const out = new Uint8Array(type === 'q8_0' ? (CHUNK_VALUES / 32) * 34 : CHUNK_VALUES * 2);
  for (let from = 0; from < n; from += CHUNK_VALUES) {
    const count = Math.min(CHUNK_VALUES, n - from);
    const bytes = t.data.subarray(from * elemBytes, (from + count) * elemBytes);
    const chunk = tensorToF32({ name: t.name, dtype: t.dtype, shape: [count], data: bytes });
    if (type === 'q8_0') {
      yield quantizeQ8_0(chunk, out);
    } else {
      for (let i = 0; i < count; i++) {
        const b = f32ToBf16(chunk[i]!);
        out[2 * i] = b & 0xff;
        out[2 * i + 1] = b >>> 8;
      }
      yield out.subarray(0, 2 * count);
    }
  }
}

/**
 * Rows `start, start + step, ...` of each expert of an MXFP4 tensor (logical [E, N, K]) repacked
 * to block_mxfp4: step 2 splits mlp1 into gate (even rows) and up (odd rows), step 1 takes all.
 */
function* mxfp4Chunks(m: Mxfp4Data, start: number, step: number): Iterable<Uint8Array> {
  const [experts, rows, k] = m.shape as [number, number, number];
  const groups = k / 32;
  const outRows = Math.ceil((rows - start) / step);
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_VALUES / k));
  const out = new Uint8Array(rowsPerChunk * groups * 17);
  for (let e = 0; e < experts; e++) {
    for (let r0 = 0; r0 < outRows; r0 += rowsPerChunk) {
      const count = Math.min(rowsPerChunk, outRows - r0);
      for (let i = 0; i < count; i++) {
        const src = e * rows + start + (r0 + i) * step;
        repackMxfp4(
          m.blocks.subarray(src * groups * 16, (src + 1) * groups * 16),
          m.scales.subarray(src * groups, (src + 1) * groups),
          out.subarray(i * groups * 17, (i + 1) * groups * 17),
        );
      }
      yield out.subarray(0, count * groups * 17);
    }
  }
}

/** The tensor list, each reading its layer lazily (one layer cached at a time). */
export function gptOssTensors(ckpt: OpenedCheckpoint, denseType: GgufDenseType): GgufTensorToWrite[] {
  const c = ckpt.config;
  const { hiddenSize: H, intermediateSize: I, numExperts: E, vocabSize: V, headDim: hd } = c;
  const q = c.numAttentionHeads * hd;
  const kv = c.numKeyValueHeads * hd;
  let cached: { n: number; layer: LayerTensors } | undefined;
  const layer = (n: number): LayerTensors => {
    if (cached?.n !== n) cached = { n, layer: ckpt.layer(n) };
    return cached.layer;
  };
  const dense: GgmlType = denseType;
  const out: GgufTensorToWrite[] = [
    { name: 'token_embd.weight', type: dense, shape: [V, H], chunks: () => denseChunks(ckpt.embedding(), denseType) },
  ];
  for (let n = 0; n < c.numHiddenLayers; n++) {
    const b = `blk.${n}`;
    const f32 = (name: string, shape: number[], pick: (l: LayerTensors) => TensorData): GgufTensorToWrite => ({
      name: `${b}.${name}`,
      type: 'f32',
      shape,
      chunks: () => f32Chunks(pick(layer(n))),
    });
    const mat = (name: string, shape: number[], pick: (l: LayerTensors) => TensorData): GgufTensorToWrite => ({
      name: `${b}.${name}`,
      type: dense,
      shape,
      chunks: () => denseChunks(pick(layer(n)), denseType),
    });
    const experts = (name: string, shape: number[], pick: (l: LayerTensors) => Mxfp4Data, start: number, step: number): GgufTensorToWrite => ({
      name: `${b}.${name}`,
      type: 'mxfp4',
      shape,
      chunks: () => mxfp4Chunks(pick(layer(n)), start, step),
    });
    const biasCols = (name: string, start: number): GgufTensorToWrite => ({
      name: `${b}.${name}`,
      type: 'f32',
      shape: [E, I],
      chunks: () => f32ColumnsChunks(layer(n).mlp1Bias, start, 2),
    });
    out.push(
      f32('attn_norm.weight', [H], (l) => l.attnNorm),
      mat('attn_q.weight', [q, H], (l) => l.qWeight),
      f32('attn_q.bias', [q], (l) => l.qBias),
      mat('attn_k.weight', [kv, H], (l) => l.kWeight),
      f32('attn_k.bias', [kv], (l) => l.kBias),
      mat('attn_v.weight', [kv, H], (l) => l.vWeight),
      f32('attn_v.bias', [kv], (l) => l.vBias),
      mat('attn_output.weight', [H, q], (l) => l.outWeight),
      f32('attn_output.bias', [H], (l) => l.outBias),
      f32('attn_sinks.weight', [c.numAttentionHeads], (l) => l.sinks),
      f32('post_attention_norm.weight', [H], (l) => l.mlpNorm),
      // The converter keeps the router in F32 (FFN_GATE_INP is never quantized).
      f32('ffn_gate_inp.weight', [E, H], (l) => l.gateWeight),
      f32('ffn_gate_inp.bias', [E], (l) => l.gateBias),
      experts('ffn_gate_exps.weight', [E, I, H], (l) => l.mlp1, 0, 2),
      biasCols('ffn_gate_exps.bias', 0),
      experts('ffn_up_exps.weight', [E, I, H], (l) => l.mlp1, 1, 2),
      biasCols('ffn_up_exps.bias', 1),
      experts('ffn_down_exps.weight', [E, H, I], (l) => l.mlp2, 0, 1),
      f32('ffn_down_exps.bias', [E, H], (l) => l.mlp2Bias),
    );
  }
  out.push(
    { name: 'output_norm.weight', type: 'f32', shape: [H], chunks: () => f32Chunks(ckpt.finalNorm()) },
    { name: 'output.weight', type: dense, shape: [V, H], chunks: () => denseChunks(ckpt.unembedding(), denseType) },
  );
  return out;
}

/** The vocabulary cut to the model's size (the fixtures' tiny models use its first ranks only). */
function fitVocab(vocab: TiktokenVocab, size: number): TiktokenVocab {
  const ranks = vocab.offsets.length - 1;
  const keep = (id: number | undefined) => (id !== undefined && id < size ? id : undefined);
  const specials = new Map([...vocab.specials].filter(([id]) => id < size));
  const base = {
    bytes: vocab.bytes,
    offsets: size < ranks ? vocab.offsets.subarray(0, size + 1) : vocab.offsets,
    specials,
    vocabSize: size,
  };
  const bosId = keep(vocab.bosId);
  const eosId = keep(vocab.eosId);
  const padId = keep(vocab.padId);
  return { ...base, ...(bosId !== undefined && { bosId }), ...(eosId !== undefined && { eosId }), ...(padId !== undefined && { padId }) };
}

/** Converts the checkpoint in `srcDir` to one GGUF file that llama.cpp loads as gpt-oss. */
export function convertToGguf(srcDir: string, outFile: string, options: GgufConvertOptions): GgufConvertResult {
  if (options.denseType !== 'q8_0' && options.denseType !== 'bf16') {
    throw new InvalidArgumentError(`convertToGguf: denseType must be 'q8_0' or 'bf16', got '${String(options.denseType)}'`);
  }
  const ckpt = openCheckpoint(srcDir);
  try {
    const c = ckpt.config;
    if (c.hiddenSize % 32 !== 0 || c.intermediateSize % 32 !== 0) {
      throw new InvalidArgumentError(`${ckpt.configFile}: GGUF Q8_0/MXFP4 rows need hidden_size and intermediate_size multiples of 32, got ${c.hiddenSize} and ${c.intermediateSize}`);
    }
    const name = options.name ?? ckpt.dir.split(/[\\/]/).filter(Boolean).pop() ?? 'gpt-oss';
    const metadata = [...gptOssMetadata(c, options.denseType, name), ...tokenizerMetadata(fitVocab(options.vocab, c.vocabSize), 'gpt-4o')];
    const tensors = gptOssTensors(ckpt, options.denseType);
    const bytes = writeGguf(outFile, metadata, tensors);
    return { file: outFile, bytes, tensors: tensors.length };
  } finally {
    ckpt.close();
  }
}
