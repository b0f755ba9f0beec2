/// <reference lib="dom" />
/**
 * In the browser: a fixture checkpoint fetched over HTTP, the forward pass on the webgpu backend in
 * prefill (one call) and decode (one token per call), compared with the reference's golden logits.
 */
import { createWebGpuBackend } from '../../../src/backends/webgpu/create.js';
import { checkpointFromBytes } from '../../../src/format/memory-checkpoint.js';
import { Transformer } from '../../../src/model/transformer.js';
import { compareLogits, type LogitsComparison } from '../../model/compare.js';

export interface FixtureRun {
  mode: string;
  comparison: LogitsComparison;
  ms: number;
}

async function bytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** One device for every fixture: its compiled pipelines are reused (SwiftShader compiles slowly). */
let device: Promise<GPUDevice> | undefined;

async function runFixture(name: string): Promise<FixtureRun[]> {
  const base = `/fixtures/${name}`;
  const meta = (await (await fetch(`${base}/meta.json`)).json()) as { tokens: number[]; V: number };
  const config = (await (await fetch(`${base}/config.json`)).json()) as unknown;
  const goldenBytes = await bytes(`${base}/golden.f32.bin`);
  const golden = new Float32Array(goldenBytes.buffer, goldenBytes.byteOffset, goldenBytes.byteLength / 4);
  const checkpoint = checkpointFromBytes(`${base}/model.safetensors`, config, await bytes(`${base}/model.safetensors`));
  device ??= createWebGpuBackend({ gpu: navigator.gpu }).then((b) => b.device);
  const backend = await createWebGpuBackend({ device: await device });
  const model = Transformer.load(checkpoint, backend);
  const tokens = Int32Array.from(meta.tokens);
  const T = tokens.length;
  const V = meta.V;
  const runs: FixtureRun[] = [];
  try {
    for (const [mode, step] of [['prefill', T], ['decode', 1]] as const) {
      const t0 = performance.now();
      const cache = model.createKvCache({ slots: 1, capacity: T });
      const out = new Float32Array(T * V);
      for (let start = 0; start < T; start += step) {
        const n = Math.min(step, T - start);
        const batch = {
          n,
          tokens: tokens.subarray(start, start + n),
          positions: Int32Array.from({ length: n }, (_, i) => start + i),
          slots: new Int32Array(n),
        };
        out.set(await model.forward(batch, cache, Int32Array.from({ length: n }, (_, i) => i)), start * V);
      }
      runs.push({ mode, comparison: compareLogits(golden, out, V), ms: performance.now() - t0 });
    }
  } finally {
    backend.dispose();
  }
  return runs;
}

(globalThis as unknown as { runFixture: typeof runFixture }).runFixture = runFixture;
