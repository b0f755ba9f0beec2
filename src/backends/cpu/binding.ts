/**
 * The one typed declaration of the native addon's exports (native/addon.c), as node-llama-cpp's
 * AddonTypes.ts does: every call into C goes through these signatures. Shapes are passed
 * explicitly; the addon checks that every buffer is long enough for them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '../../core/errors.js';

declare const handleBrand: unique symbol;
/** An opaque native object (a pthread pool, a KV cache, a file mapping). */
export type NativeHandle<Kind extends string> = { readonly [handleBrand]: Kind };
export type PoolHandle = NativeHandle<'pool'>;
export type KvCacheHandle = NativeHandle<'kv-cache'>;
export type MappingHandle = NativeHandle<'mapping'>;

/** Weight element types as the addon numbers them (native/common.h GO_DT_*); q8: see q8Bytes. */
export const WEIGHT_DTYPE = { f32: 0, bf16: 1, q8: 2 } as const;
export type WeightDtypeCode = (typeof WEIGHT_DTYPE)[keyof typeof WEIGHT_DTYPE];

/** Kernel levels, lowest first (native/dispatch.c). */
export const KERNEL_LEVELS = ['scalar', 'avx2', 'avx512-vnni', 'avx512-vbmi'] as const;
export type KernelLevel = (typeof KERNEL_LEVELS)[number];
/** The level each kernel family runs at (native/dispatch.c's table). */
export interface KernelReport {
  readonly dense: KernelLevel;
  readonly 'dense-q8': KernelLevel;
  readonly moe: KernelLevel;
  readonly 'moe-q8': KernelLevel;
  readonly attention: KernelLevel;
}

// The calls made once take one options object, named as native/addon.c reads them; a wrong value throws naming it.
export interface KvCacheOptions {
  layers: number;
  kvHeads: number;
  headDim: number;
  windows: Int32Array;
  slots: number;
  capacity: number;
  slidingCapacity: number;
  f16: boolean;
}
// The ops of a forward pass take their values as arguments, in this order (native/addon.c's tables:
// an options object cost a property lookup per value, through cold caches in decode).
/** out[n, H] = table[tokens] (table [vocab, H] of dtype f32 or bf16). */
export type EmbedArgs = [out: Float32Array, table: Uint8Array, dtype: WeightDtypeCode, H: number, vocab: number, tokens: Int32Array];
export type RmsNormArgs = [pool: PoolHandle, out: Float32Array, x: Float32Array, n: number, cols: number, scale: Float32Array, eps: number];
/** out[n, N] = x[n, K] W[N, K]^T (+ bias[N]). */
export type MatmulArgs = [
  pool: PoolHandle,
  out: Float32Array,
  x: Float32Array,
  n: number,
  K: number,
  w: Uint8Array,
  dtype: WeightDtypeCode,
  N: number,
  bias: Float32Array | null,
];
export interface QuantizeQ8Options {
  pool: PoolHandle;
  dst: Uint8Array;
  src: Uint8Array;
  dtype: 0 | 1;
  N: number;
  K: number;
}
export type RopeArgs = [
  pool: PoolHandle,
  x: Float32Array,
  n: number,
  heads: number,
  headDim: number,
  positions: Int32Array,
  invFreq: Float32Array,
  concentration: number,
];
export type AttentionArgs = [
  pool: PoolHandle,
  out: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  n: number,
  sinks: Float32Array,
  cache: KvCacheHandle,
  slots: Int32Array,
  positions: Int32Array,
  layer: number,
  heads: number,
  kvHeads: number,
  headDim: number,
  window: number,
  smScale: number,
];
export type MoeArgs = [
  pool: PoolHandle,
  out: Float32Array,
  x: Float32Array,
  n: number,
  H: number,
  I: number,
  E: number,
  k: number,
  swigluLimit: number,
  swigluAlpha: number,
  fast: 0 | 1,
  gate: Uint8Array,
  gateDtype: WeightDtypeCode,
  gateBias: Float32Array,
  mlp1Blocks: Uint8Array,
  mlp1Scales: Uint8Array,
  mlp1Bias: Float32Array,
  mlp2Blocks: Uint8Array,
  mlp2Scales: Uint8Array,
  mlp2Bias: Float32Array,
  /** Bit 0: mlp1's blocks are tiled16 (copyWeights with tileK), bit 1: mlp2's; needs fast and the AVX-512 MoE kernels. */
  tiled: 0 | 1 | 2 | 3,
];
export type AddArgs = [pool: PoolHandle, out: Float32Array, a: Float32Array, b: Float32Array, count: number];

