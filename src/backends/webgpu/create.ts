import { BackendUnavailableError, InvalidArgumentError } from '../../core/errors.js';
import type { BackendOptions } from '../backend.js';
import { type AdapterDescription, WebGpuBackend } from './webgpu-backend.js';

/** Anything with navigator.gpu's requestAdapter: the browser's, or the `webgpu` npm package's (Dawn) in Node. */
export interface GpuLike {
  requestAdapter(options?: GPURequestAdapterOptions): Promise<GPUAdapter | null>;
}

export interface WebGpuOptions extends BackendOptions {
  /** Where adapters come from (navigator.gpu in a browser). Ignored when `device` is given. */
  gpu?: GpuLike;
  /** An already created device (its adapter's description is then unknown beyond its limits). */
  device?: GPUDevice;
  powerPreference?: 'low-power' | 'high-performance';
  /** Largest bytes of one weight part; smaller than the adapter's limits only to exercise splitting in tests. */
  partBytes?: number;
  /** GPU memory the backend may use (WebGPU does not report the card's size); default unlimited. */
  memoryBudgetBytes?: number;
}

/** The limits the kernels use, raised to what the adapter allows (the defaults are 128 MiB bindings). */
const RAISED_LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize'] as const;

/** Limits shown by `bench` and used in messages. */
const REPORTED_LIMITS = [
  ...RAISED_LIMITS,
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
  'minStorageBufferOffsetAlignment',
  'minUniformBufferOffsetAlignment',
] as const;

/** A WebGPU backend on the best adapter `gpu` offers (or on `device`). */
export async function createWebGpuBackend(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
  if (options.denseWeights === 'q8') throw new InvalidArgumentError("webgpu: dense weights 'q8' are not supported; the webgpu backend keeps bf16 in place");
  let device = options.device;
  let adapterInfo: Partial<AdapterDescription> = {};
  if (!device) {
    const gpu = options.gpu;
    if (!gpu) throw new BackendUnavailableError('webgpu: no WebGPU implementation was given (pass navigator.gpu in a browser, or the webgpu package\'s gpu in Node)');
    const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
    if (!adapter) {
      throw new BackendUnavailableError(
        'webgpu: no WebGPU adapter is available (no supported GPU or driver was found; in a browser, check chrome://gpu; ' +
          'in Node, the webgpu package needs a Vulkan, Metal or D3D12 driver)',
      );
    }
    const requiredLimits: Record<string, number> = {};
    for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
    device = await adapter.requestDevice({ requiredLimits });
    const info = adapter.info;
    adapterInfo = {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description: info?.description ?? '',
      features: [...adapter.features].map(String).sort(),
    };
  }
  const limits: Record<string, number> = {};
  for (const name of REPORTED_LIMITS) limits[name] = device.limits[name];
  const adapter: AdapterDescription = {
    vendor: adapterInfo.vendor ?? '',
    architecture: adapterInfo.architecture ?? '',
    device: adapterInfo.device ?? '',
    description: adapterInfo.description ?? '',
    features: adapterInfo.features ?? [...device.features].map(String).sort(),
    limits,
  };
  const bindingLimit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const partBytes = Math.min(options.partBytes ?? bindingLimit, bindingLimit);
  if (!(partBytes >= 1024)) throw new InvalidArgumentError(`webgpu: partBytes must be at least 1024, got ${options.partBytes}`);
  return new WebGpuBackend({
    device,
    adapter,
    precision: options.precision ?? 'exact',
    partBytes,
    memoryBudgetBytes: options.memoryBudgetBytes ?? Infinity,
  });
}
