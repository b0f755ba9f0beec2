// The best path with the fast kernels' software prefetch off (GPT_OSS_PREFETCH=none and
// GPT_OSS_DENSE_PREFETCH=none): the hardware prefetchers alone, which some hosts stream faster with
// (BENCHMARKS.md). Same op harness, fast precision.
import { runKernelPath } from './kernel-path.js';

runKernelPath('avx512-vbmi', { prefetch: 'none' });
