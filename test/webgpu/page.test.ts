// The browser page (web/): served from 127.0.0.1 with a tiny random checkpoint, it loads the model
// tensor by tensor over HTTP Range requests, chats with a streamed reply on the webgpu backend in
// headless Chromium (SwiftShader), and a reload loads the checkpoint from the browser's cache (OPFS).
// A screenshot is kept in test-artifacts/ (gitignored).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTinyModel } from '../engine/helpers.js';
import { bundle, openPage, ROOT, type BrowserPage } from './browser.js';

let model: { dir: string; remove: () => void };
let browser: BrowserPage | undefined;

before(async () => {
  model = makeTinyModel(3);
  browser = await openPage(
    await bundle('web/app.ts'),
    {
      text: { '/app.js': await bundle('web/app.ts') },
      files: {
        '/o200k_base.tiktoken': join(ROOT, 'node_modules/gpt-tokenizer/data/o200k_base.tiktoken'),
        '/model/config.json': join(model.dir, 'config.json'),
        '/model/model.safetensors': join(model.dir, 'model.safetensors'),
      },
    },
    readFileSync(join(ROOT, 'web/index.html'), 'utf8'),
    '/?model=/model/&raw=1&maxTokens=4',
  );
});
after(async () => {
  await browser?.close();
  model.remove();
});

async function waitState(b: BrowserPage, state: string): Promise<void> {
  try {
    await b.page.waitForFunction((s) => document.body.dataset['state'] === s || document.body.dataset['state'] === 'error', state, { timeout: 150_000 });
  } catch (e) {
    throw new Error(`page never reached '${state}': ${String(e)}\n${b.log.join('\n')}`);
  }
  const status = await b.page.textContent('#status');
  assert.notEqual(await b.page.evaluate(() => document.body.dataset['state']), 'error', `page error: ${status}\n${b.log.join('\n')}`);
}

describe('the browser page (web/) with a tiny model', () => {
  it('loads the checkpoint by Range requests and streams a reply', async () => {
    const b = browser!;
    await waitState(b, 'ready');
    const tensorCount = JSON.parse(readFileSync(join(model.dir, 'model.safetensors')).subarray(8, 8 + Number(readFileSync(join(model.dir, 'model.safetensors')).readBigUInt64LE(0))).toString('utf8')) as Record<string, unknown>;
    const tensors = Object.keys(tensorCount).filter((k) => k !== '__metadata__').length;
    assert.ok((b.requests.get('/model/model.safetensors') ?? 0) >= tensors + 2, `one Range request per tensor (${tensors}) plus the header: ${b.requests.get('/model/model.safetensors')}`);
    assert.match((await b.page.textContent('#adapter')) ?? '', /swiftshader|\w/);
    await b.page.fill('#input', 'Hello there');
    await b.page.click('#send');
    await waitState(b, 'generating');
    await waitState(b, 'ready');
    const updates = Number(await b.page.getAttribute('#log', 'data-updates'));
    const raw = (await b.page.textContent('.raw')) ?? '';
    const status = (await b.page.textContent('#status')) ?? '';
    assert.ok(updates >= 4, `the reply streamed in ${updates} updates`);
    assert.ok(raw.length > 0, 'the raw token stream shows the reply');
    assert.match(status, /^4 tokens, [\d.]+ tok\/s$/, status);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await b.page.screenshot({ path: join(ROOT, 'test-artifacts/webgpu-page.png'), fullPage: true });
  });

  it('a reload loads the checkpoint from the browser cache (OPFS), without downloading it again', async () => {
    const b = browser!;
    const before = b.requests.get('/model/model.safetensors') ?? 0;
    await b.page.reload();
    await waitState(b, 'ready');
    assert.equal(b.requests.get('/model/model.safetensors') ?? 0, before, 'no new request for the weights');
  });
});