/** Where a streaming kernel prefetches its rows: into L2, into L1, not at all, or auto (picked from its own timings). */
export type PrefetchMode = 'l2' | 'l1' | 'none' | 'auto';

/** One prefetch tuner: a kernel's one-token calls (the dense kernel's per size class of matrix, from `fromMiB`). */
export interface PrefetchTuning {
  readonly kernel: 'moe' | 'dense';
  readonly fromMiB?: number;
  /** the tokens of the calls it times (1 to 4: batched decode's calls carry one per sequence) */
  readonly tokens?: number;
  /** calls timed */
  readonly calls: number;
  /** each mode's cost, the median of its last 5 calls in seconds per GB read (null: not timed yet) */
  readonly secondsPerGB: { readonly l2: number | null; readonly l1: number | null; readonly none: number | null };
  /** the mode its calls now run (l2 until every mode has been timed 3 times) */
  readonly pick: 'l2' | 'l1' | 'none';
}

export interface CpuAddon {
  readonly version: number;
  /** The kernel level asked for: the CPU's best, unless GPT_OSS_SIMD lowers it. */
  readonly simd: KernelLevel;
  /** The level each kernel family actually runs at. */
  readonly kernels: KernelReport;
  /** What this CPU has (avx2: with FMA and F16C; avx512Vnni: F/BW/VL/DQ + VNNI), and its best level. */
  readonly cpu: { readonly avx2: boolean; readonly avx512Vnni: boolean; readonly avx512Vbmi: boolean; readonly best: KernelLevel };
  /** GPT_OSS_SIMD's value when it names no level (the best level is then used). */
  readonly unknownSimdRequest?: string;
  /** Where the MoE decode kernel prefetches its rows: GPT_OSS_PREFETCH's mode, else auto (chosen from its timings as it runs). */
  readonly prefetch?: PrefetchMode;
  /** Where the 8-bit dense one-token kernel prefetches its rows: GPT_OSS_DENSE_PREFETCH's mode, else auto. */
  readonly densePrefetch?: PrefetchMode;
  /** What the calling thread's prefetch tuners have timed (the kinds of call under auto that ran). */
  prefetchTuning?(): PrefetchTuning[];
  /** A fresh tuner run on given timings (costs[3c + m]: call c's seconds per byte in l2, l1, none): the mode (0 l2, 1 l1, 2 none) of each call. */
  prefetchTunerTrial?(options: { costs: Float32Array }): Int32Array;
  /** A test's check of the MoE's AVX-512 swiglu and activation split against the portable loops; null without them. */
  moeActCheck?(options: { x: Float32Array; h: Float32Array; limit: number; alpha: number }): {
    splitDiffer: number;
    swigluDiffer: number;
    maxUlps: number;
  } | null;
  readonly physicalCores: number;

  createPool(threads: number): PoolHandle;
  poolThreads(pool: PoolHandle): number;
  /** Frees a pool or KV cache now (otherwise the garbage collector does). Idempotent. */
  destroy(handle: PoolHandle | KvCacheHandle): void;

  createKvCache(options: KvCacheOptions): KvCacheHandle;
  /** Writes pseudo-random keys and values in [-1, 1) over every row (benchmarks of a long context). Absent from older builds. */
  kvCacheFill?(options: { cache: KvCacheHandle; seed: number }): void;

  /**
   * Read-only shared mmap of a whole file, or null when it cannot be mapped. Node 20 caps an external
   * buffer at 4 GiB, so the file comes as overlapping windows: buffers[k] starts at byte k * stride.
   */
  mapFile(path: string): { handle: MappingHandle; size: number; stride: number; buffers: ArrayBuffer[] } | null;
  /** Unmaps now and detaches the buffers (views of them then read as empty instead of faulting). */
  unmapFile(handle: MappingHandle, buffers: ArrayBuffer[]): void;

