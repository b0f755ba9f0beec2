// The Brave Search backend against a local stand-in of its API on 127.0.0.1 (GET /res/v1/web/search
// with the X-Subscription-Token header, answering Brave's JSON shape), and a result page to open.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BraveBackend, BrowserTool, createBrowserBackend } from '../../src/tools/index.js';

const KEY = 'brave-test-key';
let server: Server;
let base = '';
const seen: { path: string; query: string | null; count: string | null; token: string | undefined }[] = [];

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/res/v1/web/search') {
      seen.push({ path: url.pathname, query: url.searchParams.get('q'), count: url.searchParams.get('count'), token: req.headers['x-subscription-token'] as string | undefined });
      if (req.headers['x-subscription-token'] !== KEY) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"type":"ErrorResponse","error":{"code":"SUBSCRIPTION_TOKEN_INVALID"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          type: 'search',
          query: { original: url.searchParams.get('q') },
          web: {
            type: 'search',
            results: [
              { title: 'Blue <strong>whales</strong>', url: `${base}/whales`, description: 'The blue <strong>whale</strong> eats krill &amp; plankton.', type: 'search_result' },
              { title: 'Krill', url: `${base}/krill`, description: 'Small crustaceans.', type: 'search_result' },
            ],
          },
        }),
      );
      return;
    }
    if (url.pathname === '/whales') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>Blue whales</title></head><body><article><h1>Blue whales</h1><p>Blue whales eat up to four tonnes of krill a day.</p></article></body></html>');
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const call = (b: BrowserTool, fn: string, args: object): Promise<string> => b.call(`browser.${fn}`, JSON.stringify(args));

describe('browser: brave backend (local stand-in of the Brave Search API)', () => {
  it('searches with the key in X-Subscription-Token, lists plain-text results, opens one under the page rules', async () => {
    const b = new BrowserTool(new BraveBackend(KEY, `${base}/res/v1/web/search`, { allowHosts: ['127.0.0.1'] }));
    assert.match(b.namespace.description!, /sources=web$/);
    const out = await call(b, 'search', { query: 'blue whale food' });
    assert.deepEqual(seen.at(-1), { path: '/res/v1/web/search', query: 'blue whale food', count: '20', token: KEY });
    assert.match(out, /^\[0\] blue whale food\n/);
    assert.match(out, /【0†Blue whales†127\.0\.0\.1:\d+】 The blue whale eats krill & plankton\./);
    assert.match(out, /【1†Krill†127\.0\.0\.1:\d+】 Small crustaceans\./);
    assert.match(await call(b, 'open', { id: 0 }), /^\[1\] Blue whales[^]*four tonnes of krill/);
  });

  it('a wrong key, a missing key and a bad endpoint are clear errors', async () => {
    const wrong = new BrowserTool(new BraveBackend('nope', `${base}/res/v1/web/search`, { allowHosts: ['127.0.0.1'] }));
    assert.match(await call(wrong, 'search', { query: 'x' }), /refused the key \(HTTP 401\): check BRAVE_API_KEY/);
    assert.throws(() => createBrowserBackend({ backend: 'brave', env: {} }), /brave browser backend needs BRAVE_API_KEY/);
    assert.throws(() => createBrowserBackend({ backend: 'brave', env: { BRAVE_API_KEY: 'k', BRAVE_SEARCH_URL: 'not a url' } }), /BRAVE_SEARCH_URL is not a URL/);
    const fromEnv = createBrowserBackend({ backend: 'brave', env: { BRAVE_API_KEY: KEY, BRAVE_SEARCH_URL: `${base}/res/v1/web/search` }, allowHosts: ['127.0.0.1'] });
    assert.match(await call(new BrowserTool(fromEnv), 'search', { query: 'krill' }), /【1†Krill†/);
  });
});
