import { BackendUnavailableError, InvalidArgumentError, OutOfRangeError } from '../../core/errors.js';
import type { WeightData } from '../../core/tensor.js';
import type {
  AttentionParams,
  Backend,
  BackendOptions,
  Batch,
  DenseWeights,
  ExpertsCopyTime,
  ExpertsPlacement,
  KvCache,
  KvCacheSpec,
  MoeParams,
  MoeWeights,
  Precision,
  RopeParams,
  Tensor,
  Weight,
  WeightUse,
} from '../backend.js';
import { checkInto } from '../backend.js';
import { loadCpuAddon, q8Bytes, WEIGHT_DTYPE, type CpuAddon, type KvCacheHandle, type PoolHandle } from './binding.js';
import { CpuWeight, type DenseMatrix, type F32Values, type Mxfp4Matrices } from './cpu-weights.js';

/** Copies this large or larger come from recycled memory (smaller ones are cheap to allocate). */
const RECYCLE_MIN_BYTES = 256 * 1024;

/** An f32 matrix [rows, cols] in host memory, handed to the kernels as is. */
export class CpuTensor implements Tensor {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: Float32Array,
  ) {}
}

export class CpuKvCache implements KvCache {
  constructor(
    readonly spec: KvCacheSpec,
    readonly handle: KvCacheHandle,
  ) {}
}

/**
 * The native backend: ops run in C on the addon's thread pool, weights are read in place from the
 * mapped checkpoint. `exact`: f32 activations and KV cache. `fast` (default): 8-bit activations in
 * the MXFP4 expert products and a 16-bit KV cache, and (unless `denseWeights: 'in-place'`) the
 * dense matrices converted to 8 bits at load.
 */
/** What `measurePreemption` found: the share of the threads' time lost, per thread, and the longest stop. */
export interface PreemptionProbe {
  fraction: number;
  perThread: number[];
  largestGapMs: number;
  seconds: number;
}

export class CpuBackend implements Backend {
  /** experts copied after the load: bytes per slice, rounded down to whole rows (about 30 ms of copying on the 20b's hosts); tests make it small. */
  static copySliceBytes = 32 << 20;
  readonly name = 'cpu';
  readonly precision: Precision;
  readonly denseWeights: DenseWeights;
  /** Where the experts are read from; `copy` falls back to `map` for a tensor whose copy cannot be allocated. */
  experts: ExpertsPlacement;
  readonly expertsCopy: ExpertsCopyTime;
  readonly threads: number;
  readonly loadThreads: number;
  readonly simd: string;
  private readonly addon: CpuAddon;
  private pool: PoolHandle | null;
  /** A pool of `loadThreads` for the load's copies and conversions, made on first use where it differs from `threads`. */
  private loadPool: PoolHandle | null = null;
  /** The buffers of allocWeights holding this backend's copied and converted weights, freed by dispose(). */
  private readonly owned: ArrayBuffer[] = [];
  private readonly caches = new Set<CpuKvCache>();
  /** Embedding tables read in place: a token reads one row, anywhere in the table (see loadDone). */
  private readonly inPlaceTables: Uint8Array[] = [];
  /** experts 'copy' after the load: the expert weights loaded in place, to be copied once loadDone() comes. */
  private readonly copyLater: CpuWeight[] = [];
  private copying: Promise<void> | null = null;
  /**
   * Whether someone waits for the copy (expertsReady): until then its turns do not keep the process
   * alive, so a script that is done exits instead of finishing a copy nobody will read.
   */
  private copyAwaited = false;
  private copyTurn: NodeJS.Immediate | NodeJS.Timeout | null = null;
  /** Why the copy after the load stopped early, if it did (the weights not yet copied stay read in place). */
  copyError: string | null = null;
  private readonly stats = { copy_s: 0, copy_bytes: 0, q8_s: 0, q8_in_bytes: 0, q8_out_bytes: 0, alloc_s: 0, prefault_s: 0, readahead_s: 0, readahead_bytes: 0, load_threads: 0, copied_after_load_s: 0, copy_failed: 0 };

