import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Engine } from '../../src/engine/index.js';
import { startServer } from '../../src/server/serve.js';
import { ScriptedModel } from '../engine/helpers.js';
import { ids, scriptedServer, tok, type TestServer } from './helpers.js';
import type { BuiltinsConfig } from '../../src/server/builtin-tools.js';

// The chat page in headless Chromium (Debian's, driven by playwright-core) against the real server:
// type, watch reasoning and answer stream in, change the effort, stop a generation. A screenshot is
// kept in test/artifacts/ (gitignored) for a person to look at.
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));

const REPLY = ids(
  '<|channel|>analysis<|message|>The user wants code. I will show a small function.<|end|>' +
    '<|start|>assistant<|channel|>final<|message|>Here is **bold** text and code:\n\n```js\nconst x = 1;\n```\n<|return|>',
);
const LONG = ids(`<|channel|>analysis<|message|>${'Thinking step by step. '.repeat(60)}<|end|><|start|>assistant<|channel|>final<|message|>Done.<|return|>`);

let browser: Browser;
let page: Page;
let server: TestServer;
/** Requests the page made anywhere but its server (it must work offline: no CDN, no fonts, nothing). */
const foreign: string[] = [];

before(async () => {
  if (!hasChromium) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await server?.close();
  await browser?.close();
});

async function open(rounds: readonly (readonly number[])[], options: { apiKey?: string; delayMs?: number; builtins?: BuiltinsConfig } = {}): Promise<void> {
  await server?.close();
  server = await scriptedServer(rounds, { modelId: 'gpt-oss-20b', ...options });
  await newPage(server.url, options.apiKey);
}

async function newPage(url: string, apiKey?: string): Promise<void> {
  page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(`${url}/`)) foreign.push(r.url());
  });
  if (apiKey) page.on('dialog', (d) => void d.accept(apiKey));
  await page.goto(url, { waitUntil: 'load' });
}

// Waits use locators, which run in Playwright's isolated world: the page keeps its CSP (no eval).
async function send(text: string): Promise<void> {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

describe('chat page (headless Chromium)', { skip: hasChromium ? false : `no Chromium at ${CHROMIUM}` }, () => {
  it('asks for the API key, streams reasoning then a markdown answer, shows usage and speed; conversations persist', async () => {
    await open([REPLY], { apiKey: 'sekret', delayMs: 15 });
    await page.locator('#model-name', { hasText: 'gpt-oss:20b' }).waitFor();
    await page.selectOption('#effort', 'high');
    const request = page.waitForRequest((r) => r.url().endsWith('/api/chat'));
    await send('Show me code');
    const body = (await request).postDataJSON() as { think: string; model: string; messages: unknown[] };
    assert.equal(body.think, 'high');
    assert.equal(body.model, 'gpt-oss:20b');
    // The reasoning block is open while the model reasons...
    await page.locator('.msg.assistant details.reasoning[open] .text', { hasText: 'The user wants' }).waitFor();
    // ...and the answer arrives as rendered markdown, with the reasoning folded away.
    await page.waitForSelector('.msg.assistant .answer pre code');
    await page.locator('.msg.assistant .stats', { hasText: 'tok/s' }).waitFor();
    assert.equal(await page.textContent('.msg.assistant .answer strong'), 'bold');
    assert.match((await page.textContent('.msg.assistant .answer pre code')) ?? '', /const x = 1;/);
    assert.equal(await page.getAttribute('.msg.assistant details.reasoning', 'open'), null);
    assert.match((await page.textContent('.msg.assistant .stats')) ?? '', /^\d+ prompt tokens · \d+ tokens · [\d.]+ tok\/s · [\d.]+ s$/);
    assert.match(tokText(server), /Reasoning: high/);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'chat-page.png'), fullPage: true });
    // Kept in the browser: a reload shows the conversation again.
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('.msg.assistant .answer pre code');
    assert.equal(await page.textContent('#conversations li.active span'), 'Show me code');
    // A follow-up sends the conversation so far: the question, the answer, the new question.
    const followUp = page.waitForRequest((r) => r.url().endsWith('/api/chat'));
    await send('And again?');
    const next = (await followUp).postDataJSON() as { messages: { role: string; content: string }[] };
    assert.deepEqual(
      next.messages.map((m) => [m.role, m.content]),
      [
        ['user', 'Show me code'],
        ['assistant', 'Here is **bold** text and code:\n\n```js\nconst x = 1;\n```\n'],
        ['user', 'And again?'],
      ],
    );
    await page.locator('.msg.assistant >> nth=1').locator('.stats', { hasText: 'tok/s' }).waitFor();
    assert.deepEqual(foreign, [], 'the page fetched nothing from outside its server');
  });

  it('Stop ends a generation: the server frees its session and the answer is marked stopped', async () => {
    await open([LONG], { delayMs: 40 });
    await send('Think hard');
    await page.locator('.msg.assistant details.reasoning .text', { hasText: 'Thinking step by step. Thinking step by step.' }).waitFor();
    assert.equal(await page.isVisible('#stop'), true);
    await page.click('#stop');
    await page.waitForSelector('.msg.assistant .stats .stopped');
    assert.equal(await page.isVisible('#send'), true);
    for (let i = 0; i < 100 && server.served.pool.busy > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.served.pool.busy, 0, 'the generation was cancelled on the server');
    assert.ok(server.model.tokensSeen < LONG.length + 200, 'it stopped well before the end of its script');
  });
});