  embed(...args: EmbedArgs): void;
  rmsNorm(...args: RmsNormArgs): void;
  matmul(...args: MatmulArgs): void;
  /**
   * Converts a bf16/f32 matrix [N, K] to the 8-bit layout (native/q8-dense.c) in `dst` (q8Bytes(N, K)
   * bytes). When `src` lies in a live file mapping its pages are dropped from this process afterwards
   * (they stay in the page cache); returns whether that happened.
   */
  quantizeQ8(options: QuantizeQ8Options): boolean;
  /** Maps a view of a live file mapping into the process now (MADV_POPULATE_READ); false where it did not run. */
  prefault?(view: Uint8Array): boolean;
  /**
   * Asks the kernel to read a view of a live file mapping into the page cache in the background
   * (MADV_WILLNEED, in 4 MiB chunks), without mapping it into this process; the bytes advised, 0 where
   * it did not run.
   */
  readAhead?(view: Uint8Array): number;
  /** Drops the pages of a view of a live file mapping from this process (MADV_DONTNEED; they stay in the page cache). */
  release?(view: Uint8Array): boolean;
  /**
   * `bytes` of zeroed memory for converted weights, 64-byte aligned in anonymous memory advised for
   * huge pages (fewer page walks while a decode step streams it); null when it cannot be made.
   */
  allocWeights?(bytes: number): ArrayBuffer | null;
  /**
   * Detaches a buffer of allocWeights (every view of it becomes empty) so that its memory is unmapped on
   * the next turn of the event loop rather than whenever the garbage collector gets to it; false if it
   * was already detached.
   */
  freeWeights?(buffer: ArrayBuffer): boolean;
  /**
   * `bytes` of memory of unspecified contents, from a block whose earlier buffer was collected where one
   * of that size is waiting (its pages already in), else from the C heap; null when it cannot be made.
   * For copies made again every step (Backend.read of the logits).
   */
  allocRecycled?(bytes: number): ArrayBuffer | null;
  /** Frees the blocks of allocRecycled waiting for reuse; returns their bytes. */
  dropRecycled?(): number;
  /**
   * `src` into `dst` (as long) on every thread: a view of a live file mapping is read from its file
   * ('read': the mapping's pages never enter the process), anything else copied ('copy'). `tileK`: the
   * bytes are MXFP4 blocks of rows of that K, left in the tiled16 layout (native moe_tile16).
   */
  copyWeights?(options: { pool: PoolHandle; dst: Uint8Array; src: Uint8Array; tileK?: number }): 'read' | 'copy';
  rope(...args: RopeArgs): void;
  attention(...args: AttentionArgs): void;
  moe(...args: MoeArgs): void;
  add(...args: AddArgs): void;
  /** STREAM-like triad over `bytes` (three arrays), best of `reps`, in GB/s. */
  triad(options: { pool: PoolHandle; bytes: number; reps: number }): number;
  /** GB/s of 2 x `passes` passes reading `bytes` with every thread, alternately vector loads (as the decode reads; even indices) and a STREAM-like plain C loop (odd); `huge` 1 a 2 MiB-page buffer, 0 plain memory. */
  readBandwidth?(options: { pool: PoolHandle; bytes: number; passes: number; huge: number }): Float64Array;
  /** Every thread reads the clock in a loop for `ms`: per thread [seconds spun, seconds lost in gaps over 50 us (preempted), largest gap in seconds]. */
  preemptionProbe?(options: { pool: PoolHandle; ms: number }): Float64Array;
  /** [MoE calls, experts they read] since the process started (an expert with any token counts once per call). */
  moeCounts?(): Float64Array;
}

/** "avx512-vnni" when every family runs at one level, else "dense avx512-vnni, moe avx2, ...". */
export function describeKernels(kernels: KernelReport): string {
  const entries = Object.entries(kernels) as [string, KernelLevel][];
  const levels = new Set(entries.map(([, l]) => l));
  if (levels.size === 1) return entries[0]![1];
  return entries.map(([family, level]) => `${family} ${level}`).join(', ');
}

