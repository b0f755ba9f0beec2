// The host-preemption probe of `gpt-oss bench` (native/preempt-probe.c): with more pool threads than
// cores, the scheduler must stop some of them, so each loses about 1 - cores/threads of its time; the
// probe has to see that. No upper bound is asserted for a pool that fits the cores: other tests share them.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { createCpuBackend } from '../../src/backends/cpu/cpu-backend.js';

describe('cpu backend: measurePreemption', () => {
  it('finds the time a thread was stopped when the pool holds one thread more than the cores', () => {
    const threads = availableParallelism() + 1;
    const backend = createCpuBackend({ threads });
    try {
      const p = backend.measurePreemption(400);
      assert.ok(p, 'the addon has the probe');
      assert.equal(p.perThread.length, threads);
      assert.equal(p.seconds, 0.4);
      // each of `threads` spinning threads on `threads - 1` cores runs at most (threads - 1) / threads of the time
      assert.ok(p.fraction >= 0.5 / threads && p.fraction < 1, `lost ${p.fraction} of the time with ${threads} threads on ${threads - 1} cores`);
      assert.ok(p.largestGapMs > 0.05, `longest stop ${p.largestGapMs} ms`);
      for (const f of p.perThread) assert.ok(f >= 0 && f < 1, `per thread ${p.perThread.join(', ')}`);
    } finally {
      backend.dispose();
    }
  });

  it('reports the shape of its answer for a pool that fits the cores', () => {
    const backend = createCpuBackend({ threads: 1 });
    try {
      const p = backend.measurePreemption(50);
      assert.ok(p);
      assert.equal(p.perThread.length, 1);
      assert.ok(p.fraction >= 0 && p.fraction < 1 && p.largestGapMs >= 0, JSON.stringify(p));
      assert.equal(p.fraction, p.perThread[0]);
    } finally {
      backend.dispose();
    }
  });
});
