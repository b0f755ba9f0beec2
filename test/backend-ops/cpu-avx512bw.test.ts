import { createCpuBackend } from '../../src/backends/cpu/cpu-backend.js';
import { runBackendOps } from './run-backend-ops.js';

// The AVX-512 kernels without AVX512-VBMI (the MoE decode lookups then mask nibbles and use vpshufb),
// on CPUs that have VBMI (the addon reads this at its first use; node:test runs each file in its own
// process). Elsewhere it repeats cpu.test.ts.
process.env.GPT_OSS_SIMD = 'avx512bw';
runBackendOps({ label: 'cpu fast avx512bw', newBackend: () => createCpuBackend({ precision: 'fast', threads: 2 }) });