describe('chat page with the server\'s built-in tools (headless Chromium)', { skip: hasChromium ? false : `no Chromium at ${CHROMIUM}` }, () => {
  it('shows a built-in call the server ran and, dimmed and folded, its result', async () => {
    const docs = mkdtempSync(join(tmpdir(), 'gpt-oss-page-docs-'));
    writeFileSync(join(docs, 'whales.md'), '# Blue whales\n\nBlue whales eat krill, up to four tonnes a day.\n');
    try {
      await open(
        [
          ids('<|channel|>analysis<|message|>I should search.<|end|><|start|>assistant<|channel|>analysis to=browser.search code<|message|>{"query":"whales krill"}<|call|>'),
          ids('<|channel|>final<|message|>Blue whales eat **krill**.<|return|>'),
        ],
        { builtins: { browser: { backend: 'local', docs } }, delayMs: 5 },
      );
      await send('What do blue whales eat?');
      await page.locator('.msg.assistant .tool-call.builtin .label', { hasText: 'tool call browser.search' }).waitFor();
      await page.locator('.msg.assistant .tool-call.builtin .tool-result summary', { hasText: /^result \(\d+ characters\)$/ }).waitFor();
      await page.locator('.msg.assistant .answer strong', { hasText: 'krill' }).waitFor();
      assert.equal(await page.textContent('.msg.assistant .tool-call.builtin .args'), '{"query":"whales krill"}');
      assert.equal(await page.getAttribute('.msg.assistant details.tool-result', 'open'), null, 'the result starts folded');
      assert.equal(await page.isVisible('.msg.assistant details.tool-result pre'), false);
      await page.click('.msg.assistant details.tool-result summary');
      assert.equal(await page.isVisible('.msg.assistant details.tool-result pre'), true);
      assert.match((await page.textContent('.msg.assistant details.tool-result pre')) ?? '', /Search Results[^]*Blue whales[^]*whales\.md/);
      assert.ok(Number(await page.evaluate(() => getComputedStyle(document.querySelector('.tool-call.builtin')!).opacity)) < 1, 'dimmed');
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'chat-page-tools.png'), fullPage: true });
    } finally {
      rmSync(docs, { recursive: true, force: true });
    }
  });
});

describe('chat page while the model loads (headless Chromium)', { skip: hasChromium ? false : `no Chromium at ${CHROMIUM}` }, () => {
  it('says the model is loading, holds a message sent meanwhile, and answers it once the model is ready', async () => {
    let resolve!: (e: Engine) => void;
    const loading = new Promise<Engine>((r) => (resolve = r));
    const slow = await startServer({ engine: loading }, { modelId: 'gpt-oss-20b', port: 0, log: () => {} });
    try {
      await newPage(slow.url);
      await page.locator('#model-name', { hasText: 'loading the model' }).waitFor();
      await send('Hello early');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await page.locator('.msg.assistant .stats', { hasText: 'tok/s' }).count(), 0);
      assert.equal(await page.isVisible('#error'), false, 'no error while the model loads');
      resolve(new Engine(new ScriptedModel([REPLY]), tok));
      await page.locator('#model-name', { hasText: 'gpt-oss:20b' }).waitFor();
      await page.locator('.msg.assistant .stats', { hasText: 'tok/s' }).waitFor();
      assert.equal(await page.textContent('.msg.assistant .answer strong'), 'bold');
      assert.deepEqual(foreign, []);
    } finally {
      await slow.close();
    }
  });
});

function tokText(s: TestServer): string {
  return s.served.engine.tokenizer.decode(s.model.history.get(0) ?? []);
}
