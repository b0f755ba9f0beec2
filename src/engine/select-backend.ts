import type { Backend, BackendName, BackendOptions } from '../backends/backend.js';
import { loadCpuAddon } from '../backends/cpu/binding.js';
import { createCpuBackend } from '../backends/cpu/cpu-backend.js';
import { nativeFileMapper } from '../backends/cpu/file-mapper.js';
import { createRefBackend } from '../backends/ref/ref-backend.js';
import { BackendUnavailableError, InvalidArgumentError } from '../core/errors.js';
import { getFileMapper, setFileMapper } from '../core/mapping.js';
import { createNodeWebGpuBackend } from './webgpu-node.js';

// CPU-BACKEND: checkpoints are memory-mapped by the addon whenever it loads (whatever the backend),
// installed before any checkpoint opens; without the addon format/ falls back to positional reads.
export function installNativeFileMapper(): boolean {
  if (getFileMapper()) return true;
  const addon = loadCpuAddon();
  if (addon instanceof BackendUnavailableError) return false;
  setFileMapper(nativeFileMapper(addon));
  return true;
}
installNativeFileMapper();

/** Backend names a user may ask for (`--backend`). */
export const BACKEND_NAMES: readonly BackendName[] = ['ref', 'cpu', 'webgpu'];

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
