/// <reference lib="dom" />
/**
 * In the browser: every backend-ops case on the webgpu backend and on ref, compared as the Node
 * harness compares them (NMSE per output, the case's tolerance for the backend's precision). Cases
 * of ops whose weights can be split also run with 1 KiB weight parts, so the split paths run too.
 */
import { createRefBackend } from '../../../src/backends/ref/ref-backend.js';
import { createWebGpuBackend } from '../../../src/backends/webgpu/create.js';
import { cases } from '../../backend-ops/cases.js';
import { nmse } from '../../backend-ops/compare.js';
import { adapterSummary, type AdapterSummary } from './adapter.js';
import { splitCase } from './split-cases.js';

export interface CaseResult {
  name: string;
  split: boolean;
  limit: number;
  outputs: { nmse: number; maxAbs: number }[];
  error?: string;
  ms: number;
  /** Split runs: the part size used and the most parts one weight was split into. */
  partBytes?: number;
  parts?: number;
}

function maxAbs(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i]! - want[i]!));
  return Number.isNaN(m) ? Infinity : m;
}

async function runOps(): Promise<{ adapter: AdapterSummary; results: CaseResult[] }> {
  const gpu = navigator.gpu;
  const adapter = await adapterSummary(gpu);
  const results: CaseResult[] = [];
  const shared = await createWebGpuBackend({ gpu });
  const device = shared.device;
  for (const c of cases) {
    for (const split of [false, true]) {
      if (split && !splitCase(c)) continue;
      const t0 = performance.now();
      const result: CaseResult = { name: c.name, split, limit: 0, outputs: [], ms: 0 };
      try {
        const want = await c.run(createRefBackend());
        let got: Float32Array[] | undefined;
        // Split runs: the smallest power-of-two part size (from 1 KiB) that holds one row / one expert.
        for (let partBytes = 1024; !got; partBytes *= 2) {
          const backend = await createWebGpuBackend({ device, ...(split ? { partBytes } : {}) });
          result.limit = c.nmse[backend.precision];
          try {
            got = await c.run(backend);
            if (split) [result.partBytes, result.parts] = [partBytes, backend.maxParts];
          } catch (e) {
            if (!(split && e instanceof Error && / exceeds the adapter's \d+-byte buffer limit/.test(e.message))) throw e;
          } finally {
            backend.dispose();
          }
        }
        if (got.length !== want.length) throw new Error(`${got.length} outputs, expected ${want.length}`);
        result.outputs = got.map((g, i) => ({ nmse: nmse(g, want[i]!), maxAbs: maxAbs(g, want[i]!) }));
      } catch (e) {
        result.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
      result.ms = performance.now() - t0;
      results.push(result);
    }
  }
  shared.dispose();
  return { adapter, results };
}

(globalThis as unknown as { runOps: typeof runOps }).runOps = runOps;
