// The best path with both fast kernels prefetching into L2, named rather than defaulted: the dense
// kernel's default is none on some CPU families (dispatch.c), whose L2 path would otherwise go untested here.
import { runKernelPath } from './kernel-path.js';

runKernelPath('avx512-vbmi', { prefetch: 'l2' });
