// The browser tool against a real HTTP site on 127.0.0.1 (test-server.ts) and a local document
// folder: the reference's display format, search/open/find, the page stack and cache, and the
// safety rules (SSRF refusals after DNS and on redirects, size and time limits, content types).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BrowserTool } from '../../src/tools/browser/browser-tool.js';
import { WebFetchBackend } from '../../src/tools/browser/backends/fetch.js';
import { LocalDocsBackend } from '../../src/tools/browser/backends/local-docs.js';
import { SearxngBackend } from '../../src/tools/browser/backends/searxng.js';
import { isPrivateAddress } from '../../src/tools/browser/safe-fetch.js';
import { LONG_LINES, startTestSite, tinyPdf, type TestSite } from './test-server.js';

let site: TestSite;
before(async () => {
  site = await startTestSite();
});
after(() => site.close());

const web = (o: { allowHosts?: string[]; timeoutMs?: number; maxBytes?: number } = {}): WebFetchBackend =>
  new WebFetchBackend({ allowHosts: ['127.0.0.1'], timeoutMs: 1500, maxBytes: 1024 * 1024, ...o });
const call = (b: BrowserTool, fn: string, args: object): Promise<string> => b.call(`browser.${fn}`, JSON.stringify(args));

describe('browser: pages as the model sees them', () => {
  it('open by URL: cursor, title, URL, viewport header, numbered lines, link ids (off-site with domain)', async () => {
    const b = new BrowserTool(web());
    const out = await call(b, 'open', { id: `${site.base}/` });
    const lines = out.split('\n');
    assert.equal(lines[0], `[0] Home of the test site (${site.base}/)`);
    assert.match(lines[1]!, /^\*\*viewing lines \[0 - \d+\] of \d+\*\*$/);
    assert.equal(lines[2], '');
    assert.match(out, /^L0: /m);
    assert.match(out, /【0†blue whales】/);
    assert.match(out, /【1†long page】/);
    assert.match(out, /【2†another (\nL\d+: )?site†example\.org】/);
    assert.doesNotMatch(out, /mailto|【\d+†mail】/);
  });

  it('open by link id follows the link; a link to a page seen before comes from the cache; a direct URL refetches', async () => {
    const b = new BrowserTool(web());
    const homeHits = site.hits.get('/') ?? 0;
    await call(b, 'open', { id: `${site.base}/` });
    const whales = await call(b, 'open', { id: 0 });
    assert.match(whales, /^\[1\] Blue whales \(.*\/whales\)/);
    assert.match(whales, /largest animal/);
    assert.match(whales, /\[Image 0: a whale\]/);
    assert.equal(site.hits.get('/'), homeHits + 1);
    const back = await call(b, 'open', { id: 0, cursor: 1 }); // "Back home"
    assert.match(back, /^\[2\] Home of the test site/);
    assert.equal(site.hits.get('/'), homeHits + 1, 'following a link to a cached page does not refetch');
    await call(b, 'open', { id: `${site.base}/` });
    assert.equal(site.hits.get('/'), homeHits + 2, 'opening a URL directly is a refresh');
    assert.match(await call(b, 'open', { id: 99 }), /Invalid link id `99`/);
    assert.match(await call(b, 'open', { id: 0, cursor: 17 }), /Cursor `17` is out of range\. Available cursor indices: \[0 - 3\]\./);
  });

  it('a long page shows a token-bounded window; loc and num_lines scroll it; find lists matches and opens at them', async () => {
    const b = new BrowserTool(web(), { viewTokens: 200 });
    const first = await call(b, 'open', { id: `${site.base}/long` });
    const m = /viewing lines \[0 - (\d+)\] of (\d+)/.exec(first)!;
    const shownEnd = Number(m[1]);
    const total = Number(m[2]);
    assert.ok(total >= LONG_LINES - 1, `total ${total}`);
    assert.ok(shownEnd > 5 && shownEnd < 60, `a 200-token window shows a few dozen short lines, got ${shownEnd + 1}`);
    const scrolled = await call(b, 'open', { loc: 100, num_lines: 10 });
    assert.match(scrolled, /^\[1\] Long page/);
    assert.match(scrolled, /viewing lines \[100 - 109\] of/);
    assert.match(scrolled, /^L100: /m);
    assert.doesNotMatch(scrolled, /^L110: /m);
    assert.match(await call(b, 'open', { loc: total + 5 }), /Invalid location parameter: `\d+`\. Cannot exceed page maximum of \d+\./);

    const found = await call(b, 'find', { pattern: 'ZEBRA' });
    assert.match(found, /^\[2\] Find results for text: `ZEBRA` in `Long page`/);
    const at = Number(/# 【0†match at L(\d+)】/.exec(found)![1]);
    assert.match(found, /mentions the zebra once/);
    const opened = await call(b, 'open', { id: 0 });
    assert.match(opened, new RegExp(`viewing lines \\[${at - 4} - `));
    assert.match(await call(b, 'find', { pattern: 'zebra', cursor: 2 }), /Cannot run `find` on search results page or find results page/);
    assert.match(await call(b, 'find', { pattern: 'no such words here', cursor: 0 }), /No `find` results for pattern: `no such words here`/);
  });

  it('text, PDF and redirects are shown; images and other binary types are refused with a note', async () => {
    const b = new BrowserTool(web());
    assert.match(await call(b, 'open', { id: `${site.base}/plain.txt` }), /L0: plain text line one\nL1: plain text line two/);
    assert.match(await call(b, 'open', { id: `${site.base}/doc.pdf` }), /Hello from a PDF file/);
    const redirected = await call(b, 'open', { id: `${site.base}/redirect` });
    assert.match(redirected, /Blue whales \(.*\/whales\)/);
    const img = await call(b, 'open', { id: `${site.base}/image.png` });
    assert.match(img, /is image\/png, which the browser cannot show as text/);
    assert.match(await call(b, 'open', { id: `${site.base}/missing` }), /HTTP 404/);
    const source = await call(b, 'open', { id: `${site.base}/`, view_source: true });
    assert.match(source, /\(view-source:http:\/\/127\.0\.0\.1:\d+\/\)/);
    assert.match(source, /^L0: <!doctype html><html><head><title>Home of the test $/m);
  });

  it('slow and huge responses stop at the time and size limits', async () => {
    const b = new BrowserTool(web({ timeoutMs: 600, maxBytes: 256 * 1024 }));
    const t0 = Date.now();
    assert.match(await call(b, 'open', { id: `${site.base}/slow` }), /timed out after 0\.6 s/);
    assert.ok(Date.now() - t0 < 4000);
    assert.match(await call(b, 'open', { id: `${site.base}/huge` }), /more than the limit of 262144 bytes/);
  });
});

describe('browser: SSRF safety', () => {
  it('refuses loopback by default, by address and by a name that resolves to it', async () => {
    const b = new BrowserTool(new WebFetchBackend({ timeoutMs: 1500 }));
    const before = site.hits.get('/') ?? 0;
    assert.match(await call(b, 'open', { id: `${site.base}/` }), /refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private, loopback or link-local address/);
    const port = new URL(site.base).port;
    assert.match(await call(b, 'open', { id: `http://localhost:${port}/` }), /refused: localhost resolves to (127\.0\.0\.1|::1)/);
    assert.match(await call(b, 'open', { id: `http://[::ffff:127.0.0.1]:${port}/` }), /refused/);
    assert.equal(site.hits.get('/') ?? 0, before, 'no request reached the server');
  });

  it('a redirect to a private, link-local or non-http address is refused even when the first host is allowed', async () => {
    const b = new BrowserTool(web({ timeoutMs: 20_000 }));
    const t0 = Date.now();
    assert.match(await call(b, 'open', { id: `${site.base}/redirect-private` }), /refused: 10\.0\.0\.1 resolves to 10\.0\.0\.1/);
    assert.match(await call(b, 'open', { id: `${site.base}/redirect-metadata` }), /refused: 169\.254\.169\.254/);
    assert.match(await call(b, 'open', { id: `${site.base}/redirect-file` }), /only http and https URLs can be opened, got file/);
    // Refused before connecting: no connect timeout to an unroutable address was waited for.
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    assert.match(await call(b, 'open', { id: 'ftp://example.org/x' }), /only http and https/);
  });

  it('classifies addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '::ffff:7f00:1']) {
      assert.equal(isPrivateAddress(a), true, a);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPrivateAddress(a), false, a);
  });
});