  constructor(addon: CpuAddon, options: BackendOptions = {}) {
    const threads = options.threads ?? addon.physicalCores;
    if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
      throw new InvalidArgumentError(`cpu backend: threads must be an integer in [1, 1024], got ${threads}`);
    }
    const loadThreads = options.loadThreads ?? Math.max(threads, addon.physicalCores);
    if (!Number.isInteger(loadThreads) || loadThreads < 1 || loadThreads > 1024) {
      throw new InvalidArgumentError(`cpu backend: loadThreads must be an integer in [1, 1024], got ${loadThreads}`);
    }
    this.loadThreads = loadThreads;
    this.addon = addon;
    this.precision = options.precision ?? 'fast';
    if (options.denseWeights !== undefined && options.denseWeights !== 'q8' && options.denseWeights !== 'in-place') {
      throw new InvalidArgumentError(`cpu backend: denseWeights must be 'q8' or 'in-place', got '${String(options.denseWeights)}'`);
    }
    if (options.denseWeights === 'q8' && this.precision === 'exact') {
      throw new InvalidArgumentError("cpu backend: denseWeights 'q8' needs precision 'fast' (exact reads the dense weights in place)");
    }
    this.denseWeights = options.denseWeights ?? (this.precision === 'fast' ? 'q8' : 'in-place');
    if (options.experts !== undefined && options.experts !== 'map' && options.experts !== 'copy') {
      throw new InvalidArgumentError(`cpu backend: experts must be 'map' or 'copy', got '${String(options.experts)}'`);
    }
    this.experts = options.experts ?? 'map';
    if (options.expertsCopy !== undefined && options.expertsCopy !== 'load' && options.expertsCopy !== 'after-load') {
      throw new InvalidArgumentError(`cpu backend: expertsCopy must be 'load' or 'after-load', got '${String(options.expertsCopy)}'`);
    }
    // an addon without copyWeights copies with dst.set() at load
    this.expertsCopy = options.expertsCopy === 'after-load' && addon.copyWeights ? 'after-load' : 'load';
    this.threads = threads;
    this.simd = addon.simd;
    this.pool = addon.createPool(threads);
  }

  private get p(): PoolHandle {
    if (!this.pool) throw new InvalidArgumentError('cpu backend: used after dispose()');
    return this.pool;
  }

  /** The load's pool; its workers sleep once the load is done, so keeping it costs no CPU. */
  private get lp(): PoolHandle {
    const main = this.p;
    const p = this.loadThreads === this.threads ? main : (this.loadPool ??= this.addon.createPool(this.loadThreads));
    this.stats.load_threads = Math.max(this.stats.load_threads, this.addon.poolThreads(p));
    return p;
  }

  /** This machine's memory bandwidth (STREAM triad over `bytes`, best of `reps`), GB/s. */
  measureBandwidth(bytes = 1 << 30, reps = 5): number {
    return this.addon.triad({ pool: this.p, bytes, reps });
  }

  /**
   * The share of its threads' time the host took while every thread was busy for `ms`: each thread
   * reads the clock in a loop and counts the gaps over 50 us, when it was not running. A parallel-for
   * waits for a preempted thread, so a decode with every core busy loses about this share or more
   * (on the 2-vCPU hosts of this project the hypervisor shows no steal time; BENCHMARKS.md, issue 13).
   * Null without the addon's probe.
   */
  measurePreemption(ms = 1000): PreemptionProbe | null {
    const probe = this.addon.preemptionProbe;
    if (!probe) return null;
    const out = probe({ pool: this.p, ms });
    let spun = 0;
    let lost = 0;
    let largest = 0;
    const perThread: number[] = [];
    for (let t = 0; t < out.length / 3; t++) {
      spun += out[3 * t]!;
      lost += out[3 * t + 1]!;
      largest = Math.max(largest, out[3 * t + 2]!);
      perThread.push(out[3 * t]! > 0 ? out[3 * t + 1]! / out[3 * t]! : 0);
    }
    return { fraction: spun > 0 ? lost / spun : 0, perThread, largestGapMs: largest * 1000, seconds: ms / 1000 };
  }

  /**
   * Read bandwidth measured as a decode step reads (a 2 MiB-page buffer of `bytes`, several times any
   * last-level cache of these hosts, every thread, vector loads), and a STREAM-like plain C loop over the
   * same pages in passes interleaved with the probe's, so both see the same moments of a drifting host;
   * then the STREAM-like loop over plain memory (4 KiB pages), which the copied weights never use
   * (`plainPages` false: not that one; its list is empty). GB/s of each pass, or null without the addon's probe.
   */
  measureReadBandwidth(bytes = 512 << 20, passes = 8, plainPages = true): { decodeLike: number[]; streamLike: number[]; streamPlainPages: number[] } | null {
    const probe = this.addon.readBandwidth;
    if (!probe) return null;
    const huge = Array.from(probe({ pool: this.p, bytes, passes, huge: 1 }));
    const plain = plainPages ? Array.from(probe({ pool: this.p, bytes, passes, huge: 0 })) : [];
    const odd = (x: number[]): number[] => x.filter((_, i) => i % 2 === 1);
    return { decodeLike: huge.filter((_, i) => i % 2 === 0), streamLike: odd(huge), streamPlainPages: odd(plain) };
  }

  /** MoE calls made and experts read by them since the process started, or null without the addon's counter. */
  moeCounts(): { calls: number; experts: number } | null {
    const c = this.addon.moeCounts?.();
    return c ? { calls: c[0]!, experts: c[1]! } : null;
  }

  /** Where the load's time went on this backend: the expert copy, the 8-bit conversion, allocations, prefaulting (seconds, bytes). */
  loadStats(): Readonly<Record<string, number>> {
    return { ...this.stats };
  }

  loadWeight(data: WeightData, use: WeightUse): Weight {
    const later = this.experts === 'copy' && this.expertsCopy === 'after-load';
    const w = new CpuWeight(
      data,
      use,
      this.denseWeights === 'q8' ? (m) => this.toQ8(m) : undefined,
      this.experts === 'copy' && !later ? (v, tileK) => this.copyOut(v, tileK) : undefined,
      this.tileExperts,
    );
    // not prefaulted: the copy reads the file without mapping it, and only what the first steps read is faulted in
    if (later && w.store.kind === 'mxfp4') this.copyLater.push(w);
    // Every expert is read sooner or later; mapping their pages now (~0.3 s for the 20b from the page
    // cache) spares the first replies a page fault per new 64 KiB of experts.
    if (w.store.kind === 'mxfp4' && this.experts === 'map') {
      const t0 = performance.now();
      this.addon.prefault?.(w.store.blocks);
      this.addon.prefault?.(w.store.scales);
      this.stats.prefault_s += (performance.now() - t0) / 1000;
    }
    if (use === 'embedding' && w.store.kind === 'dense') this.inPlaceTables.push(w.store.bytes);
    return w;
  }

  /**
   * After a load that copied the experts, the embedding table is read back into the page cache in the
   * background. It is the first tensor of the checkpoint, so a read-through of the file leaves it the
   * oldest in the page cache, and the copy's allocations (12.6 GB for the 20b) evict it first; each token
   * then read its row from disk (a major fault: 545 ms of a 64-token 20b bench run with the table evicted, BENCHMARKS.md).
   * Only after a copy, which 'auto' makes when memory is ample: reading experts in place under a tight
   * memory limit, the table's 1.2 GB would push out the experts every step reads.
   */
  loadDone(): void {
    const tables = this.inPlaceTables.splice(0);
    if (this.experts !== 'copy') return;
    if (this.copyLater.length > 0) {
      this.copying = this.copyAfterLoad(this.copyLater.splice(0), tables);
      return;
    }
    this.readAheadTables(tables);
  }

  private readAheadTables(tables: readonly Uint8Array[]): void {
    const t0 = performance.now();
    for (const t of tables) this.stats.readahead_bytes += this.addon.readAhead?.(t) ?? 0;
    this.stats.readahead_s += (performance.now() - t0) / 1000;
  }

  expertsReady(): Promise<void> {
    this.copyAwaited = true;
    this.copyTurn?.ref();
    return this.copying ?? Promise.resolve();
  }

  /**
   * experts 'copy' after the load: one slice (copySliceBytes of whole rows) per turn of the event
   * loop, so that a step or a request waits for one slice at most (a few tens of ms); a weight is read
   * from its copy from the next op on, and its mapped pages leave the resident set. Stops, leaving the
   * rest read in place, when the memory cannot be had or the backend is disposed.
   */
  private copyAfterLoad(queue: CpuWeight[], tables: readonly Uint8Array[]): Promise<void> {
    const started = performance.now();
    const tile = this.tileExperts;
    let job: { w: CpuWeight; src: Mxfp4Matrices; blocks: Uint8Array; scales: Uint8Array; done: number; rowBytes: number } | null = null;
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        this.copyTurn = null;
        this.stats.copied_after_load_s = (performance.now() - started) / 1000;
        if (this.pool) this.readAheadTables(tables);
        resolve();
      };
      const slice = (): void => {
        if (!this.pool) return resolve(); // disposed: the buffers went with it
        try {
          if (copySlice()) next();
          else finish();
        } catch (e) {
          // the model keeps answering from the weights as they are (copied or in place); bench says so
          this.stats.copy_failed = 1;
          this.copyError = e instanceof Error ? e.message : String(e);
          finish();
        }
      };
      /** One slice; false when there is nothing more to copy or no memory for it. */
      const copySlice = (): boolean => {
        if (!job) {
          const w = queue.shift();
          if (!w) return false;
          const src = w.store as Mxfp4Matrices;
          const t0 = performance.now();
          const blocks = this.allocOwned(src.blocks.length);
          const scales = blocks && this.allocOwned(src.scales.length);
          this.stats.alloc_s += (performance.now() - t0) / 1000;
          if (!blocks || !scales) {
            if (blocks) this.freeOwned(blocks.buffer as ArrayBuffer);
            this.experts = 'map';
            return false;
          }
          job = { w, src, blocks, scales, done: 0, rowBytes: w.shape[w.shape.length - 1]! / 2 };
        }
        const { w, src, blocks, scales, rowBytes } = job;
        const t0 = performance.now();
        const end = Math.min(src.blocks.length, job.done + Math.max(1, Math.floor(CpuBackend.copySliceBytes / rowBytes)) * rowBytes);
        this.copyWeights(blocks.subarray(job.done, end), src.blocks.subarray(job.done, end), tile ? 2 * rowBytes : undefined);
        job.done = end;
        if (end === src.blocks.length) {
          this.copyWeights(scales, src.scales);
          w.moveExperts({ kind: 'mxfp4', blocks, scales, layout: tile ? 'tiled16' : 'packed' });
          // what the steps so far faulted in of the mapping
          this.addon.release?.(src.blocks);
          this.addon.release?.(src.scales);
          job = null;
        }
        this.stats.copy_s += (performance.now() - t0) / 1000;
        return true;
      };
      // Unawaited, the turns must not keep a finished script alive; but an unref'd immediate does not
      // wake the event loop either, so a chat waiting for input or a server waiting for requests left
      // the copy stalled (0.9 of 10 GB copied 30 s after a 20b load) and each decode step then waited
      // for one slice (40 ms of a 110 ms step). An unref'd zero timer runs while anything else keeps
      // the process alive.
      const next = (): void => {
        this.copyTurn = this.copyAwaited ? setImmediate(slice) : setTimeout(slice, 0).unref();
      };
      next();
    });
  }

  private freeOwned(buffer: ArrayBuffer): void {
    const i = this.owned.indexOf(buffer);
    if (i >= 0) this.owned.splice(i, 1);
    this.addon.freeWeights?.(buffer);
  }

  private allocOwned(bytes: number): Uint8Array | null {
    const buffer = bytes > 0 ? this.addon.allocWeights?.(bytes) : null;
    if (!buffer) return null;
    this.owned.push(buffer);
    return new Uint8Array(buffer);
  }

  private copyWeights(dst: Uint8Array, src: Uint8Array, tileK?: number): void {
    this.addon.copyWeights!({ pool: this.lp, dst, src, ...(tileK !== undefined ? { tileK } : {}) });
    this.stats.copy_bytes += src.length;
  }

  /**
   * experts 'copy': the bytes in huge-page-advised anonymous memory, read from the file on every
   * thread without mapping the source's pages into this process (older addons: copied, and the
   * source's pages dropped; without this the peak RSS would count both). When the
   * memory cannot be had, the rest of the load reads in place (`experts` says 'map' then).
   */
  private copyOut(src: Uint8Array, tileK?: number): { bytes: Uint8Array; tiled: boolean } {
    const t0 = performance.now();
    const dst = this.experts === 'copy' ? this.allocOwned(src.length) : null;
    const t1 = performance.now();
    this.stats.alloc_s += (t1 - t0) / 1000;
    if (!dst) {
      this.experts = 'map';
      this.addon.prefault?.(src);
      return { bytes: src, tiled: false };
    }
    let tiled = false;
    if (this.addon.copyWeights) {
      this.copyWeights(dst, src, tileK);
      tiled = tileK !== undefined;
    } else {
      dst.set(src);
      this.addon.release?.(src);
      this.stats.copy_bytes += src.length;
    }
    this.stats.copy_s += (performance.now() - t1) / 1000;
    return { bytes: dst, tiled };
  }

  /**
   * Copied experts are tiled16 where the fast AVX-512 kernels will read them: lanes already in the
   * order the kernel wants, about a fifth fewer vector operations per weight byte than gathering
   * them from the file's layout, with the same bits (BENCHMARKS.md, issue 13).
   */
  private get tileExperts(): boolean {
    const level = this.addon.kernels['moe-q8'];
    return this.precision === 'fast' && (level === 'avx512-vnni' || level === 'avx512-vbmi');
  }

  /**
   * fast: linear weights become 8-bit blocks at load (about half the bytes a decode step reads); a
   * source in the mapped checkpoint is dropped from the resident set once converted.
   */
  private toQ8(m: DenseMatrix): Uint8Array {
    if (m.dtype === WEIGHT_DTYPE.q8) throw new InvalidArgumentError('cpu: weight is already 8-bit');
    const bytes = q8Bytes(m.rows, m.cols);
    const t0 = performance.now();
    const huge = this.addon.allocWeights?.(bytes);
    if (huge) this.owned.push(huge);
    const q8 = huge ? new Uint8Array(huge) : new Uint8Array(bytes);
    const t1 = performance.now();
    this.addon.quantizeQ8({ pool: this.lp, dst: q8, src: m.bytes, dtype: m.dtype, N: m.rows, K: m.cols });
    this.stats.alloc_s += (t1 - t0) / 1000;
    this.stats.q8_s += (performance.now() - t1) / 1000;
    this.stats.q8_in_bytes += m.bytes.length;
    this.stats.q8_out_bytes += bytes;
    return q8;
  }

  createTensor(rows: number, cols: number): Tensor {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new InvalidArgumentError(`cpu.createTensor: bad shape [${rows}, ${cols}]`);
    }
    return new CpuTensor(rows, cols, new Float32Array(rows * cols));
  }

  view(t: Tensor, rows: number): Tensor {
    const c = tensor(t);
    if (!Number.isInteger(rows) || rows < 0 || rows > c.rows) throw new InvalidArgumentError(`cpu.view: ${rows} rows of a [${c.rows}, ${c.cols}] tensor`);
    return new CpuTensor(rows, c.cols, c.data.subarray(0, rows * c.cols));
  }

  createKvCache(spec: KvCacheSpec): KvCache {
    if (spec.windows.length !== spec.layers) throw new InvalidArgumentError(`cpu: KV cache spec has ${spec.windows.length} windows for ${spec.layers} layers`);
    if (spec.slots < 1 || spec.capacity < 1 || spec.slidingCapacity < 1) {
      throw new InvalidArgumentError(`cpu: KV cache needs slots, capacity and slidingCapacity >= 1, got ${spec.slots}, ${spec.capacity}, ${spec.slidingCapacity}`);
    }
    for (const [layer, w] of spec.windows.entries()) {
      if (w > 0 && spec.slidingCapacity < Math.min(w, spec.capacity)) {
        throw new InvalidArgumentError(`cpu: KV cache layer ${layer} has window ${w} but slidingCapacity is only ${spec.slidingCapacity}`);
      }
    }
    const handle = this.addon.createKvCache({
      layers: spec.layers,
      kvHeads: spec.kvHeads,
      headDim: spec.headDim,
      windows: Int32Array.from(spec.windows),
      slots: spec.slots,
      capacity: spec.capacity,
      slidingCapacity: spec.slidingCapacity,
      f16: this.precision === 'fast',
    });
    const cache = new CpuKvCache(spec, handle);
    this.caches.add(cache);
    return cache;
  }

  write(t: Tensor, data: Float32Array): void {
    const c = tensor(t);
    if (data.length !== c.data.length) throw new InvalidArgumentError(`cpu.write: ${data.length} values into a [${c.rows}, ${c.cols}] tensor`);
    c.data.set(data);
  }

  read(t: Tensor, into?: Float32Array): Promise<Float32Array> {
    const data = tensor(t).data;
    if (into) {
      checkInto('cpu', data.length, into);
      into.set(data);
      return Promise.resolve(into);
    }
    // A decode step's logits (804 KB on the 20b) copied into fresh memory often paid for faulting its
    // pages in: 2.2-2.4 ms of a 55-60 ms step on a 2-core VM (bench/op-replay.ts). The engine's steps
    // give `into` (the scheduler's recycled logits); for other callers a recycled block, once their
    // earlier copies have been collected, skips that.
    const buffer = data.byteLength >= RECYCLE_MIN_BYTES ? this.addon.allocRecycled?.(data.byteLength) : null;
    if (!buffer) return Promise.resolve(data.slice());
    const copy = new Float32Array(buffer, 0, data.length);
    copy.set(data);
    return Promise.resolve(copy);
  }

  /**
   * Benchmarks only: writes pseudo-random keys and values over every position of a cache, so that
   * decode at a long context reads real memory (rows never written map the kernel's zero page, which
   * is read from cache). Returns false when the loaded addon predates this call.
   */
  fillKvCache(cache: KvCache, seed = 1): boolean {
    if (!(cache instanceof CpuKvCache) || !this.caches.has(cache)) throw new InvalidArgumentError('cpu.fillKvCache: KV cache was not created by this backend');
    if (!this.addon.kvCacheFill) return false;
    this.addon.kvCacheFill({ cache: cache.handle, seed });
    return true;
  }

  /** Frees a cache's memory now (a benchmark that makes several large caches in turn). */
  releaseKvCache(cache: KvCache): void {
    if (!(cache instanceof CpuKvCache) || !this.caches.delete(cache)) return;
    this.addon.destroy(cache.handle);
  }

  dispose(): void {
    for (const c of this.caches) this.addon.destroy(c.handle);
    this.caches.clear();
    // Copied experts and 8-bit weights (12.6 GB for the 20b) go back now, not at some later garbage
    // collection: a process that loads another model next would otherwise hold both.
    for (const b of this.owned.splice(0)) this.addon.freeWeights?.(b);
    this.addon.dropRecycled?.();
    if (this.loadPool) this.addon.destroy(this.loadPool);
    this.loadPool = null;
    if (this.pool) this.addon.destroy(this.pool);
    this.pool = null;
  }

  embed(out: Tensor, table: Weight, tokens: Int32Array): void {
    const o = tensor(out);
    const t = dense(table, 'embed', 'table');
    shape('embed', 'out', o, tokens.length, t.cols);
    this.addon.embed(o.data, t.bytes, t.dtype, t.cols, t.rows, tokens);
  }

  rmsNorm(out: Tensor, x: Tensor, scale: Weight, eps: number): void {
    const [o, xi] = [tensor(out), tensor(x)];
    shape('rmsNorm', 'out', o, xi.rows, xi.cols);
    this.addon.rmsNorm(this.p, o.data, xi.data, xi.rows, xi.cols, vector(scale, 'rmsNorm', 'scale', xi.cols), eps);
  }

  matmul(out: Tensor, x: Tensor, w: Weight, bias?: Weight): void {
    const [o, xi, m] = [tensor(out), tensor(x), dense(w, 'matmul', 'w')];
    shape('matmul', 'x', xi, xi.rows, m.cols);
    shape('matmul', 'out', o, xi.rows, m.rows);
    const b = bias ? vector(bias, 'matmul', 'bias', m.rows) : null;
    if (m.q8) this.addon.matmul(this.p, o.data, xi.data, xi.rows, m.cols, m.q8, WEIGHT_DTYPE.q8, m.rows, b);
    else this.addon.matmul(this.p, o.data, xi.data, xi.rows, m.cols, m.bytes, m.dtype, m.rows, b);
  }

  rope(x: Tensor, heads: number, headDim: number, positions: Int32Array, params: RopeParams): void {
    const xi = tensor(x);
    shape('rope', 'x', xi, positions.length, heads * headDim);
    if (params.invFreq.length !== headDim / 2) throw new InvalidArgumentError(`cpu.rope: invFreq has ${params.invFreq.length} entries, expected ${headDim / 2}`);
    this.addon.rope(this.p, xi.data, xi.rows, heads, headDim, positions, params.invFreq, params.concentration);
  }

  attention(out: Tensor, q: Tensor, k: Tensor, v: Tensor, sinks: Weight, cache: KvCache, batch: Batch, params: AttentionParams): void {
    const { layer, numHeads, numKvHeads, headDim, window, smScale } = params;
    const n = batch.n;
    const [o, qi, ki, vi] = [tensor(out), tensor(q), tensor(k), tensor(v)];
    shape('attention', 'q', qi, n, numHeads * headDim);
    shape('attention', 'k', ki, n, numKvHeads * headDim);
    shape('attention', 'v', vi, n, numKvHeads * headDim);
    shape('attention', 'out', o, n, numHeads * headDim);
    if (!(cache instanceof CpuKvCache) || !this.caches.has(cache)) throw new InvalidArgumentError('cpu.attention: KV cache was not created by this backend');
    if (batch.slots.length < n || batch.positions.length < n) throw new OutOfRangeError(`cpu.attention: batch of ${n} tokens has fewer slots/positions`);
    const sinkLogits = vector(sinks, 'attention', 'sinks', numHeads);
    this.addon.attention(this.p, o.data, qi.data, ki.data, vi.data, n, sinkLogits, cache.handle, batch.slots, batch.positions, layer, numHeads, numKvHeads, headDim, window, smScale);
  }

  moe(out: Tensor, x: Tensor, w: MoeWeights, params: MoeParams): void {
    const [o, xi] = [tensor(out), tensor(x)];
    const { numExperts: E, expertsPerToken: k, intermediateSize: I } = params;
    const H = xi.cols;
    shape('moe', 'out', o, xi.rows, H);
    const gate = dense(w.gate, 'moe', 'gate');
    const [m1, m2] = [experts(w.mlp1, 'mlp1'), experts(w.mlp2, 'mlp2')];
    if (gate.rows !== E || gate.cols !== H || !same(w.mlp1.shape, [E, 2 * I, H]) || !same(w.mlp2.shape, [E, H, I]) || k < 1 || k > E) {
      throw new InvalidArgumentError(
        `cpu.moe: weights gate [${w.gate.shape.join(', ')}], mlp1 [${w.mlp1.shape.join(', ')}], mlp2 [${w.mlp2.shape.join(', ')}] disagree with E=${E}, I=${I}, H=${H}, top-k=${k}`,
      );
    }
    const fast = this.precision === 'fast' ? 1 : 0;
    const gateBias = vector(w.gateBias, 'moe', 'gateBias', E);
    const [bias1, bias2] = [vector(w.mlp1Bias, 'moe', 'mlp1Bias', E * 2 * I), vector(w.mlp2Bias, 'moe', 'mlp2Bias', E * H)];
    this.addon.moe(
      this.p, o.data, xi.data, xi.rows, H, I, E, k, params.swigluLimit, params.swigluAlpha, fast,
      gate.bytes, gate.dtype, gateBias, m1.blocks, m1.scales, bias1, m2.blocks, m2.scales, bias2, tiled(m1, m2),
    );
  }

  add(out: Tensor, a: Tensor, b: Tensor): void {
    const [o, ai, bi] = [tensor(out), tensor(a), tensor(b)];
    shape('add', 'b', bi, ai.rows, ai.cols);
    shape('add', 'out', o, ai.rows, ai.cols);
    this.addon.add(this.p, o.data, ai.data, bi.data, ai.rows * ai.cols);
  }

  gatherRows(out: Tensor, x: Tensor, rows: Int32Array): void {
    const [o, xi] = [tensor(out), tensor(x)];
    shape('gatherRows', 'out', o, rows.length, xi.cols);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r < 0 || r >= xi.rows) throw new OutOfRangeError(`cpu.gatherRows: row ${r} is outside [0, ${xi.rows})`);
      o.data.set(xi.data.subarray(r * xi.cols, (r + 1) * xi.cols), i * xi.cols);
    }
  }
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function tensor(t: Tensor): CpuTensor {
  if (!(t instanceof CpuTensor)) throw new InvalidArgumentError('cpu: tensor was not created by the cpu backend');
  return t;
}

