// AVX-512 VNNI with AVX512-VBMI lookups in the MoE decode: the best path where the CPU has it.
import { runKernelPath } from './kernel-path.js';

runKernelPath('avx512-vbmi');
