// Issue 13 item 8 on the best kernels (see bf16run-exactness.ts).
import { runBf16RunExactness } from './bf16run-exactness.js';

runBf16RunExactness();
