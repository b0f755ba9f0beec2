/**
 * The webgpu backend's benchmark in a browser: `node --import tsx bench/webgpu/browser.ts [DIR] [--prompt N] [--gen N]`
 * serves the checkpoint DIR (original layout, one model.safetensors; default the tiny-ref-a fixture)
 * on 127.0.0.1 and runs bench/webgpu/page-entry.ts in Chromium (CHROMIUM_PATH, default /usr/bin/chromium;
 * here on SwiftShader, so the figures are sanity checks, not GPU speeds). In Node: gpt-oss bench --backend webgpu.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle, openPage, ROOT } from '../../test/webgpu/browser.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { prompt: { type: 'string' }, gen: { type: 'string' } } });
const dir = resolve(positionals[0] ?? join(ROOT, 'test/fixtures/tiny-ref-a'));
const prompt = Number(values.prompt ?? 32);
const gen = Number(values.gen ?? 16);
const page = await openPage(await bundle('bench/webgpu/page-entry.ts'), {
  files: { '/model/config.json': join(dir, 'config.json'), '/model/model.safetensors': join(dir, 'model.safetensors') },
});
try {
  const result = await page.page.evaluate((o) => (globalThis as unknown as { runBench: (o: { prompt: number; gen: number }) => Promise<unknown> }).runBench(o), { prompt, gen });
  console.log(JSON.stringify({ model: dir, prompt, gen, ...(result as object) }, null, 2));
} catch (e) {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}\n${page.log.join('\n')}`);
  process.exitCode = 1;
} finally {
  await page.close();
}
