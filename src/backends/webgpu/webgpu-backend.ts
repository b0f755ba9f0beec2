import { GptOssError, InvalidArgumentError, OutOfRangeError } from '../../core/errors.js';
import type { WeightData } from '../../core/tensor.js';
import type {
  AttentionParams,
  Backend,
  Batch,
  KvCache,
  KvCacheSpec,
  MoeParams,
  MoeWeights,
  OpName,
  Precision,
  RopeParams,
  Tensor,
  Weight,
  WeightUse,
} from '../backend.js';
import { checkInto } from '../backend.js';
import * as K from './kernels.js';
import { groupsFor, Recorder, USAGE, type Binding } from './recorder.js';
import { uploadWeight, WgWeight, type Uploader } from './weights.js';

/** An f32 matrix in a GPU buffer; a view shares its owner's buffer (always its first rows). */
export class WgTensor implements Tensor {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly buffer: GPUBuffer,
  ) {}

  get bytes(): number {
    return this.rows * this.cols * 4;
  }

  binding(): Binding {
    return { buffer: this.buffer, offset: 0, size: Math.max(4, this.bytes) };
  }
}

export class WgKvCache implements KvCache {
  readonly layerCapacity: number[];
  constructor(
    readonly spec: KvCacheSpec,
    readonly k: GPUBuffer[],
    readonly v: GPUBuffer[],
  ) {
    this.layerCapacity = spec.windows.map((w) => (w > 0 ? spec.slidingCapacity : spec.capacity));
  }
}

/** What the adapter offers, for `bench` and error messages. */
export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly features: readonly string[];
  readonly limits: Readonly<Record<string, number>>;
}

export interface WebGpuBackendConfig {
  readonly device: GPUDevice;
  readonly adapter: AdapterDescription;
  readonly precision: Precision;
  /** Largest bytes of one weight part (defaults to the device's binding and buffer limits). */
  readonly partBytes: number;
  /** Bytes of GPU memory this backend may allocate (WebGPU does not report the card's memory). */
  readonly memoryBudgetBytes: number;
}

/**
 * The WebGPU backend: weights uploaded once, activations and the KV cache on the GPU, ops recorded
 * into one command stream that is submitted when the host reads a result (only the logits rows).
 * Every op is f32 (`exact`); `fast` runs the same kernels (f16 paths are not written yet).
 */
