/**
 * Headless Chromium with WebGPU on SwiftShader (the CPU), for testing the webgpu backend in a real
 * browser: an esbuild bundle of an entry module, served from 127.0.0.1 (a secure context, as
 * WebGPU requires), loaded in Debian's chromium driven by playwright-core.
 */
import { existsSync, mkdtempSync, rmSync, statSync, createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { bundleForBrowser } from '../../scripts/web-bundle.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags that give headless Chromium a WebGPU adapter without a GPU (found to work with Debian's chromium 156). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumMissing(): string | null {
  if (existsSync(CHROMIUM)) return null;
  return `chromium is not installed at ${CHROMIUM}; install it with: sudo apt-get install -y chromium (or set CHROMIUM_PATH)`;
}

/** Bundles `entry` (relative to the repository) as an ES module for the browser; Node built-ins make the build fail. */
export async function bundle(entry: string): Promise<string> {
  return (await bundleForBrowser(join(ROOT, entry))) as string;
}

export interface Served {
  /** Text served at a path (content type from the extension). */
  text?: Record<string, string>;
  /** Files from disk served at a path, with HTTP Range support. */
  files?: Record<string, string>;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.css': 'text/css' };

function contentType(path: string): string {
  if (path.endsWith('/')) return 'text/html';
  const ext = path.slice(path.lastIndexOf('.'));
  return TYPES[ext] ?? 'application/octet-stream';
}

/** Serves fixed text and files (Range requests answered with 206) on 127.0.0.1; counts requests per path. */
export async function serve(served: Served): Promise<{ url: string; requests: Map<string, number>; close: () => Promise<void> }> {
  const requests = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const text = served.text?.[path];
    if (text !== undefined) {
      res.writeHead(200, { 'content-type': contentType(path), 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    const file = served.files?.[path];
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const size = statSync(file).size;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start > end || start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` });
        res.end();
        return;
      }
      res.writeHead(206, { 'content-type': contentType(path), 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' });
      createReadStream(file, { start, end }).pipe(res);
      return;
    }
    res.writeHead(200, { 'content-type': contentType(path), 'content-length': size, 'accept-ranges': 'bytes' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface BrowserPage {
  page: Page;
  url: string;
  /** The page's console output and uncaught errors, for failure messages. */
  log: string[];
  requests: Map<string, number>;
  close(): Promise<void>;
}

/** Serves `served` plus a page at `/` that loads `/bundle.js`, and opens it in headless chromium. */
export async function openPage(bundleText: string, served: Served = {}, html?: string, path = '/'): Promise<BrowserPage> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const page0 = html ?? '<!doctype html><meta charset="utf-8"><title>webgpu test</title><script type="module" src="/bundle.js"></script>';
  const server = await serve({ text: { '/': page0, '/bundle.js': bundleText, ...served.text }, files: served.files ?? {} });
  const userDir = mkdtempSync(join(tmpdir(), 'gpt-oss-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(userDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = context.pages()[0] ?? (await context.newPage());
    const log: string[] = [];
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    await page.goto(`${server.url}${path}`);
    const ctx = context;
    return {
      page,
      url: server.url,
      log,
      requests: server.requests,
      async close() {
        await ctx.close();
        await server.close();
        rmSync(userDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close();
    await server.close();
    rmSync(userDir, { recursive: true, force: true });
    throw e;
  }
}
