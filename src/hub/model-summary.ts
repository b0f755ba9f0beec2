/**
 * What `show` prints: a checkpoint's config, its tensors grouped by role and type, and the memory
 * each backend needs for a context length. The memory figures mirror how the backends hold a model
 * (see the comments); they are estimates of the resident set, not measurements.
 */
import type { DType } from '../core/dtypes.js';
import { openCheckpoint } from '../format/checkpoint.js';
import type { ModelConfig } from '../format/config-types.js';

export interface TensorGroup {
  readonly kind: string;
  readonly dtype: DType;
  readonly count: number;
  readonly bytes: number;
}

export interface BackendMemory {
  readonly backend: string;
  readonly weightBytes: number;
  readonly kvBytes: number;
  readonly totalBytes: number;
  readonly note: string;
}

/** Where the cpu backend would put the MXFP4 experts (the engine's `--experts auto` decision) and why. */
export interface ExpertsPlan {
  readonly placement: 'copy' | 'map';
  readonly reason: string;
}

export interface ModelSummary {
  readonly dir: string;
  readonly layout: 'original' | 'hf';
  readonly files: readonly string[];
  readonly config: ModelConfig;
  readonly parameters: number;
  readonly tensorCount: number;
  readonly weightBytes: number;
  readonly groups: readonly TensorGroup[];
  readonly context: number;
  /** Bytes of the MXFP4 expert tensors (blocks and scales). */
  readonly expertBytes: number;
  /** The cpu backend's expert placement the rows assume (absent: read in place). */
  readonly experts?: ExpertsPlan;
  readonly memory: readonly BackendMemory[];
}

/** The role of a tensor by its name in either layout. */
function kindOf(name: string, dtype: DType, shape: readonly number[]): string {
  if (/embed|embedding/.test(name) && !/unembedding/.test(name)) return 'embedding';
  if (/unembedding|lm_head/.test(name)) return 'unembedding';
  if (dtype === 'u8') return 'experts';
  if (/mlp1|mlp2|experts/.test(name)) return 'expert biases';
  if (/attn|self_attn/.test(name)) return shape.length === 2 ? 'attention' : 'attention vectors';
  if (/gate|router/.test(name)) return 'router';
  return 'norms and biases';
}

/**
 * Dense matrices the cpu backend's fast precision converts to its 8-bit layout at load
 * (src/model/weights.ts loads them as 'linear'; binding.ts q8Bytes: 34 bytes per 32 values).
 */
function isLinear(kind: string, shape: readonly number[]): boolean {
  return shape.length === 2 && (kind === 'attention' || kind === 'router' || kind === 'unembedding');
}

/**
 * KV cache bytes as src/model/kv-cache.ts sizes it for the engine's defaults (src/engine/engine.ts:
 * one session, rollback min(4096, context), batches of 128): full layers keep `context` positions,
 * sliding layers a ring of window + 127 + rollback.
 */
function formatGB(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

export function kvCacheBytes(c: ModelConfig, context: number, bytesPerValue: number): number {
  const sliding = Math.min(context, c.slidingWindow + 127 + Math.min(4096, context));
  const perPosition = 2 * c.numKeyValueHeads * c.headDim * bytesPerValue;
  return c.layerSliding.reduce((n, s) => n + (s ? sliding : context) * perPosition, 0);
}

/** `plan`: where the cpu backend would put the experts for this config (the engine decides; hub only reports). */
export function summarizeModel(path: string, context?: number, plan?: (config: ModelConfig) => ExpertsPlan): ModelSummary {
  const ck = openCheckpoint(path);
  try {
    const ctx = context ?? Math.min(8192, ck.config.maxContextLength);
    const groups = new Map<string, { kind: string; dtype: DType; count: number; bytes: number }>();
    let parameters = 0;
    let linearBytes = 0;
    let linearQ8 = 0;
    let expertBytes = 0;
    const names = ck.tensorNames();
    for (const name of names) {
      const t = ck.tensorInfo(name)!;
      const kind = kindOf(name, t.dtype, t.shape);
      const key = `${kind}/${t.dtype}`;
      const g = groups.get(key) ?? { kind, dtype: t.dtype, count: 0, bytes: 0 };
      g.count++;
      g.bytes += t.bytes;
      groups.set(key, g);
      if (t.dtype === 'u8') expertBytes += t.bytes;
      const numel = t.shape.reduce((a, b) => a * b, 1);
      // An MXFP4 block byte holds two values; its scale bytes hold none of their own.
      parameters += t.dtype === 'u8' ? (/scales/.test(name) ? 0 : numel * 2) : numel;
      if (isLinear(kind, t.shape) && t.dtype !== 'u8') {
        linearBytes += t.bytes;
        linearQ8 += t.shape[0]! * Math.ceil(t.shape[1]! / 32) * 34;
      }
    }
    const weights = ck.totalBytes;
    const experts = plan?.(ck.config);
    const where =
      experts?.placement === 'copy'
        ? `experts copied into the process's memory at load (${formatGB(expertBytes)} that, unlike mapped pages, the kernel cannot drop under pressure)`
        : 'experts mapped in place';
    const mem = (backend: string, weightBytes: number, kvPerValue: number, note: string): BackendMemory => {
      const kvBytes = kvCacheBytes(ck.config, ctx, kvPerValue);
      return { backend, weightBytes, kvBytes, totalBytes: weightBytes + kvBytes, note };
    };
    return {
      dir: ck.dir,
      layout: ck.layout,
      files: ck.files,
      config: ck.config,
      parameters,
      tensorCount: names.length,
      weightBytes: weights,
      groups: [...groups.values()].sort((a, b) => b.bytes - a.bytes),
      context: ctx,
      expertBytes,
      ...(experts ? { experts } : {}),
      memory: [
        mem('cpu (fast)', weights - linearBytes + linearQ8, 2, `dense matrices converted to 8 bits at load, ${where}, f16 KV cache`),
        mem('cpu (exact)', weights, 4, `dense weights mapped in place, ${where}, f32 KV cache`),
        mem('ref', weights, 4, 'weights mapped (or read) in place, decoded a row at a time, f32 KV cache'),
        // GPU memory (src/backends/webgpu: weights uploaded as stored, f32 KV cache), beside a little host memory.
        mem('webgpu', weights, 4, 'GPU memory: weights uploaded as stored, f32 KV cache'),
      ],
    };
  } finally {
    ck.close();
  }
}
