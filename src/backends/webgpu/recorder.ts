/**
 * Records compute dispatches into one command encoder and submits them only when the host needs a
 * result (a read, a write, a full arena), so a forward step is a handful of submits, not hundreds.
 * Each dispatch's 64-byte parameter block and small per-call arrays (token ids, positions, RoPE
 * tables) go into a host-side arena that is uploaded with one writeBuffer just before the submit;
 * queue order makes that upload land after the previous submit's work has read the old contents.
 */

/** WebGPU's GPUBufferUsage flags, spelled out so this module needs no globals from the host. */
export const USAGE = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

const MAP_MODE_READ = 0x0001;
const ALIGN = 256;
const ARENA_BYTES = 1 << 20;
const PARAM_BYTES = 64;

const PIPELINES = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export interface Binding {
  buffer: GPUBuffer;
  offset?: number;
  size?: number;
}

export class Recorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly host = new Uint8Array(ARENA_BYTES);
  private used = 0;
  private readonly arena: GPUBuffer;
  /** Compiled pipelines, shared by every backend on one device (compiling is slow, on SwiftShader especially). */
  private readonly pipelines: Map<string, GPUComputePipeline>;
  /** Dispatches since the last submit (for tests and the benchmark). */
  dispatches = 0;

  constructor(private readonly device: GPUDevice) {
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: USAGE.UNIFORM | USAGE.STORAGE | USAGE.COPY_DST });
    let shared = PIPELINES.get(device);
    if (!shared) PIPELINES.set(device, (shared = new Map()));
    this.pipelines = shared;
  }

  pipeline(name: string, code: string): GPUComputePipeline {
    let p = this.pipelines.get(name);
    if (!p) {
      const module = this.device.createShaderModule({ code, label: name });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: name });
      this.pipelines.set(name, p);
    }
    return p;
  }

  /**
   * Places the parameter block and arrays of one dispatch in the arena (submitting first if they do
   * not fit) and returns their bindings: [params, ...arrays].
   */
  stage(params: readonly number[], floatParams: ReadonlyMap<number, number>, arrays: readonly (Int32Array | Uint32Array | Float32Array)[]): Binding[] {
    const sizes = [PARAM_BYTES, ...arrays.map((a) => Math.max(4, a.byteLength))];
    const need = sizes.reduce((s, b) => s + align(b), 0);
    if (need > ARENA_BYTES) throw new RangeError(`webgpu: ${need} bytes of per-call data exceed the ${ARENA_BYTES}-byte arena`);
    if (this.used + need > ARENA_BYTES) this.flush();
    const out: Binding[] = [];
    const p = new DataView(this.host.buffer, this.used, PARAM_BYTES);
    for (let i = 0; i < PARAM_BYTES / 4; i++) p.setUint32(i * 4, 0, true);
    params.forEach((v, i) => p.setUint32(i * 4, v >>> 0, true));
    for (const [i, v] of floatParams) p.setFloat32(i * 4, v, true);
    out.push({ buffer: this.arena, offset: this.used, size: PARAM_BYTES });
    this.used += align(PARAM_BYTES);
    for (const a of arrays) {
      this.host.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), this.used);
      out.push({ buffer: this.arena, offset: this.used, size: Math.max(4, a.byteLength) });
      this.used += align(Math.max(4, a.byteLength));
    }
    return out;
  }

  /** Records one dispatch of `groups` workgroups (split over x and y to respect the 65535 per-dimension limit). */
  dispatch(pipeline: GPUComputePipeline, bindings: readonly Binding[], groups: number): void {
    if (groups <= 0) return;
    const entries: GPUBindGroupEntry[] = bindings.map((b, i) => ({
      binding: i,
      resource: { buffer: b.buffer, ...(b.offset !== undefined ? { offset: b.offset } : {}), ...(b.size !== undefined ? { size: b.size } : {}) },
    }));
    const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    if (!this.pass) {
      this.encoder ??= this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, group);
    const x = Math.min(groups, 65535);
    this.pass.dispatchWorkgroups(x, Math.ceil(groups / x));
    this.dispatches++;
  }

  /** Uploads the arena and submits everything recorded so far. */
  flush(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (this.used > 0) this.device.queue.writeBuffer(this.arena, 0, this.host, 0, this.used);
    this.used = 0;
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
    }
  }

  /** Copies `size` bytes of `buffer` to the host after everything recorded so far. */
  async read(buffer: GPUBuffer, size: number): Promise<ArrayBuffer> {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    const staging = this.device.createBuffer({ size: Math.max(4, align4(size)), usage: USAGE.MAP_READ | USAGE.COPY_DST });
    try {
      this.encoder ??= this.device.createCommandEncoder();
      if (size > 0) this.encoder.copyBufferToBuffer(buffer, 0, staging, 0, align4(size));
      this.flush();
      await staging.mapAsync(MAP_MODE_READ);
      return staging.getMappedRange().slice(0, size);
    } finally {
      staging.destroy();
    }
  }

  dispose(): void {
    this.arena.destroy();
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

export function align4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

/** Workgroups for `items` threads of `size` each. */
export function groupsFor(items: number, size = 64): number {
  return Math.ceil(items / size);
}