export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly precision: Precision;
  readonly adapter: AdapterDescription;
  readonly device: GPUDevice;
  private readonly rec: Recorder;
  private readonly buffers = new Set<GPUBuffer>();
  private readonly weights = new Set<WgWeight>();
  private readonly scratch = new Map<string, GPUBuffer>();
  private readonly dummy: GPUBuffer;
  private readonly partBytes: number;
  private readonly budget: number;
  private allocated = 0;
  /** Most parts any loaded weight was split into (1 when nothing was split). */
  maxParts = 1;
  private failure: string | null = null;

  constructor(config: WebGpuBackendConfig) {
    this.device = config.device;
    this.adapter = config.adapter;
    this.precision = config.precision;
    this.partBytes = config.partBytes;
    this.budget = config.memoryBudgetBytes;
    this.rec = new Recorder(this.device);
    this.dummy = this.newBuffer(4, 'dummy');
    const onError = (e: Event): void => {
      const err = (e as Event & { error?: { message?: string } }).error;
      this.failure ??= err?.message ?? 'unknown GPU error';
    };
    if (typeof this.device.addEventListener === 'function') this.device.addEventListener('uncapturederror', onError);
    void this.device.lost?.then((info) => {
      this.failure ??= `the GPU device was lost (${info.message || info.reason})`;
    });
  }

  /** Bytes of GPU memory allocated so far. */
  get allocatedBytes(): number {
    return this.allocated;
  }

  /** Throws, naming both figures, when `bytes` more would not fit the memory budget. */
  checkFits(bytes: number, what: string): void {
    if (this.allocated + bytes > this.budget) {
      throw new GptOssError(
        'unsupported',
        `webgpu: ${what} needs ${gib(bytes)} of GPU memory (with ${gib(this.allocated)} already in use) but the budget is ${gib(this.budget)} ` +
          `(set by memoryBudgetBytes; the adapter's largest buffer is ${gib(this.adapter.limits['maxBufferSize'] ?? 0)})`,
      );
    }
  }

  supportsOp(_op: OpName): boolean {
    return true;
  }

  // -- memory ------------------------------------------------------------------------------------

  private newBuffer(bytes: number, label: string, usage = USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC): GPUBuffer {
    this.checkFits(bytes, label);
    const limit = Math.min(this.adapter.limits['maxBufferSize'] ?? Infinity, this.adapter.limits['maxStorageBufferBindingSize'] ?? Infinity);
    if (bytes > limit) {
      throw new GptOssError('unsupported', `webgpu: ${label} needs a ${bytes}-byte buffer; the adapter's limit is ${limit} bytes`);
    }
    const b = this.device.createBuffer({ size: bytes, usage, label });
    this.allocated += bytes;
    this.buffers.add(b);
    return b;
  }

  private freeBuffer(b: GPUBuffer): void {
    if (this.buffers.delete(b)) this.allocated -= b.size;
    b.destroy();
  }

  loadWeight(data: WeightData, use: WeightUse): Weight {
    const up: Uploader = {
      device: this.device,
      partBytes: this.partBytes,
      allocate: (bytes, label) => this.newBuffer(bytes, label, USAGE.STORAGE | USAGE.COPY_DST),
    };
    const w = uploadWeight(up, data, use);
    this.maxParts = Math.max(this.maxParts, w.parts.length, w.experts.length);
    this.weights.add(w);
    return w;
  }

  createTensor(rows: number, cols: number): Tensor {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new InvalidArgumentError(`webgpu.createTensor: bad shape [${rows}, ${cols}]`);
    }
    return new WgTensor(rows, cols, this.newBuffer(Math.max(4, rows * cols * 4), `tensor [${rows}, ${cols}]`));
  }

  view(t: Tensor, rows: number): Tensor {
    const w = asTensor(t);
    if (!Number.isInteger(rows) || rows < 0 || rows > w.rows) {
      throw new InvalidArgumentError(`webgpu.view: ${rows} rows of a [${w.rows}, ${w.cols}] tensor`);
    }
    return new WgTensor(rows, w.cols, w.buffer);
  }

  createKvCache(spec: KvCacheSpec): KvCache {
    if (spec.windows.length !== spec.layers) {
      throw new InvalidArgumentError(`webgpu: KV cache spec has ${spec.windows.length} windows for ${spec.layers} layers`);
    }
    if (spec.slots < 1 || spec.capacity < 1) {
      throw new InvalidArgumentError(`webgpu: KV cache needs at least one slot and one position, got slots ${spec.slots}, capacity ${spec.capacity}`);
    }
    for (const [layer, w] of spec.windows.entries()) {
      if (w > 0 && spec.slidingCapacity < Math.min(w, spec.capacity)) {
        throw new InvalidArgumentError(`webgpu: KV cache layer ${layer} has window ${w} but slidingCapacity is only ${spec.slidingCapacity}`);
      }
    }
    const rowBytes = spec.kvHeads * spec.headDim * 4;
    const sizes = spec.windows.map((w) => spec.slots * (w > 0 ? spec.slidingCapacity : spec.capacity) * rowBytes);
    this.checkFits(2 * sizes.reduce((a, b) => a + b, 0), `the KV cache (${spec.slots} slots x ${spec.capacity} positions)`);
    const k = sizes.map((s, i) => this.newBuffer(Math.max(4, s), `kv cache k[${i}]`));
    const v = sizes.map((s, i) => this.newBuffer(Math.max(4, s), `kv cache v[${i}]`));
    return new WgKvCache(spec, k, v);
  }

  write(t: Tensor, data: Float32Array): void {
    const w = asTensor(t);
    if (data.length !== w.rows * w.cols) throw new InvalidArgumentError(`webgpu.write: ${data.length} values into a [${w.rows}, ${w.cols}] tensor`);
    // Ops recorded before this write must see the old contents: submit them first.
    this.rec.flush();
    if (data.length > 0) this.device.queue.writeBuffer(w.buffer, 0, data as Float32Array<ArrayBuffer>);
  }

  async read(t: Tensor, into?: Float32Array): Promise<Float32Array> {
    const w = asTensor(t);
    if (into) checkInto('webgpu', w.bytes / 4, into);
    const bytes = await this.rec.read(w.buffer, w.bytes);
    this.throwIfFailed();
    if (!into) return new Float32Array(bytes);
    into.set(new Float32Array(bytes));
    return into;
  }

  /** Waits for everything submitted so far (for benchmarks). */
  async finish(): Promise<void> {
    this.rec.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw new GptOssError('internal', `webgpu: ${this.failure}`);
  }

  dispose(): void {
    this.rec.flush();
    for (const w of this.weights) w.destroy();
    this.weights.clear();
    for (const b of this.buffers) b.destroy();
    this.buffers.clear();
    this.scratch.clear();
    this.allocated = 0;
    this.rec.dispose();
  }

  /** A reusable scratch buffer of at least `bytes` (submitting pending work before replacing a smaller one). */
  private scratchBuffer(name: string, bytes: number): GPUBuffer {
    const have = this.scratch.get(name);
    if (have && have.size >= bytes) return have;
    if (have) {
      this.rec.flush();
      this.freeBuffer(have);
    }
    const b = this.newBuffer(Math.max(4, Math.ceil(bytes / 4096) * 4096), `scratch ${name}`);
    this.scratch.set(name, b);
    return b;
  }

  // -- ops ---------------------------------------------------------------------------------------

  embed(out: Tensor, table: Weight, tokens: Int32Array): void {
    const o = asTensor(out);
    const w = asWeight(table, 'embed', 'embedding');
    const [vocab, hidden] = [w.rowCount, w.rowLength];
    expectShape('embed', 'out', o, tokens.length, hidden);
    for (const token of tokens) {
      if (token < 0 || token >= vocab) throw new OutOfRangeError(`token id ${token} is outside the vocabulary [0, ${vocab})`);
    }
    if (tokens.length === 0) return;
    const pipe = this.rec.pipeline('embed', K.EMBED);
    for (const part of w.parts) {
      const [params, ids] = this.rec.stage([tokens.length, hidden, part.rowStart, part.rowCount, w.dtype], NONE, [tokens]);
      this.rec.dispatch(pipe, [params!, ids!, { buffer: part.buffer }, o.binding()], groupsFor(tokens.length * hidden));
    }
  }

  rmsNorm(out: Tensor, x: Tensor, scale: Weight, eps: number): void {
    const [o, xt] = [asTensor(out), asTensor(x)];
    const w = asWeight(scale, 'rmsNorm', 'vector');
    expectShape('rmsNorm', 'out', o, xt.rows, xt.cols);
    expectLength('rmsNorm', 'scale', w.rowCount * w.rowLength, xt.cols);
    if (xt.rows === 0) return;
    const [params] = this.rec.stage([xt.rows, xt.cols], new Map([[2, eps]]), []);
    this.rec.dispatch(this.rec.pipeline('rmsNorm', K.RMS_NORM), [params!, xt.binding(), { buffer: w.vector! }, o.binding()], xt.rows);
  }

  matmul(out: Tensor, x: Tensor, w: Weight, bias?: Weight): void {
    const [o, xt] = [asTensor(out), asTensor(x)];
    const wt = asWeight(w, 'matmul', 'linear', 'embedding');
    const b = bias ? asWeight(bias, 'matmul', 'vector') : undefined;
    expectShape('matmul', 'x', xt, xt.rows, wt.rowLength);
    expectShape('matmul', 'out', o, xt.rows, wt.rowCount);
    if (b) expectLength('matmul', 'bias', b.rowCount * b.rowLength, wt.rowCount);
    this.matmulRaw(o.binding(), xt.binding(), xt.rows, wt, b?.vector ?? null);
  }

  private matmulRaw(out: Binding, x: Binding, n: number, w: WgWeight, bias: GPUBuffer | null): void {
    if (n === 0) return;
    const pipe = this.rec.pipeline('matmul', K.MATMUL);
    const tiles = Math.ceil(n / 8);
    for (const part of w.parts) {
      const [params] = this.rec.stage([n, w.rowLength, w.rowCount, part.rowStart, part.rowCount, w.dtype, bias ? 1 : 0, tiles], NONE, []);
      this.rec.dispatch(pipe, [params!, x, { buffer: part.buffer }, { buffer: bias ?? this.dummy }, out], Math.ceil(part.rowCount / 8) * tiles);
    }
  }

  rope(x: Tensor, heads: number, headDim: number, positions: Int32Array, params: RopeParams): void {
    const xt = asTensor(x);
    const half = headDim / 2;
    expectShape('rope', 'x', xt, positions.length, heads * headDim);
    expectLength('rope', 'invFreq', params.invFreq.length, half);
    const n = positions.length;
    if (n === 0) return;
    // cos/sin rounded to f32 exactly where the reference rounds them (GPU sin/cos lose accuracy at large angles).
    const table = new Float32Array(2 * n * half);
    const concentration = Math.fround(params.concentration);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < half; j++) {
        const angle = Math.fround(positions[i]! * params.invFreq[j]!);
        table[i * half + j] = Math.fround(Math.cos(angle)) * concentration;
        table[n * half + i * half + j] = Math.fround(Math.sin(angle)) * concentration;
      }
    }
    const [p, a] = this.rec.stage([n, heads, headDim], NONE, [table]);
    this.rec.dispatch(this.rec.pipeline('rope', K.ROPE), [p!, a!, xt.binding()], groupsFor(n * heads * half));
  }

  attention(out: Tensor, q: Tensor, k: Tensor, v: Tensor, sinks: Weight, cache: KvCache, batch: Batch, p: AttentionParams): void {
    const [o, qt, kt, vt] = [asTensor(out), asTensor(q), asTensor(k), asTensor(v)];
    const c = asCache(cache);
    const s = asWeight(sinks, 'attention', 'vector');
    const { layer, numHeads, numKvHeads, headDim, window, smScale } = p;
    const spec = c.spec;
    const n = batch.n;
    if (numHeads % numKvHeads !== 0) throw new InvalidArgumentError(`webgpu.attention: ${numHeads} heads is not a multiple of ${numKvHeads} kv heads`);
    if (layer < 0 || layer >= spec.layers) throw new OutOfRangeError(`webgpu.attention: layer ${layer} is outside the cache's ${spec.layers} layers`);
    if (numKvHeads !== spec.kvHeads || headDim !== spec.headDim || window !== spec.windows[layer]) {
      throw new InvalidArgumentError(`webgpu.attention: layer ${layer}'s kv heads/head dim/window disagree with the KV cache spec`);
    }
    if (headDim > 256) throw new GptOssError('unsupported', `webgpu.attention: head dim ${headDim} > 256`);
    expectShape('attention', 'q', qt, n, numHeads * headDim);
    expectShape('attention', 'k', kt, n, numKvHeads * headDim);
    expectShape('attention', 'v', vt, n, numKvHeads * headDim);
    expectShape('attention', 'out', o, n, numHeads * headDim);
    expectLength('attention', 'sinks', s.rowCount * s.rowLength, numHeads);
    for (let i = 0; i < n; i++) {
      const [slot, pos] = [batch.slots[i]!, batch.positions[i]!];
      if (slot < 0 || slot >= spec.slots) throw new OutOfRangeError(`webgpu.attention: slot ${slot} is outside [0, ${spec.slots})`);
      if (pos < 0 || pos >= spec.capacity) throw new OutOfRangeError(`webgpu.attention: position ${pos} is outside [0, ${spec.capacity})`);
    }
    if (n === 0) return;
    const meta = new Uint32Array(2 * n);
    meta.set(batch.slots, 0);
    meta.set(batch.positions, n);
    const cap = c.layerCapacity[layer]!;
    const sliding = window > 0 ? 1 : 0;
    const rs = numKvHeads * headDim;
    const [pw, aw] = this.rec.stage([n, rs, cap, sliding], NONE, [meta]);
    this.rec.dispatch(
      this.rec.pipeline('kvWrite', K.KV_WRITE),
      [pw!, aw!, kt.binding(), vt.binding(), { buffer: c.k[layer]! }, { buffer: c.v[layer]! }],
      groupsFor(n * rs),
    );
    const [pa, aa] = this.rec.stage([n, numHeads, numKvHeads, headDim, window, cap, sliding], new Map([[7, smScale]]), [meta]);
    this.rec.dispatch(
      this.rec.pipeline('attend', K.ATTEND),
      [pa!, aa!, qt.binding(), { buffer: c.k[layer]! }, { buffer: c.v[layer]! }, { buffer: s.vector! }, o.binding()],
      n * numHeads,
    );
  }

  moe(out: Tensor, x: Tensor, w: MoeWeights, p: MoeParams): void {
    const [o, xt] = [asTensor(out), asTensor(x)];
    const gate = asWeight(w.gate, 'moe', 'linear');
    const gateBias = asWeight(w.gateBias, 'moe', 'vector');
    const mlp1 = asWeight(w.mlp1, 'moe', 'experts');
    const mlp1Bias = asWeight(w.mlp1Bias, 'moe', 'expertsBias');
    const mlp2 = asWeight(w.mlp2, 'moe', 'experts');
    const mlp2Bias = asWeight(w.mlp2Bias, 'moe', 'expertsBias');
    const { numExperts: E, expertsPerToken: k, intermediateSize: I } = p;
    const n = xt.rows;
    const H = xt.cols;
    const ok =
      gate.rowCount === E && gate.rowLength === H &&
      mlp1.shape[0] === E && mlp1.shape[1] === 2 * I && mlp1.shape[2] === H &&
      mlp2.shape[0] === E && mlp2.shape[1] === H && mlp2.shape[2] === I &&
      k >= 1 && k <= E && k <= 32 && E <= 256;
    if (!ok) {
      throw new InvalidArgumentError(
        `webgpu.moe: weights gate [${gate.shape.join(', ')}], mlp1 [${mlp1.shape.join(', ')}], mlp2 [${mlp2.shape.join(', ')}] ` +
          `disagree with E=${E}, I=${I}, H=${H}, top-k=${k} (at most 256 experts and top-32)`,
      );
    }
    expectShape('moe', 'out', o, n, H);
    if (n === 0) return;
    const a = n * k;
    const logits = this.scratchBuffer('moe.logits', n * E * 4);
    const ids = this.scratchBuffer('moe.ids', a * 4);
    const weights = this.scratchBuffer('moe.weights', a * 4);
    const act = this.scratchBuffer('moe.act', a * I * 4);
    const y = this.scratchBuffer('moe.y', a * H * 4);
    this.matmulRaw({ buffer: logits, offset: 0, size: n * E * 4 }, xt.binding(), n, gate, gateBias.vector);
    const [pt] = this.rec.stage([n, E, k], NONE, []);
    this.rec.dispatch(this.rec.pipeline('topk', K.TOPK), [pt!, { buffer: logits }, { buffer: ids }, { buffer: weights }], groupsFor(n));
    const up = this.rec.pipeline('moeUp', K.MOE_UP);
    for (const part of mlp1.experts) {
      const [pu] = this.rec.stage([a, H, I, part.eStart, part.eCount, k], new Map([[6, p.swigluLimit], [7, p.swigluAlpha]]), []);
      this.rec.dispatch(up, [pu!, xt.binding(), { buffer: ids }, { buffer: part.blocks }, { buffer: part.scales }, { buffer: mlp1Bias.vector! }, { buffer: act }], a * Math.ceil(I / 8));
    }
    const down = this.rec.pipeline('moeDown', K.MOE_DOWN);
    for (const part of mlp2.experts) {
      const [pd] = this.rec.stage([a, H, I, part.eStart, part.eCount], NONE, []);
      this.rec.dispatch(down, [pd!, { buffer: act }, { buffer: ids }, { buffer: part.blocks }, { buffer: part.scales }, { buffer: mlp2Bias.vector! }, { buffer: y }], a * Math.ceil(H / 8));
    }
    const [pc] = this.rec.stage([n, H, k], NONE, []);
    this.rec.dispatch(this.rec.pipeline('moeCombine', K.MOE_COMBINE), [pc!, { buffer: y }, { buffer: weights }, o.binding()], groupsFor(n * H));
  }

  add(out: Tensor, a: Tensor, b: Tensor): void {
    const [o, at, bt] = [asTensor(out), asTensor(a), asTensor(b)];
    expectShape('add', 'b', bt, at.rows, at.cols);
    expectShape('add', 'out', o, at.rows, at.cols);
    const count = at.rows * at.cols;
    if (count === 0) return;
    const [p] = this.rec.stage([count], NONE, []);
    if (o.buffer === at.buffer || o.buffer === bt.buffer) {
      // In place: the other operand is read; if both alias out, x + x reads the buffer it writes (same element only).
      const other = o.buffer === at.buffer ? bt : at;
      if (other.buffer === o.buffer) throw new InvalidArgumentError('webgpu.add: out, a and b are all the same tensor');
      this.rec.dispatch(this.rec.pipeline('addInPlace', K.ADD_IN_PLACE), [p!, other.binding(), o.binding()], groupsFor(count));
    } else {
      this.rec.dispatch(this.rec.pipeline('add', K.ADD), [p!, at.binding(), bt.binding(), o.binding()], groupsFor(count));
    }
  }

  gatherRows(out: Tensor, x: Tensor, rows: Int32Array): void {
    const [o, xt] = [asTensor(out), asTensor(x)];
    expectShape('gatherRows', 'out', o, rows.length, xt.cols);
    for (const r of rows) if (r < 0 || r >= xt.rows) throw new OutOfRangeError(`webgpu.gatherRows: row ${r} is outside [0, ${xt.rows})`);
    if (rows.length === 0) return;
    const [p, a] = this.rec.stage([rows.length, xt.cols], NONE, [rows]);
    this.rec.dispatch(this.rec.pipeline('gather', K.GATHER), [p!, a!, xt.binding(), o.binding()], groupsFor(rows.length * xt.cols));
  }

  /**
   * Device memory bandwidth in GB/s from a copy kernel (read + write bytes over time), best of `reps`,
   * timed from the host around onSubmittedWorkDone (timestamp queries are optional in WebGPU).
   */
  async measureBandwidth(bytes = 256 << 20, reps = 5): Promise<number> {
    const size = Math.min(bytes, Math.floor((this.adapter.limits['maxStorageBufferBindingSize'] ?? bytes) / 16) * 16);
    const src = this.newBuffer(size, 'bandwidth src');
    const dst = this.newBuffer(size, 'bandwidth dst');
    try {
      const pipe = this.rec.pipeline('copy', K.COPY);
      let best = Infinity;
      for (let r = 0; r < reps + 1; r++) {
        const [p] = this.rec.stage([size / 16], NONE, []);
        const t0 = performance.now();
        this.rec.dispatch(pipe, [p!, { buffer: src }, { buffer: dst }], groupsFor(size / 16, 256));
        await this.finish();
        const dt = performance.now() - t0;
        if (r > 0) best = Math.min(best, dt);
      }
      return (2 * size) / (best / 1000) / 1e9;
    } finally {
      this.freeBuffer(src);
      this.freeBuffer(dst);
    }
  }
}

