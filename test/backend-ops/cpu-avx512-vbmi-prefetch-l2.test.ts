// The best path with both fast kernels prefetching into L2, named rather than left to the prefetch
// tuner (native/prefetch-tuner.h), which runs L2 on a host only while L2 times fastest there.
import { runKernelPath } from './kernel-path.js';

runKernelPath('avx512-vbmi', { prefetch: 'l2' });
