import type { ChatMessage, FinishReason } from '../../engine/index.js';
import { invalidRequest, notFound, toApiError } from '../errors.js';
import { validateBody } from '../protocol/validate.js';
import type { RequestLog } from '../request-log.js';
import { linkedAbort } from '../request-common.js';
import type { ServedModel, TurnOptions } from '../served-model.js';
import { startTurn } from '../start-turn.js';
import type { TurnEvent } from '../turn.js';
import { chatMessagesOf, turnOptionsOf } from './convert.js';
import { isServedName, ollamaNames } from '../model-names.js';
import { ndjsonResponse } from './ndjson.js';
import { ollamaChatSchema, ollamaGenerateSchema } from './schema.js';
import type { RequestTools, ServerBuiltins } from '../builtin-tools.js';
import type { BuiltinCallOut } from '../chat-builtins.js';

/** POST /api/chat and POST /api/generate: one engine turn, answered in Ollama's shapes. */

type Shape = 'chat' | 'generate';

interface OllamaToolCall {
  id: string;
  function: { index: number; name: string; arguments: unknown };
}

const DONE_REASON: Record<FinishReason, string> = { stop: 'stop', length: 'length', tool_call: 'stop', aborted: 'stop' };

function checkName(model: ServedModel, name: string): void {
  if (!isServedName(model, name)) {
    throw notFound(`model '${name}' not found; this server serves '${ollamaNames(model)[0]}' (see GET /api/tags)`, 'model', 'model_not_found');
  }
}

function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Ollama's clients expect an object; arguments that are not JSON are passed on as text.
    return text;
  }
}

export function errorLine(e: unknown): { error: string } {
  return { error: toApiError(e).message };
}

export async function ollamaChat(body: unknown, model: ServedModel, log: RequestLog, signal: AbortSignal, builtins?: ServerBuiltins): Promise<Response> {
  const req = validateBody(ollamaChatSchema, body);
  checkName(model, req.model);
  if (req.messages.length === 0) return loadAnswer('chat', req.model, req.keep_alive);
  const { options, stop, showThinking } = turnOptionsOf(req, model);
  // The server's built-ins (serve --browser, --python) are declared and run, as on Chat Completions.
  const tools = builtins?.open(builtins.all());
  return answer('chat', req.model, req.stream !== false, chatMessagesOf(req.messages), options, stop, showThinking, model, log, signal, tools);
}

export async function ollamaGenerate(body: unknown, model: ServedModel, log: RequestLog, signal: AbortSignal): Promise<Response> {
  const req = validateBody(ollamaGenerateSchema, body);
  checkName(model, req.model);
  if (req.raw) throw invalidRequest('raw prompts are not supported: this server renders the harmony format itself; send the prompt without raw', 'raw', 'unsupported_value');
  if (req.suffix) throw invalidRequest('suffix (fill in the middle) is not supported by gpt-oss', 'suffix', 'unsupported_value');
  if (req.images?.length) throw invalidRequest('images are not supported: this model reads text only', 'images', 'unsupported_value');
  if (!req.prompt) return loadAnswer('generate', req.model, req.keep_alive);
  const messages: ChatMessage[] = [];
  if (req.system) messages.push({ role: 'system', content: req.system });
  messages.push({ role: 'user', content: req.prompt });
  const { options, stop, showThinking } = turnOptionsOf(req, model);
  return answer('generate', req.model, req.stream !== false, messages, options, stop, showThinking, model, log, signal);
}

/**
 * Ollama's answer to a request without input: it loads the model, or with `keep_alive` 0 unloads it,
 * and says which. This server keeps its one model loaded for as long as it runs, but answers as Ollama
 * does, so clients that unload (`ollama stop`, front ends freeing memory) see their request succeed.
 */
function loadAnswer(shape: Shape, name: string, keepAlive: string | number | null | undefined): Response {
  const reason = isZeroDuration(keepAlive) ? 'unload' : 'load';
  const base = { model: name, created_at: new Date().toISOString() };
  return Response.json(shape === 'chat' ? { ...base, message: { role: 'assistant', content: '' }, done_reason: reason, done: true } : { ...base, response: '', done_reason: reason, done: true });
}

/** keep_alive of zero as Ollama reads it: seconds as a number, or a Go duration (`0`, `0s`, `0m`). */
function isZeroDuration(keepAlive: string | number | null | undefined): boolean {
  if (typeof keepAlive === 'number') return keepAlive === 0;
  return typeof keepAlive === 'string' && /^[-+]?(0+(\.0*)?|\.0+)(ns|us|µs|μs|ms|s|m|h)?$/.test(keepAlive.trim());
}

