import { randomUUID } from 'node:crypto';
import { notFound } from './errors.js';
import { responsesRequestSchema, type ResponsesRequest } from './protocol/responses-schema.js';
import { validateBody } from './protocol/validate.js';
import { linkedAbort } from './request-common.js';
import type { RequestLog } from './request-log.js';
import { ResponseBuilder, responseUsage, type ResponseEvent } from './response-builder.js';
import { responsesConversation, responsesOptions } from './responses-input.js';
import type { ResponseStore } from './response-store.js';
import { checkModelName } from './model-names.js';
import type { ServedModel } from './served-model.js';
import { sseResponse } from './sse.js';
import { startTurn } from './start-turn.js';
import type { ServerBuiltins } from './builtin-tools.js';
import { echoTool, responsesBuiltins } from './responses-builtins.js';

type Json = Record<string, unknown>;

/** The response object around `output`, echoing the request's settings as OpenAI's server does. */
function responseObject(id: string, req: ResponsesRequest, model: ServedModel, createdAt: number, fields: Json, containerId?: string): Json {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    max_tool_calls: null,
    metadata: req.metadata ?? {},
    model: req.model ?? model.id,
    output: [],
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: req.previous_response_id ?? null,
    reasoning: { effort: req.reasoning?.effort ?? 'medium', summary: null },
    service_tier: 'default',
    store: req.store ?? true,
    temperature: req.temperature ?? model.defaultTemperature ?? 1,
    text: { format: req.text?.format ?? { type: 'text' } },
    tool_choice: req.tool_choice ?? 'auto',
    tools: (req.tools ?? []).map((t) => echoTool(t, containerId)),
    top_logprobs: 0,
    top_p: req.top_p ?? 1,
    truncation: 'disabled',
    usage: null,
    user: req.user ?? null,
    ...fields,
  };
}

/** POST /v1/responses. */
export async function createResponse(body: unknown, model: ServedModel, store: ResponseStore, log: RequestLog, clientSignal: AbortSignal, builtins: ServerBuiltins): Promise<Response> {
  const req = validateBody(responsesRequestSchema, body);
  checkModelName(model, req.model);
  let previous;
  if (req.previous_response_id) {
    previous = store.get(req.previous_response_id);
    if (!previous) throw notFound(`Previous response with id '${req.previous_response_id}' not found`, 'previous_response_id', 'previous_response_not_found');
  }
  const { messages, callNames } = responsesConversation(req, previous);
  const options = responsesOptions(req, model);
  const abort = linkedAbort(clientSignal);
  // Built-ins run inside the request: their namespaces go in the prompt, their calls are answered here.
  const tools = builtins.open(responsesBuiltins(req, builtins));
  const { events, startedAt: turnStart } = await startTurn(model, messages, options, { param: 'input', signal: abort.signal, tools });
  const id = `resp_${randomUUID().replaceAll('-', '')}`;
  const createdAt = Math.floor(Date.now() / 1000);

  /** Runs the turn through a builder; returns the final response object (stored when `store`). */
  async function run(emit: (e: ResponseEvent) => void): Promise<Json> {
    const builder = new ResponseBuilder(emit, tools.containerId);
    builder.send('response.created', { response: responseObject(id, req, model, createdAt, {}, tools.containerId) });
    builder.send('response.in_progress', { response: responseObject(id, req, model, createdAt, {}, tools.containerId) });
    for await (const e of events) {
      builder.push(e);
      if (e.type !== 'done') continue;
      log.setUsage(e.usage);
      log.firstToken(turnStart + e.timings.firstTokenS * 1000);
      // Out of tokens, or ended on a built-in call it had no tokens or rounds left to run.
      const last = builder.output.at(-1);
      const cut = e.reason === 'length' || (e.reason === 'tool_call' && (last?.['status'] === 'failed' || last?.['status'] === 'incomplete'));
      for (const item of builder.output) if (item['type'] === 'function_call') callNames.set(item['call_id'] as string, item['name'] as string);
      const response = responseObject(id, req, model, createdAt, {
        status: cut ? 'incomplete' : 'completed',
        incomplete_details: cut ? { reason: 'max_output_tokens' } : null,
        completed_at: cut ? null : Math.floor(Date.now() / 1000),
        output: builder.output,
        usage: responseUsage(e.usage),
      }, tools.containerId);
      if (req.store !== false) store.put(id, { response, conversation: [...messages, ...e.messages], callNames });
      builder.send(cut ? 'response.incomplete' : 'response.completed', { response });
      return response;
    }
    throw new Error('the turn ended without a done event');
  }

  if (req.stream) {
    log.defer();
    return sseResponse(
      async (write) => {
        try {
          await run((e) => write(JSON.stringify(e), e.type));
          log.finish(abort.signal.aborted ? 499 : 200);
        } catch (e) {
          log.finish(500, { error: e instanceof Error ? e.message : String(e) });
          throw e;
        }
      },
      () => abort.abort(),
    );
  }
  return Response.json(await run(() => {}));
}

/** GET /v1/responses/{id}. */
export function getResponse(store: ResponseStore, id: string): Json {
  const stored = store.get(id);
  if (!stored) throw notFound(`No response with id '${id}' found`, 'response_id', 'response_not_found');
  return stored.response;
}

/** DELETE /v1/responses/{id}. */
export function deleteResponse(store: ResponseStore, id: string): Json {
  if (!store.delete(id)) throw notFound(`No response with id '${id}' found`, 'response_id', 'response_not_found');
  return { id, object: 'response', deleted: true };
}
