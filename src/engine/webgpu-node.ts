import type { BackendOptions } from '../backends/backend.js';
import { createWebGpuBackend, type GpuLike } from '../backends/webgpu/create.js';
import type { WebGpuBackend } from '../backends/webgpu/webgpu-backend.js';
import { BackendUnavailableError } from '../core/errors.js';

/** The optional `webgpu` npm package (Dawn's dawn.node): `create(flags)` returns a navigator.gpu. */
interface DawnModule {
  create(flags: string[]): GpuLike;
}

const INSTALL_HINT = "the webgpu backend in Node needs the optional 'webgpu' package (Dawn, ~130 MB): npm install webgpu";

/**
 * The webgpu backend in Node, on Dawn through the optional `webgpu` package, loaded only when asked
 * for; a missing package or a missing adapter is a BackendUnavailableError naming the cause and the fix.
 */
export async function createNodeWebGpuBackend(options: BackendOptions): Promise<WebGpuBackend> {
  let dawn: DawnModule;
  try {
    // A variable specifier: the package is an optional peer, absent from most installs and from type-checking.
    const specifier = 'webgpu';
    dawn = (await import(specifier)) as DawnModule;
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new BackendUnavailableError(`${INSTALL_HINT} (loading it failed: ${why})`);
  }
  try {
    return await createWebGpuBackend({ ...options, gpu: dawn.create([]) });
  } catch (e) {
    if (e instanceof BackendUnavailableError) {
      throw new BackendUnavailableError(`${e.message}; Dawn found no adapter here (use --backend cpu, or run where a GPU and its Vulkan/Metal/D3D12 driver are installed)`);
    }
    throw e;
  }
}
