// AVX-512 VNNI kernels without AVX512-VBMI (the MoE decode lookups then mask nibbles and use vpshufb).
import { runKernelPath } from './kernel-path.js';

runKernelPath('avx512-vnni');
