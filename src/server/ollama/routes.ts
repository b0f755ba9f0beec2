import { timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, invalidRequest, toApiError } from '../errors.js';
import type { RequestLog } from '../request-log.js';
import type { ServedModel } from '../served-model.js';
import { errorLine, ollamaChat, ollamaGenerate } from './chat.js';
import { ps, show, tags, version } from './info.js';
import type { ServerBuiltins } from '../builtin-tools.js';

export interface OllamaRouteOptions {
  /** The server's API key: required on /api as on /v1 (Ollama's clients send it as a header). */
  apiKey?: string;
  /** Aborting it cancels running generations (shutdown). */
  shutdown?: AbortSignal;
  /** Largest request body in bytes; a larger one gets 413. */
  bodyLimit?: number;
  /** Built-in tools the server runs (serve --browser, --python): /api/chat declares and runs them. */
  builtins?: ServerBuiltins;
}

type Env = { Variables: { log: RequestLog } };

/**
 * Ollama's API (/api/chat, /api/generate, /api/tags, /api/show, /api/ps, /api/version) on the same
 * server and the same model; errors leave in Ollama's shape, `{"error": "..."}`, with the status the
 * OpenAI routes would give.
 */
export function registerOllamaRoutes<E extends Env>(app: Hono<E>, model: () => ServedModel | undefined, options: OllamaRouteOptions = {}): void {
  const guard = (c: Context<E>): ServedModel => {
    if (options.apiKey !== undefined && !keyMatches(c.req.header('authorization'), options.apiKey)) {
      throw new ApiError(401, 'Incorrect or missing API key: send the server\'s key as "Authorization: Bearer <key>"', 'invalid_request_error', null, 'invalid_api_key');
    }
    const m = model();
    if (!m) throw new ApiError(503, 'the model is still loading; retry shortly', 'server_error', null, 'model_loading', { 'Retry-After': '5' });
    return m;
  };
  const handle =
    (run: (c: Context<E>, m: ServedModel) => Promise<Response> | Response) =>
    async (c: Context<E>): Promise<Response> => {
      try {
        return await run(c, guard(c));
      } catch (e) {
        const err = toApiError(e);
        return new Response(JSON.stringify(errorLine(err)), { status: err.status, headers: { 'content-type': 'application/json', ...err.headers } });
      }
    };
  const limit = options.bodyLimit ?? 8 * 1024 * 1024;
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: limit,
      onError: () => Response.json({ error: `the request body is larger than the server's limit of ${limit} bytes` }, { status: 413 }),
    }),
  );
  const signalOf = (c: Context<E>): AbortSignal => (options.shutdown ? AbortSignal.any([c.req.raw.signal, options.shutdown]) : c.req.raw.signal);

  app.post('/api/chat', handle(async (c, m) => ollamaChat(await jsonBody(c), m, c.get('log'), signalOf(c), options.builtins)));
  app.post('/api/generate', handle(async (c, m) => ollamaGenerate(await jsonBody(c), m, c.get('log'), signalOf(c))));
  app.get('/api/tags', handle((_c, m) => Response.json(tags(m))));
  app.post('/api/show', handle(async (c, m) => Response.json(show(await jsonBody(c), m))));
  app.get('/api/ps', handle((_c, m) => Response.json(ps(m))));
  // Clients ask for the version before anything else, with no key: it names no model.
  app.get('/api/version', () => Response.json(version()));
  // Anything else under /api answers in Ollama's shape too, so its clients show the message.
  app.all('/api/*', (c) => {
    const name = c.req.path.slice('/api/'.length);
    const why = MANAGEMENT.has(name)
      ? `this server does not ${name} models over the API: it serves one model; models are managed with 'gpt-oss pull', 'gpt-oss list' and 'gpt-oss rm' on its machine`
      : name === 'embed' || name === 'embeddings'
        ? 'embeddings are not offered: gpt-oss is a chat model'
        : `no route for ${c.req.method} ${c.req.path}`;
    return Response.json({ error: why }, { status: 404 });
  });
}

/** Ollama's model management endpoints, which a one-model server does not offer. */
const MANAGEMENT = new Set(['pull', 'push', 'create', 'copy', 'delete']);

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw invalidRequest(`the request body is not JSON (${e instanceof Error ? e.message : String(e)})`, null, 'invalid_json');
  }
}

function keyMatches(header: string | undefined, key: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!.trim());
  const want = Buffer.from(key);
  return given.length === want.length && timingSafeEqual(given, want);
}
