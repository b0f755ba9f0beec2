// AVX2 + FMA + F16C kernels (on CPUs with AVX-512 too, forced down to them).
import { runKernelPath } from './kernel-path.js';

runKernelPath('avx2');
