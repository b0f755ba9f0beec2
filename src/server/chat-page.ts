import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Context, Hono, Env } from 'hono';

/**
 * The chat page at `/`: static files shipped in web/chat/ (plain JavaScript, no build step) plus the
 * two libraries it renders markdown with, served from this package's own node_modules, so the page
 * needs no CDN and works offline. A client that does not ask for HTML gets Ollama's "Ollama is
 * running", which Ollama front ends probe for.
 */

interface Asset {
  body: string;
  type: string;
}

// Two levels above both src/server and dist/server.
const WEB = new URL('../../web/chat/', import.meta.url);

function file(path: URL | string, type: string): Asset {
  return { body: readFileSync(path, 'utf8'), type };
}

function loadAssets(): Map<string, Asset> {
  const js = 'text/javascript; charset=utf-8';
  return new Map([
    ['/chat/app.js', file(new URL('app.js', WEB), js)],
    ['/chat/style.css', file(new URL('style.css', WEB), 'text/css; charset=utf-8')],
    ['/chat/vendor/marked.js', file(fileURLToPath(import.meta.resolve('marked')), js)],
    ['/chat/vendor/purify.js', file(fileURLToPath(import.meta.resolve('dompurify')), js)],
  ]);
}

// The page runs only its own scripts and talks only to this server.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function registerChatPage<E extends Env>(app: Hono<E>): void {
  let assets: Map<string, Asset> | undefined;
  let index: string | undefined;
  const send = (c: Context<E>, a: Asset): Response =>
    c.body(a.body, 200, { 'content-type': a.type, 'cache-control': 'no-cache', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' });
  app.get('/', (c) => {
    if (!(c.req.header('accept') ?? '').includes('text/html')) return c.text('Ollama is running');
    index ??= readFileSync(new URL('index.html', WEB), 'utf8');
    return send(c, { body: index, type: 'text/html; charset=utf-8' });
  });
  app.get('/chat/*', (c) => {
    assets ??= loadAssets();
    const a = assets.get(c.req.path);
    return a ? send(c, a) : c.text('not found', 404);
  });
}
