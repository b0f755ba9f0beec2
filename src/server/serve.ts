import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Engine, type LoadOptions } from '../engine/index.js';
import { createApp, type AppOptions } from './app.js';
import type { ServedModel } from './served-model.js';
import { SessionPool } from './session-pool.js';

export interface ServeOptions extends AppOptions {
  host?: string;
  port?: number;
  /** Sessions decoded together (default 1). */
  parallel?: number;
  /** Requests that may wait for a session beyond those being answered (default 64). */
  queue?: number;
  /** The id GET /v1/models lists. */
  modelId: string;
  aliases?: readonly string[];
  reasoningBudget?: number;
  /** The temperature when a request names none (default 1, as OpenAI's API). */
  defaultTemperature?: number;
  load?: Omit<LoadOptions, 'sessions'>;
}

export interface RunningServer {
  readonly url: string;
  /** Resolves once the model is loaded (rejects if loading fails; the server then stops). */
  readonly ready: Promise<ServedModel>;
  /** Stop accepting, cancel what is running, release the model. */
  close(): Promise<void>;
  /** Resolves when the server has stopped (after close). */
  readonly closed: Promise<void>;
}

/**
 * Listens first (GET /health answers 503 while the model loads), then loads the model with one KV
 * slot per --parallel session, then serves. `engine` may be given instead of a checkpoint (tests).
 */
export async function startServer(source: { dir: string } | { engine: Engine | Promise<Engine> }, options: ServeOptions): Promise<RunningServer> {
  const parallel = options.parallel ?? 1;
  let served: ServedModel | undefined;
  const shutdown = new AbortController();
  const app = createApp(() => served, { ...options, shutdown: shutdown.signal });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: options.host ?? '127.0.0.1' }) as Server;
  // A keep-alive socket left open by a client must not hold shutdown up.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let engine: Engine | undefined;
  let closing: Promise<void> | undefined;
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((r) => (markClosed = r));

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      served?.pool.close();
      shutdown.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Streams end within a decode step of their abort; a client that keeps its socket gets cut.
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      // Aborted turns end within a decode step; the model is released once none is running.
      for (let waited = 0; served && served.pool.busy > 0 && waited < 30_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      engine?.dispose();
      markClosed();
    })());

  const ready = (async () => {
    try {
      engine = 'engine' in source ? await source.engine : await Engine.load(source.dir, { ...options.load, sessions: parallel });
      const sessions = Array.from({ length: parallel }, () => engine!.createSession());
      served = {
        engine,
        pool: new SessionPool(sessions, options.queue ?? 64),
        id: options.modelId,
        aliases: options.aliases ?? [],
        ...(options.reasoningBudget !== undefined ? { reasoningBudget: options.reasoningBudget } : {}),
        ...(options.defaultTemperature !== undefined ? { defaultTemperature: options.defaultTemperature } : {}),
      };
      return served;
    } catch (e) {
      await close();
      throw e;
    }
  })();
  ready.catch(() => {});
  return { url: `http://${host}:${address.port}`, ready, close, closed };
}