const NONE: ReadonlyMap<number, number> = new Map();

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

function asTensor(t: Tensor): WgTensor {
  if (!(t instanceof WgTensor)) throw new InvalidArgumentError('webgpu: tensor was not created by the webgpu backend');
  return t;
}

function asCache(c: KvCache): WgKvCache {
  if (!(c instanceof WgKvCache)) throw new InvalidArgumentError('webgpu: KV cache was not created by the webgpu backend');
  return c;
}

function asWeight(w: Weight, op: string, ...uses: WeightUse[]): WgWeight {
  if (!(w instanceof WgWeight)) throw new InvalidArgumentError('webgpu: weight was not loaded by the webgpu backend');
  if (!uses.includes(w.use)) throw new InvalidArgumentError(`webgpu.${op}: a '${w.use}' weight where ${uses.join(' or ')} was expected`);
  return w;
}

function expectShape(op: string, what: string, t: WgTensor, rows: number, cols: number): void {
  if (t.rows !== rows || t.cols !== cols) {
    throw new InvalidArgumentError(`webgpu.${op}: ${what} is [${t.rows}, ${t.cols}], expected [${rows}, ${cols}]`);
  }
}

function expectLength(op: string, what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new InvalidArgumentError(`webgpu.${op}: ${what} has ${actual} entries, expected ${expected}`);
}
