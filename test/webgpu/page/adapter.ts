/** What the browser's WebGPU adapter is and offers, and which optional features the tests look for. */
export interface AdapterSummary {
  available: boolean;
  reason?: string;
  vendor?: string;
  architecture?: string;
  features?: string[];
  /** Optional features the backend could use but this adapter lacks (SwiftShader has no shader-f16). */
  missing?: string[];
  maxStorageBufferBindingSize?: number;
  maxBufferSize?: number;
}

export async function adapterSummary(gpu: GPU | undefined): Promise<AdapterSummary> {
  if (!gpu) return { available: false, reason: 'navigator.gpu is undefined (WebGPU disabled or not a secure context)' };
  const a = await gpu.requestAdapter();
  if (!a) return { available: false, reason: 'navigator.gpu.requestAdapter() returned null' };
  const features = [...a.features].map(String).sort();
  return {
    available: true,
    vendor: a.info.vendor,
    architecture: a.info.architecture,
    features,
    missing: ['shader-f16', 'subgroups'].filter((f) => !features.includes(f)),
    maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
    maxBufferSize: a.limits.maxBufferSize,
  };
}