describe('browser: search backends', () => {
  it('searxng: results page with link ids, opening a result fetches it', async () => {
    const b = new BrowserTool(new SearxngBackend(site.base, { allowHosts: ['127.0.0.1'] }));
    assert.match(b.namespace.description!, /sources=web$/);
    const out = await call(b, 'search', { query: 'blue whale', topn: 5 });
    const host = new URL(site.base).host;
    assert.match(out, /^\[0\] blue whale\n\*\*viewing lines \[0 - \d+\] of \d+\*\*/);
    assert.match(out, new RegExp(`【0†Blue whales†${host.replace('.', '\\.')}】 The blue whale is the largest animal\\.`));
    assert.match(await call(b, 'open', { id: 0 }), /^\[1\] Blue whales/);
  });

  it('fetch: search tells the model to open URLs instead; bad arguments get an error it can read', async () => {
    const b = new BrowserTool(web());
    assert.match(await call(b, 'search', { query: 'x' }), /Search is not available with this browser/);
    assert.equal(await b.call('browser.open', 'not json'), JSON.stringify({ error: 'Invalid function arguments: not JSON: not json' }));
    assert.match(await b.call('browser.scroll', '{}'), /Unknown function: scroll/);
    assert.match(await call(b, 'find', { pattern: 'x' }), /No pages to access!/);
  });

  it('local: BM25 search over markdown, HTML, text and PDF; kept up to date as files change; nothing outside the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpt-oss-docs-'));
    try {
      writeFileSync(join(dir, 'whales.md'), '# Whales\n\nBlue whales eat krill.\nThey are large.\n');
      writeFileSync(join(dir, 'cats.html'), '<html><head><title>Cats</title></head><body><p>Cats chase mice. See <a href="whales.md">whales</a>.</p></body></html>');
      writeFileSync(join(dir, 'notes.txt'), 'Shopping list: milk, bread, krill oil.\n');
      writeFileSync(join(dir, 'report.pdf'), tinyPdf('Quarterly revenue grew'));
      const backend = new LocalDocsBackend(dir, { rescanMs: 0 });
      const b = new BrowserTool(backend);
      assert.match(b.namespace.description!, /sources=local documents$/);
      const krill = await call(b, 'search', { query: 'krill' });
      const whalesId = Number(/【(\d)†Whales†whales\.md】 Blue whales eat krill/.exec(krill)?.[1]);
      assert.match(krill, /【\d†notes\.txt†notes\.txt】 Shopping list/);
      assert.doesNotMatch(krill, /Cats/);
      assert.match(await call(b, 'open', { id: whalesId }), /Blue whales eat krill/);
      assert.match(await call(b, 'search', { query: 'revenue' }), /report\.pdf/);
      const cats = await call(b, 'search', { query: 'mice' });
      assert.match(cats, /【0†Cats†cats\.html】/);
      const catPage = await call(b, 'open', { id: 0 });
      assert.match(catPage, /【0†whales】/);
      assert.match(await call(b, 'open', { id: 0 }), /Blue whales eat krill/, 'a relative link between documents opens');

      assert.match(await call(b, 'search', { query: 'zebra' }), /No results for `zebra`/);
      writeFileSync(join(dir, 'zebra.md'), '# Zebras\n\nZebras have stripes.\n');
      assert.match(await call(b, 'search', { query: 'zebra' }), /Zebras/, 'a new file is found');
      writeFileSync(join(dir, 'notes.txt'), 'Shopping list: apples only, no more fish oil.\n');
      assert.doesNotMatch(await call(b, 'search', { query: 'krill' }), /notes\.txt/, 'an edited file is reindexed');
      unlinkSync(join(dir, 'whales.md'));
      assert.doesNotMatch(await call(b, 'search', { query: 'krill' }), /whales\.md/, 'a deleted file leaves the index');

      assert.match(await call(b, 'open', { id: pathToFileURL('/etc/passwd').href }), /outside the documents folder/);
      assert.match(await call(b, 'open', { id: `${site.base}/` }), /only opens the local documents/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
