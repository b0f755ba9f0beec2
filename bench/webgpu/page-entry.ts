/// <reference lib="dom" />
/**
 * In the browser: prefill and decode tok/s of a checkpoint fetched over HTTP on the webgpu backend,
 * the GPU's copy bandwidth, and the fraction of the bandwidth-bound decode limit that implies.
 */
import { createWebGpuBackend } from '../../src/backends/webgpu/create.js';
import { checkpointFromBytes } from '../../src/format/memory-checkpoint.js';
import type { ModelConfig } from '../../src/format/config-types.js';
import { Transformer } from '../../src/model/transformer.js';

/** Bytes one decode step reads: dense bf16 matrices, top-k of the experts (MXFP4, 17 bytes per 32), one unembedding. */
function decodeBytes(c: ModelConfig): number {
  const H = c.hiddenSize;
  const attn = H * c.headDim * (c.numAttentionHeads * 2 + c.numKeyValueHeads * 2) * 2;
  const experts = c.expertsPerToken * 3 * c.intermediateSize * H * (17 / 32);
  const router = c.numExperts * H * 2;
  return c.numHiddenLayers * (attn + experts + router) + c.vocabSize * H * 2;
}

async function runBench(opts: { prompt: number; gen: number }): Promise<Record<string, unknown>> {
  const config = (await (await fetch('/model/config.json')).json()) as unknown;
  const bytes = new Uint8Array(await (await fetch('/model/model.safetensors')).arrayBuffer());
  const checkpoint = checkpointFromBytes('/model/model.safetensors', config, bytes);
  const backend = await createWebGpuBackend({ gpu: navigator.gpu });
  try {
    const t0 = performance.now();
    const model = Transformer.load(checkpoint, backend, { maxBatch: opts.prompt });
    await backend.finish();
    const loadS = (performance.now() - t0) / 1000;
    const c = model.config;
    const cache = model.createKvCache({ slots: 1, capacity: opts.prompt + opts.gen });
    const tokens = Int32Array.from({ length: opts.prompt }, (_, i) => (i * 7919) % c.vocabSize);
    const p0 = performance.now();
    const logits = await model.forward({ n: opts.prompt, tokens, positions: Int32Array.from(tokens, (_, i) => i), slots: new Int32Array(opts.prompt) }, cache, Int32Array.of(opts.prompt - 1));
    const p1 = performance.now();
    let token = logits.indexOf(Math.max(...logits));
    for (let i = 0; i < opts.gen; i++) {
      const out = await model.forward({ n: 1, tokens: Int32Array.of(token), positions: Int32Array.of(opts.prompt + i), slots: Int32Array.of(0) }, cache, Int32Array.of(0));
      token = out.indexOf(Math.max(...out));
    }
    const p2 = performance.now();
    const bandwidth = await backend.measureBandwidth(64 << 20, 3);
    const decode = opts.gen / ((p2 - p1) / 1000);
    const limit = (bandwidth * 1e9) / decodeBytes(c);
    return {
      adapter: `${backend.adapter.vendor}/${backend.adapter.architecture}`,
      layers: c.numHiddenLayers,
      hidden: c.hiddenSize,
      load_s: +loadS.toFixed(3),
      prefill_tok_s: +(opts.prompt / ((p1 - p0) / 1000)).toFixed(2),
      decode_tok_s: +decode.toFixed(2),
      bandwidth_gb_s: +bandwidth.toFixed(2),
      decode_bytes_per_token: Math.round(decodeBytes(c)),
      decode_limit_tok_s: +limit.toFixed(1),
      decode_fraction_of_limit: +(decode / limit).toFixed(4),
    };
  } finally {
    backend.dispose();
  }
}

(globalThis as unknown as { runBench: typeof runBench }).runBench = runBench;
