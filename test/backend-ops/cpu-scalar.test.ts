// The portable C kernels: the only ones on ARM and macOS, so they run on every machine.
import { runKernelPath } from './kernel-path.js';

runKernelPath('scalar');
