import type { OpCase } from '../../backend-ops/cases.js';

/**
 * Which cases also run with weights split into small parts: every embed case, the matmuls of up to
 * 5 tokens and the MoE cases of up to 2 tokens (SwiftShader runs each part's dispatch on the CPU,
 * so the 32-part MoE prefill cases would cost minutes).
 */
export function splitCase(c: OpCase): boolean {
  const n = Number(/ n=(\d+)/.exec(c.name)?.[1] ?? 0);
  return c.op === 'embed' || (c.op === 'matmul' && n <= 5) || (c.op === 'moe' && n <= 2);
}
