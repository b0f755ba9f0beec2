import type { Backend, BackendName, BackendOptions } from '../backends/backend.js';
import { describeKernelChoice, describePrefetchTuning, loadCpuAddon, type KernelReport, type PrefetchTuning } from '../backends/cpu/binding.js';
import { createCpuBackend } from '../backends/cpu/cpu-backend.js';
import { nativeFileMapper } from '../backends/cpu/file-mapper.js';
import { createRefBackend } from '../backends/ref/ref-backend.js';
import { BackendUnavailableError, InvalidArgumentError } from '../core/errors.js';
import type { FileMapper } from '../core/mapping.js';
import { createNodeWebGpuBackend } from './webgpu-node.js';

// CPU-BACKEND: checkpoints are memory-mapped by the addon whenever it loads (whatever the backend);
// loadModel hands this to openCheckpoint. Without the addon format/ reads positionally.
export function nativeMapper(): FileMapper | undefined {
  const addon = loadCpuAddon();
  return addon instanceof BackendUnavailableError ? undefined : nativeFileMapper(addon);
}

/** The one list of backend names a user may ask for (`--backend` of every command). */
export const BACKEND_NAMES = ['ref', 'cpu', 'webgpu'] as const satisfies readonly BackendName[];

/** The cpu addon's kernels per family ("avx512-vnni", or "dense avx2, moe scalar, ..."), or why it is unavailable. */
export function nativeKernels(): { summary: string; kernels: KernelReport } | { unavailable: string } {
  const addon = loadCpuAddon();
  if (addon instanceof BackendUnavailableError) return { unavailable: addon.message };
  // Where the kernels prefetch is part of which kernel runs (and differs by host), so it is named beside them.
  return { summary: describeKernelChoice(addon), kernels: addon.kernels };
}

/**
 * What the cpu kernels' prefetch tuners (GPT_OSS_PREFETCH / GPT_OSS_DENSE_PREFETCH unset) have timed in this
 * thread so far, with a line to print; null without the addon or where no tuned call has run.
 */
export function nativePrefetchTuning(): { tuning: PrefetchTuning[]; summary: string | null } | null {
  const addon = loadCpuAddon();
  if (addon instanceof BackendUnavailableError || !addon.prefetchTuning) return null;
  const tuning = addon.prefetchTuning();
  return tuning.length > 0 ? { tuning, summary: describePrefetchTuning(tuning) } : null;
}

/**
 * The one place where a concrete backend is chosen. `undefined` means "the best one available here":
 * the native cpu backend when its addon loads, else the plain-TypeScript reference.
 */
export async function createBackend(
  name: BackendName | undefined,
  options: BackendOptions = {},
  onFallback?: (reason: string) => void,
): Promise<Backend> {
  switch (name) {
    case 'ref':
      return createRefBackend(options);
    case 'webgpu':
      return createNodeWebGpuBackend(options);
    case 'cpu':
      // CPU-BACKEND: asked for explicitly, a missing addon is an error (BackendUnavailableError names the fix).
      return createCpuBackend(options);
    case undefined:
      // CPU-BACKEND: the native backend when its addon loads, else ref.
      try {
        return createCpuBackend(options);
      } catch (e) {
        if (e instanceof BackendUnavailableError) {
          onFallback?.(`${e.message}; using the 'ref' backend meanwhile (plain TypeScript, far slower)`);
          return createRefBackend(options);
        }
        throw e;
      }
    default:
      throw new InvalidArgumentError(`unknown backend '${String(name)}'; expected one of ${BACKEND_NAMES.join(', ')}`);
  }
}
