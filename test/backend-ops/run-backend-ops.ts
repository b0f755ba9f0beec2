/**
 * The one op harness: every case of cases.ts on a backend, compared with `ref` (or, for ref itself,
 * with the float64 recomputation). Skipped ops are reported as skipped, never silently dropped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend, OpName } from '../../src/backends/backend.js';
import { createRefBackend } from '../../src/backends/ref/ref-backend.js';
import { cases, type OpCase } from './cases.js';
import { nmse } from './compare.js';

export interface RunBackendOpsOptions {
  /** Creates the backend under test (called once per case; disposed after). */
  newBackend: () => Backend;
  /** Label in the test titles, e.g. 'cpu exact'. */
  label: string;
  /** 'ref' (default): compare with the ref backend. 'f64': compare with the cases' float64 recomputation. */
  against?: 'ref' | 'f64';
  skip?: { ops: OpName[]; reason: string }[];
  /** Skips every case with this reason (a kernel path the CPU lacks). */
  skipAll?: string | undefined;
  /** The cases to run: cases.ts's `cases` by default. */
  cases?: readonly OpCase[];
}

function maxAbs(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i]! - want[i]!));
  return m;
}

async function expected(c: OpCase, against: 'ref' | 'f64'): Promise<ArrayLike<number>[] | null> {
  if (against === 'f64') return c.f64 ? c.f64() : null;
  const ref = createRefBackend();
  try {
    return await c.run(ref);
  } finally {
    ref.dispose();
  }
}

export function runBackendOps(options: RunBackendOpsOptions): void {
  const against = options.against ?? 'ref';
  test(`${options.label}: read copies out, into a caller's buffer where one is given`, { skip: options.skipAll ?? false }, async () => {
    const backend = options.newBackend();
    try {
      const t = backend.createTensor(3, 5);
      const data = Float32Array.from({ length: 15 }, (_, i) => i * 0.5 - 3);
      backend.write(t, data);
      const fresh = await backend.read(t);
      assert.deepEqual(fresh, data);
      const into = new Float32Array(15).fill(NaN);
      assert.equal(await backend.read(t, into), into, 'the buffer given is the one returned');
      assert.deepEqual(into, data);
      // a copy: later writes to the tensor leave both as they were
      backend.write(t, new Float32Array(15).fill(7));
      assert.deepEqual(fresh, data);
      assert.deepEqual(into, data);
      await assert.rejects(async () => backend.read(t, new Float32Array(14)), /read: into holds 14 values, the tensor 15/);
    } finally {
      backend.dispose();
    }
  });
  for (const c of options.cases ?? cases) {
    const skip = options.skipAll ?? options.skip?.find((s) => s.ops.includes(c.op))?.reason;
    test(`${options.label}: ${c.name}`, { skip: skip ?? false }, async () => {
      const want = await expected(c, against);
      if (!want) throw new Error(`case '${c.name}' has no float64 recomputation to compare with`);
      const backend = options.newBackend();
      let got: Float32Array[];
      try {
        got = await c.run(backend);
      } finally {
        backend.dispose();
      }
      const limit = c.nmse[backend.precision];
      if (got.length !== want.length) throw new Error(`${c.name}: ${got.length} outputs, expected ${want.length}`);
      for (const [i, g] of got.entries()) {
        const w = want[i]!;
        const e = nmse(g, w);
        if (!(e <= limit)) {
          throw new Error(
            `${c.name}: output ${i} NMSE ${e.toExponential(3)} > ${limit.toExponential(1)} (max abs diff ${maxAbs(g, w).toExponential(3)}; ` +
              `first values got [${Array.from(g.subarray(0, 4), (v) => v.toFixed(5)).join(', ')}] want [${Array.from(w, (v) => Number(v).toFixed(5)).slice(0, 4).join(', ')}])`,
          );
        }
      }
    });
  }
}