async function answer(
  shape: Shape,
  name: string,
  stream: boolean,
  messages: ChatMessage[],
  options: TurnOptions,
  stop: string[],
  showThinking: boolean,
  model: ServedModel,
  log: RequestLog,
  clientSignal: AbortSignal,
  tools?: RequestTools,
): Promise<Response> {
  const t0 = performance.now();
  const abort = linkedAbort(clientSignal);
  const { events } = await startTurn(model, messages, options, { param: shape === 'chat' ? 'messages' : 'prompt', signal: abort.signal, stop, tools });
  const head = (): { model: string; created_at: string } => ({ model: name, created_at: new Date().toISOString() });
  let callIndex = 0;
  const toolCall = (e: Extract<TurnEvent, { type: 'tool_done' }>): OllamaToolCall => ({ id: e.callId, function: { index: callIndex++, name: e.name, arguments: parsedArguments(e.arguments) } });
  const piece = (content: string, thinking: string, calls: OllamaToolCall[], builtinCalls: BuiltinCallOut[] = []): Record<string, unknown> => {
    if (shape === 'generate') return { response: content, ...(thinking ? { thinking } : {}) };
    const message: Record<string, unknown> = { role: 'assistant', content };
    if (thinking) message['thinking'] = thinking;
    if (calls.length) message['tool_calls'] = calls;
    // Calls the server ran itself (see chat-builtins.ts): not tool_calls, which the client would run.
    if (builtinCalls.length) message['builtin_tool_calls'] = builtinCalls;
    return { message };
  };
  const builtinOut = (e: Extract<TurnEvent, { type: 'builtin_call' | 'builtin_result' }>): BuiltinCallOut =>
    e.type === 'builtin_result' ? { id: e.callId, name: e.recipient, arguments: e.arguments, output: e.output } : { id: e.callId, name: e.recipient, arguments: e.arguments };
  const doneFields = (e: Extract<TurnEvent, { type: 'done' }>): Record<string, unknown> => {
    log.setUsage(e.usage);
    log.firstToken(t0 + e.timings.firstTokenS * 1000);
    const ns = (s: number): number => Math.round(s * 1e9);
    return {
      done: true,
      done_reason: DONE_REASON[e.reason],
      total_duration: Math.round((performance.now() - t0) * 1e6),
      load_duration: ns(e.timings.loadS ?? 0),
      prompt_eval_count: e.usage.promptTokens,
      prompt_eval_duration: ns(e.timings.prefillS),
      eval_count: e.usage.completionTokens,
      eval_duration: ns(e.timings.decodeS),
    };
  };

  if (stream) {
    log.defer();
    return ndjsonResponse(
      async (write) => {
        try {
          for await (const e of events) {
            if (e.type === 'reasoning' && showThinking) write({ ...head(), ...piece('', e.delta, []), done: false });
            else if (e.type === 'text') write({ ...head(), ...piece(e.delta, '', []), done: false });
            else if (e.type === 'tool_done') write({ ...head(), ...piece('', '', [toolCall(e)]), done: false });
            else if (e.type === 'builtin_call' || e.type === 'builtin_result') write({ ...head(), ...piece('', '', [], [builtinOut(e)]), done: false });
            else if (e.type === 'done') write({ ...head(), ...piece('', '', []), ...doneFields(e) });
          }
          log.finish(abort.signal.aborted ? 499 : 200);
        } catch (e) {
          log.finish(500, { error: e instanceof Error ? e.message : String(e) });
          throw e;
        }
      },
      () => abort.abort(),
      errorLine,
    );
  }

  let content = '';
  let thinking = '';
  const calls: OllamaToolCall[] = [];
  const builtinCalls: BuiltinCallOut[] = [];
  for await (const e of events) {
    if (e.type === 'reasoning' && showThinking) thinking += e.delta;
    else if (e.type === 'text') content += e.delta;
    else if (e.type === 'tool_done') calls.push(toolCall(e));
    else if (e.type === 'builtin_result') builtinCalls.push(builtinOut(e));
    else if (e.type === 'done') return Response.json({ ...head(), ...piece(content, thinking, calls, builtinCalls), ...doneFields(e) });
  }
  throw new Error('the turn ended without a done event');
}
