// The reference's golden logits (test/fixtures/tiny-ref-*) from the forward pass on the webgpu backend
// inside headless Chromium (WebGPU on SwiftShader), within the fixtures' float32 tolerance.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toleranceFailures } from '../model/compare.js';
import { FIXTURE_NAMES } from '../model/fixtures.js';
import { bundle, openPage, ROOT, type BrowserPage } from './browser.js';
import type { FixtureRun } from './page/fixtures-entry.js';

let browser: BrowserPage | undefined;
let failure: unknown;

before(async () => {
  const files: Record<string, string> = {};
  for (const name of FIXTURE_NAMES) {
    for (const f of ['config.json', 'meta.json', 'golden.f32.bin', 'model.safetensors']) files[`/fixtures/${name}/${f}`] = join(ROOT, 'test/fixtures', name, f);
  }
  try {
    browser = await openPage(await bundle('test/webgpu/page/fixtures-entry.ts'), { files });
  } catch (e) {
    failure = e;
  }
});
after(async () => browser?.close());

for (const name of FIXTURE_NAMES) {
  describe(`${name} on webgpu in headless Chromium`, () => {
    let runs: FixtureRun[] | undefined;
    before(async () => {
      if (!browser) return;
      runs = await browser.page.evaluate((n) => (globalThis as unknown as { runFixture: (n: string) => Promise<FixtureRun[]> }).runFixture(n), name);
    });
    for (const mode of ['prefill', 'decode']) {
      it(`${mode} matches the reference within the fixture tolerance`, () => {
        if (!browser) throw new Error(`the browser did not start: ${failure instanceof Error ? failure.message : String(failure)}`);
        const r = runs?.find((x) => x.mode === mode);
        assert.ok(r, `the ${mode} run finished in the page\n${browser.log.join('\n')}`);
        assert.deepEqual(toleranceFailures(r.comparison), [], `${name} ${mode}: ${JSON.stringify(r.comparison)}`);
        console.log(`# ${name} ${mode}: max abs ${r.comparison.maxAbs.toExponential(2)}, mean abs ${r.comparison.meanAbs.toExponential(2)}, ${r.ms.toFixed(0)} ms`);
      });
    }
  });
}