function shape(op: string, what: string, t: CpuTensor, rows: number, cols: number): void {
  if (t.rows !== rows || t.cols !== cols) throw new InvalidArgumentError(`cpu.${op}: ${what} is [${t.rows}, ${t.cols}], expected [${rows}, ${cols}]`);
}

function weight(w: Weight, op: string, what: string): CpuWeight {
  if (!(w instanceof CpuWeight)) throw new InvalidArgumentError(`cpu.${op}: ${what} was not loaded by the cpu backend`);
  return w;
}

function dense(w: Weight, op: string, what: string): DenseMatrix {
  const s = weight(w, op, what).store;
  if (s.kind !== 'dense') throw new InvalidArgumentError(`cpu.${op}: ${what} must be a dense (embedding/linear) weight, got '${w.use}'`);
  return s;
}

function experts(w: Weight, what: string): Mxfp4Matrices {
  const s = weight(w, 'moe', what).store;
  if (s.kind !== 'mxfp4') throw new InvalidArgumentError(`cpu.moe: ${what} must be an MXFP4 'experts' weight`);
  return s;
}

/** The addon's per-matrix flags (bit 0 mlp1, bit 1 mlp2): a copy after the load moves them over one at a time. */
function tiled(m1: Mxfp4Matrices, m2: Mxfp4Matrices): 0 | 1 | 2 | 3 {
  return ((m1.layout === 'tiled16' ? 1 : 0) | (m2.layout === 'tiled16' ? 2 : 0)) as 0 | 1 | 2 | 3;
}

function vector(w: Weight, op: string, what: string, length: number): Float32Array {
  const s: DenseMatrix | Mxfp4Matrices | F32Values = weight(w, op, what).store;
  if (s.kind !== 'f32') throw new InvalidArgumentError(`cpu.${op}: ${what} must be a 'vector' or 'expertsBias' weight`);
  if (s.values.length !== length) throw new InvalidArgumentError(`cpu.${op}: ${what} has ${s.values.length} entries, expected ${length}`);
  return s.values;
}

/** The native backend, or BackendUnavailableError naming the fix when the addon is missing or broken. */
export function createCpuBackend(options: BackendOptions = {}): CpuBackend {
  const addon = loadCpuAddon();
  if (addon instanceof BackendUnavailableError) throw addon;
  return new CpuBackend(addon, options);
}
