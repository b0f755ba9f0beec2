/**
 * Runs the op harness on one kernel level of the cpu addon (GPT_OSS_SIMD, read once when the addon
 * loads; node:test runs each file in its own process). A level this CPU lacks is reported as skipped
 * with the reason, never silently replaced by another: the addon clamps to the CPU's best, so running
 * anyway would repeat that path under this one's name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KERNEL_LEVELS, describeKernels, loadCpuAddon, type KernelLevel } from '../../src/backends/cpu/binding.js';
import { createCpuBackend } from '../../src/backends/cpu/cpu-backend.js';
import { runNonFiniteOps } from './non-finite-ops.js';
import { cases, longAttentionCases } from './cases.js';
import { runBackendOps } from './run-backend-ops.js';

type Prefetch = 'l2' | 'l1' | 'none';
/**
 * `prefetch`: run the fast path with GPT_OSS_PREFETCH (the MoE decode kernel's prefetch) and
 * GPT_OSS_DENSE_PREFETCH (the 8-bit dense one-token kernel's, whose default differs by CPU family) set to it.
 */
export function runKernelPath(level: KernelLevel, options: { prefetch?: Prefetch } = {}): void {
  process.env.GPT_OSS_SIMD = level;
  if (options.prefetch) process.env.GPT_OSS_PREFETCH = process.env.GPT_OSS_DENSE_PREFETCH = options.prefetch;
  const addon = loadCpuAddon();
  // A missing addon fails here (npm ci builds it), as cpu.test.ts did before the paths were split.
  if (addon instanceof Error) throw addon;
  const lacks = KERNEL_LEVELS.indexOf(addon.cpu.best) < KERNEL_LEVELS.indexOf(level);
  const skip = lacks ? `this CPU lacks the ${level} kernels (its best is ${addon.cpu.best})` : undefined;
  test(`kernel path ${level}: ${skip ? 'skipped' : `runs (${describeKernels(addon.kernels)})`}`, { skip: skip ?? false }, () => {
    assert.equal(addon.simd, level);
    // Every family at most this level, and at least one exactly at it: the path under test is really taken.
    const levels = Object.values(addon.kernels).map((l) => KERNEL_LEVELS.indexOf(l));
    assert.ok(levels.every((l) => l <= KERNEL_LEVELS.indexOf(level)), describeKernels(addon.kernels));
    assert.ok(levels.includes(KERNEL_LEVELS.indexOf(level)), `no kernel family runs at ${level}: ${describeKernels(addon.kernels)}`);
  });
  if (options.prefetch) {
    // Only the fast kernels prefetch: their paths under this setting, against ref like every path.
    test(`kernel path ${level}: the addon took GPT_OSS_PREFETCH and GPT_OSS_DENSE_PREFETCH=${options.prefetch}`, { skip: skip ?? false }, () => {
      assert.equal(addon.prefetch, options.prefetch);
      assert.equal(addon.densePrefetch, options.prefetch);
    });
    const newBackend = () => createCpuBackend({ precision: 'fast', threads: 2 });
    runBackendOps({ label: `cpu fast ${level} prefetch ${options.prefetch}`, skipAll: skip, newBackend, cases });
    return;
  }
  for (const precision of ['exact', 'fast'] as const) {
    const newBackend = () => createCpuBackend({ precision, threads: 2 });
    runBackendOps({ label: `cpu ${precision} ${level}`, skipAll: skip, newBackend, cases: [...cases, ...longAttentionCases] });
    runNonFiniteOps(`cpu ${precision} ${level}`, newBackend, skip);
  }
}
