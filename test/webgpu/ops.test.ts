// The backend-ops harness on the webgpu backend, inside headless Chromium (WebGPU on SwiftShader):
// every case of test/backend-ops/cases.ts against ref, with the case's tolerance.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cases } from '../backend-ops/cases.js';
import { bundle, openPage, type BrowserPage } from './browser.js';
import type { CaseResult } from './page/ops-entry.js';
import type { AdapterSummary } from './page/adapter.js';
import { splitCase } from './page/split-cases.js';

let browser: BrowserPage | undefined;
let run: { adapter: AdapterSummary; results: CaseResult[] } | undefined;
let failure: unknown;

before(async () => {
  try {
    browser = await openPage(await bundle('test/webgpu/page/ops-entry.ts'));
    run = await browser.page.evaluate(() => (globalThis as unknown as { runOps: () => Promise<{ adapter: AdapterSummary; results: CaseResult[] }> }).runOps());
  } catch (e) {
    failure = e;
  }
});
after(async () => browser?.close());

function results(): { adapter: AdapterSummary; results: CaseResult[] } {
  if (!run) throw new Error(`the browser harness did not run: ${failure instanceof Error ? failure.message : String(failure)}\n${browser?.log.join('\n') ?? ''}`);
  return run;
}

describe('webgpu backend ops in headless Chromium (SwiftShader)', () => {
  it('the page gets a WebGPU adapter', () => {
    const { adapter } = results();
    assert.ok(adapter.available, `no adapter: ${adapter.reason}`);
    // Say which optional features this adapter lacks and what ran instead.
    for (const f of adapter.missing ?? []) {
      console.log(`# adapter ${adapter.vendor}/${adapter.architecture} lacks '${f}': the f32 kernels ran (they need neither f16 nor subgroups)`);
    }
  });

  it('the split runs really split weights of every splittable op (embed, matmul, moe)', () => {
    for (const op of ['embed', 'matmul', 'moe']) {
      const split = results().results.filter((r) => r.split && cases.find((c) => c.name === r.name)?.op === op);
      assert.ok(split.some((r) => (r.parts ?? 0) >= 2), `no ${op} case had a weight in two or more parts`);
    }
    const slow = [...results().results].sort((a, b) => b.ms - a.ms).slice(0, 5);
    console.log(`# slowest cases in the browser: ${slow.map((r) => `${r.name}${r.split ? ' (split)' : ''} ${r.ms.toFixed(0)} ms`).join('; ')}`);
  });

  for (const c of cases) {
    for (const split of [false, true]) {
      if (split && !splitCase(c)) continue;
      it(`webgpu exact: ${c.name}${split ? ' (weights split into 1 KiB parts)' : ''}`, () => {
        const r = results().results.find((x) => x.name === c.name && x.split === split);
        assert.ok(r, 'the case ran in the browser');
        assert.equal(r.error, undefined, r.error);
        assert.ok(r.outputs.length > 0, 'the case produced outputs');
        for (const [i, o] of r.outputs.entries()) {
          assert.ok(o.nmse <= r.limit, `output ${i}: NMSE ${o.nmse.toExponential(3)} > ${r.limit.toExponential(1)} (max abs ${o.maxAbs.toExponential(3)})`);
        }
      });
    }
  }
});