/**
 * The kernels with where they prefetch, as bench and inspect print them: a prefetch mode is named where an
 * environment variable fixed it (auto, the default, picks as the model runs), the dense one only where the
 * AVX-512 dense kernel that has it runs.
 */
export function describeKernelChoice(addon: Pick<CpuAddon, 'kernels' | 'prefetch' | 'densePrefetch'>): string {
  const moe = addon.prefetch && addon.prefetch !== 'auto' ? `; moe prefetch ${addon.prefetch}` : '';
  const denseApplies = KERNEL_LEVELS.indexOf(addon.kernels['dense-q8']) >= KERNEL_LEVELS.indexOf('avx512-vnni');
  const dense = addon.densePrefetch && addon.densePrefetch !== 'auto' && denseApplies ? `; dense prefetch ${addon.densePrefetch}` : '';
  return describeKernels(addon.kernels) + moe + dense;
}

/**
 * The tuners' picks in a line ("moe l1 (l2 1.12x, none 1.09x the time); dense 512+ MiB l1 (...)"), the
 * kinds of call whose modes have all been timed; null when none has.
 */
export function describePrefetchTuning(tuning: readonly PrefetchTuning[]): string | null {
  const parts: string[] = [];
  for (const t of tuning) {
    const costs = t.secondsPerGB;
    const best = costs[t.pick];
    if (best === null || costs.l2 === null || costs.l1 === null || costs.none === null) continue;
    const others = (['l2', 'l1', 'none'] as const).filter((m) => m !== t.pick).map((m) => `${m} ${(costs[m]! / best).toFixed(2)}x`);
    const from = t.fromMiB ?? 0;
    const tokens = (t.tokens ?? 1) > 1 ? `, ${t.tokens} tokens` : '';
    const what = t.kernel === 'moe' ? `moe${tokens}` : `dense ${from <= 1 ? 'under 2' : from >= 2048 ? `${from}+` : `${from}-${2 * from}`} MiB${tokens}`;
    parts.push(`${what} ${t.pick} (${others.join(', ')} the time; ${t.calls} calls)`);
  }
  return parts.length > 0 ? parts.join('; ') : null;
}

/** Bytes of an [N, K] matrix in the addon's 8-bit layout: rows padded to 32-blocks of int8 + one f16 scale each. */
export function q8Bytes(N: number, K: number): number {
  return N * Math.ceil(K / 32) * 34;
}

/** The built addon; GPT_OSS_CPU_ADDON points at another build (a debug build, or a missing one in tests). */
export const ADDON_FILE = process.env['GPT_OSS_CPU_ADDON'] || fileURLToPath(new URL('../../../build/Release/gpt_oss_cpu.node', import.meta.url));
const EXPECTED_VERSION = 4;

let cached: CpuAddon | BackendUnavailableError | undefined;

/** The addon, or a BackendUnavailableError that says why it cannot be used and how to fix it. */
export function loadCpuAddon(): CpuAddon | BackendUnavailableError {
  if (cached) return cached;
  cached = load();
  return cached;
}

function load(): CpuAddon | BackendUnavailableError {
  const fix = "build it with 'npm run build' (needs a C compiler, make and python3)";
  if (!existsSync(ADDON_FILE)) {
    return new BackendUnavailableError(`the native cpu backend is not built (${ADDON_FILE} is missing); ${fix}`);
  }
  try {
    const addon = createRequire(import.meta.url)(ADDON_FILE) as CpuAddon;
    if (addon.version !== EXPECTED_VERSION) {
      return new BackendUnavailableError(
        `the native cpu backend at ${ADDON_FILE} is version ${String(addon.version)}, expected ${EXPECTED_VERSION}; rebuild it with 'npm run build'`,
      );
    }
    return addon;
  } catch (e) {
    return new BackendUnavailableError(
      `the native cpu backend at ${ADDON_FILE} failed to load (${e instanceof Error ? e.message : String(e)}); ${fix}`,
    );
  }
}
