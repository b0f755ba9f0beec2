import { createCpuBackend } from '../../src/backends/cpu/cpu-backend.js';
import { runBackendOps } from './run-backend-ops.js';

// The AVX2 kernels, on CPUs that would otherwise take the AVX-512 ones (the addon reads this at its
// first use; node:test runs each file in its own process). Elsewhere it repeats cpu.test.ts.
process.env.GPT_OSS_SIMD = 'avx2';
runBackendOps({ label: 'cpu fast avx2', newBackend: () => createCpuBackend({ precision: 'fast', threads: 2 }) });
