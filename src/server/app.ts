import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { chatCompletions } from './chat-completions.js';
import { ApiError, invalidRequest, notFound, toApiError } from './errors.js';
import { RequestLog, stderrSink, type LogSink } from './request-log.js';
import { createResponse, deleteResponse, getResponse } from './responses.js';
import { ResponseStore } from './response-store.js';
import type { ServedModel } from './served-model.js';
import { registerChatPage } from './chat-page.js';
import { checkModelName } from './model-names.js';
import { registerOllamaRoutes } from './ollama/routes.js';
import { ServerBuiltins, type BuiltinsConfig } from './builtin-tools.js';

export interface AppOptions {
  /** Requests to /v1 need `Authorization: Bearer <apiKey>`; without one, no key is needed. */
  apiKey?: string;
  /** Largest request body in bytes (default 8 MiB); a larger one gets 413. */
  bodyLimit?: number;
  /** Where the per-request JSON log lines go (default stderr). */
  log?: LogSink;
  /** Responses kept for previous_response_id and GET (default 1000, oldest dropped first). */
  storeLimit?: number;
  /** Aborting it cancels every running generation (shutdown). */
  shutdown?: AbortSignal;
  /** Built-in tools the server runs inside requests (serve --browser, --python); none by default. */
  builtins?: BuiltinsConfig;
}

/** The served model, once loaded: /health answers 503 and /v1 routes 503 until it is. */
export type ModelRef = () => ServedModel | undefined;

type Env = { Variables: { log: RequestLog } };

const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

/**
 * The OpenAI-compatible HTTP API as a Hono app: web-standard Request -> Response, so the same app
 * runs on node's http server (serve.ts) and in tests. Every error leaves as an OpenAI-style body.
 */
export function createApp(model: ModelRef, options: AppOptions = {}): Hono<Env> {
  const app = new Hono<Env>();
  const sink = options.log ?? stderrSink;
  const store = new ResponseStore(options.storeLimit ?? 1000);
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const builtins = new ServerBuiltins(options.builtins, options.shutdown);

  app.use('*', async (c, next) => {
    const log = new RequestLog(c.req.method, c.req.path, sink);
    c.set('log', log);
    await next();
    if (!log.deferred) log.finish(c.res.status);
  });

  app.onError((e) => respondError(toApiError(e)));
  app.notFound((c) => respondError(notFound(`no route for ${c.req.method} ${c.req.path}`, null, 'unknown_url')));

  app.get('/health', (c) => {
    const m = model();
    return m ? c.json({ status: 'ok', model: m.id }, 200) : c.json({ status: 'loading' }, 503);
  });

  app.use('/v1/*', async (c, next) => {
    if (options.apiKey !== undefined && !keyMatches(c.req.header('authorization'), options.apiKey)) {
      throw new ApiError(401, 'Incorrect or missing API key: send the server\'s key as "Authorization: Bearer <key>"', 'invalid_request_error', null, 'invalid_api_key');
    }
    if (!model()) throw new ApiError(503, 'the model is still loading; retry when GET /health answers 200', 'server_error', null, 'model_loading', { 'Retry-After': '5' });
    await next();
  });
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: limit,
      onError: () => respondError(new ApiError(413, `the request body is larger than the server's limit of ${limit} bytes`, 'invalid_request_error', null, 'request_too_large')),
    }),
  );

  const served = (): ServedModel => model()!;
  const shutdown = options.shutdown;
  /** The client's disconnect or the server's shutdown, whichever comes first. */
  const signalOf = (c: Context): AbortSignal => (shutdown ? AbortSignal.any([c.req.raw.signal, shutdown]) : c.req.raw.signal);

  app.get('/v1/models', (c) => {
    const m = served();
    return c.json({ object: 'list', data: [m.id, ...m.aliases].map(modelEntry) });
  });
  app.get('/v1/models/:id{.+}', (c) => {
    const m = served();
    const id = c.req.param('id');
    checkModelName(m, id);
    return c.json(modelEntry(id));
  });

  app.post('/v1/chat/completions', async (c) => chatCompletions(await jsonBody(c), served(), c.get('log'), signalOf(c), builtins));
  app.post('/v1/responses', async (c) => createResponse(await jsonBody(c), served(), store, c.get('log'), signalOf(c), builtins));
  app.get('/v1/responses/:id', (c) => c.json(getResponse(store, c.req.param('id'))));
  app.delete('/v1/responses/:id', (c) => c.json(deleteResponse(store, c.req.param('id'))));
  registerOllamaRoutes(app, model, { ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}), ...(shutdown ? { shutdown } : {}), bodyLimit: limit, builtins });
  registerChatPage(app);
  return app;
}

const CREATED = Math.floor(Date.now() / 1000);

function modelEntry(id: string): Record<string, unknown> {
  return { id, object: 'model', created: CREATED, owned_by: 'gpt-oss-ts' };
}

function respondError(e: ApiError): Response {
  return new Response(JSON.stringify(e.body()), { status: e.status, headers: { 'content-type': 'application/json', ...e.headers } });
}

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw invalidRequest(`We could not parse the JSON body of your request (${why}); send a JSON object with Content-Type: application/json`, null, 'invalid_json');
  }
}

function keyMatches(header: string | undefined, key: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!.trim());
  const want = Buffer.from(key);
  return given.length === want.length && timingSafeEqual(given, want);
}
