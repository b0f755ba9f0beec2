import { randomUUID } from 'node:crypto';
import type { ChatMessage, FinishReason, PlainMessage } from '../engine/index.js';
import { functionRecipient } from '../engine/index.js';
import { message, toolCallMessage, toolResultMessage, type JsonValue, type Message } from '../harmony/index.js';
import { invalidRequest } from './errors.js';
import { chatRequestSchema, type ChatRequest } from './protocol/chat-schema.js';
import { validateBody } from './protocol/validate.js';
import type { RequestLog } from './request-log.js';
import { checkModelName } from './model-names.js';
import type { ServedModel, TurnOptions } from './served-model.js';
import { checkSchema, functionTool } from './schemas.js';
import { sseResponse } from './sse.js';
import { startTurn } from './start-turn.js';
import type { LogprobOut, TurnEvent, TurnUsage } from './turn.js';
import { effortOf, linkedAbort } from './request-common.js';
import type { ServerBuiltins } from './builtin-tools.js';
import { chatAnnotation, chatBuiltins, isBuiltinRecipient, type BuiltinCallOut } from './chat-builtins.js';

type TextContent = string | readonly { type: 'text'; text: string }[];
const textOf = (c: TextContent | null | undefined): string => (c == null ? '' : typeof c === 'string' ? c : c.map((p) => p.text).join(''));

/**
 * OpenAI chat messages -> the engine's messages. Assistant messages become harmony messages, so
 * what this server returned comes back exactly: `reasoning` (or `reasoning_content`) as the
 * analysis message, `tool_calls` as calls, `content` as the final answer; a tool message's
 * `tool_call_id` resolves to the function of the call it answers.
 */
export function chatMessagesOf(req: ChatRequest): ChatMessage[] {
  const callNames = new Map<string, string>();
  const out: ChatMessage[] = [];
  req.messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
      case 'user':
        out.push({ role: m.role, content: textOf(m.content) } satisfies PlainMessage);
        return;
      case 'assistant': {
        const reasoning = m.reasoning ?? m.reasoning_content;
        if (reasoning) out.push(message('assistant', reasoning, { channel: 'analysis' }));
        for (const call of m.tool_calls ?? []) {
          callNames.set(call.id, call.function.name);
          out.push(toolCallMessage(functionRecipient(call.function.name), call.function.arguments));
        }
        const content = textOf(m.content);
        if (content !== '' || !m.tool_calls?.length) out.push(message('assistant', content, { channel: 'final' }));
        return;
      }
      case 'tool': {
        const name = callNames.get(m.tool_call_id);
        if (name === undefined) {
          throw invalidRequest(
            `messages[${i}].tool_call_id '${m.tool_call_id}' does not match the id of any tool call in an earlier assistant message`,
            `messages[${i}].tool_call_id`,
            'invalid_value',
          );
        }
        out.push(toolResultMessage(functionRecipient(name), textOf(m.content)) satisfies Message);
        return;
      }
    }
  });
  return out;
}

export function chatOptionsOf(req: ChatRequest, model: ServedModel): TurnOptions {
  const options: TurnOptions = {};
  const effort = effortOf(req.reasoning?.effort ?? req.reasoning_effort);
  if (effort) options.reasoningEffort = effort;
  const budget = req.reasoning?.max_tokens ?? model.reasoningBudget;
  if (budget !== undefined) options.reasoningBudget = budget;
  if (req.tools?.length) {
    options.tools = req.tools.map((t, i) => functionTool(t.function.name, t.function.description, t.function.parameters, t.function.strict, `tools[${i}].function.parameters`));
  }
  const choice = req.tool_choice;
  if (choice) {
    if (typeof choice === 'object') {
      if (!req.tools?.some((t) => t.function.name === choice.function.name) && !isBuiltinRecipient(choice.function.name)) {
        throw invalidRequest(`tool_choice names the function '${choice.function.name}', which is not among the request's tools`, 'tool_choice.function.name', 'invalid_value');
      }
      options.toolChoice = { name: choice.function.name };
    } else options.toolChoice = choice;
  }
  const format = req.response_format;
  if (format?.type === 'json_object') options.responseFormat = { type: 'json_object' };
  else if (format?.type === 'json_schema') {
    checkSchema(format.json_schema.schema ?? {}, 'response_format.json_schema.schema');
    options.responseFormat = { type: 'json_schema', schema: (format.json_schema.schema ?? {}) as JsonValue, name: format.json_schema.name };
    if (format.json_schema.strict != null) options.responseFormat.strict = format.json_schema.strict;
  }
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens != null) options.maxTokens = maxTokens;
  const temperature = req.temperature ?? model.defaultTemperature;
  if (temperature != null) options.temperature = temperature;
  if (req.top_p != null) options.topP = req.top_p;
  if (req.seed != null) options.seed = req.seed;
  if (req.logprobs) options.logprobs = req.top_logprobs ?? 0;
  else if (req.top_logprobs != null) throw invalidRequest('top_logprobs needs logprobs: true', 'top_logprobs', 'invalid_value');
  if (req.logit_bias) {
    const vocab = model.engine.tokenizer.vocabSize;
    const bias = new Map<number, number>();
    for (const [k, v] of Object.entries(req.logit_bias)) {
      const id = Number(k);
      if (id >= vocab) throw invalidRequest(`logit_bias names token ${id}, but the vocabulary has ${vocab} tokens`, `logit_bias.${k}`, 'invalid_value');
      bias.set(id, v);
    }
    options.logitBias = bias;
  }
  return options;
}

const FINISH: Record<FinishReason, 'stop' | 'length' | 'tool_calls'> = { stop: 'stop', length: 'length', tool_call: 'tool_calls', aborted: 'stop' };

/** A turn that ended on a built-in call the server did not run (out of tokens or tool rounds) was cut: 'length'. */
function finishOf(reason: FinishReason, builtinUnanswered: boolean): 'stop' | 'length' | 'tool_calls' {
  return reason === 'tool_call' && builtinUnanswered ? 'length' : FINISH[reason];
}

function usageOf(u: TurnUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

interface ToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** POST /v1/chat/completions. */
export async function chatCompletions(body: unknown, model: ServedModel, log: RequestLog, clientSignal: AbortSignal, builtins: ServerBuiltins): Promise<Response> {
  const req = validateBody(chatRequestSchema, body);
  checkModelName(model, req.model);
  if (req.n != null && req.n !== 1) throw invalidRequest(`n must be 1 (this server generates one choice per request), got ${req.n}`, 'n', 'unsupported_value');
  const messages = chatMessagesOf(req);
  const options = chatOptionsOf(req, model);
  const stop = req.stop == null ? [] : typeof req.stop === 'string' ? [req.stop] : req.stop;
  const abort = linkedAbort(clientSignal);
  const forced = typeof req.tool_choice === 'object' && req.tool_choice ? req.tool_choice.function.name : undefined;
  const tools = builtins.open(chatBuiltins(builtins, forced, 'tool_choice.function.name', req.web_search_options));
  const { events, startedAt } = await startTurn(model, messages, options, { param: 'messages', signal: abort.signal, stop, tools });
  const turn: Turn = {
    req,
    events,
    head: { id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model: req.model ?? model.id, system_fingerprint: 'gpt-oss-ts' },
    log,
    turnStart: startedAt,
  };
  if (!req.stream) return Response.json(await completion(turn));
  log.defer();
  return sseResponse(
    async (write) => {
      try {
        await streamChunks(turn, write);
        log.finish(abort.signal.aborted ? 499 : 200);
      } catch (e) {
        log.finish(500, { error: e instanceof Error ? e.message : String(e) });
        throw e;
      }
    },
    () => abort.abort(),
  );
}

interface Turn {
  req: ChatRequest;
  events: AsyncGenerator<TurnEvent>;
  head: Record<string, unknown>;
  log: RequestLog;
  turnStart: number;
}

/** The chat.completion object of a whole turn. */
async function completion({ req, events, head, log, turnStart }: Turn): Promise<Record<string, unknown>> {
  let content = '';
  let reasoning = '';
  const logprobs: LogprobOut[] = [];
  const toolCalls: ToolCallOut[] = [];
  const builtinCalls: BuiltinCallOut[] = [];
  const annotations: Record<string, unknown>[] = [];
  let unanswered = false;
  for await (const e of events) {
    if (e.type === 'reasoning') reasoning += e.delta;
    else if (e.type === 'text') {
      content += e.delta;
      logprobs.push(...e.logprobs);
      if (e.channel === 'final') annotations.push(...(e.annotations ?? []).map(chatAnnotation));
    } else if (e.type === 'builtin_call') unanswered = true;
    else if (e.type === 'builtin_result') {
      unanswered = false;
      builtinCalls.push({ id: e.callId, name: e.recipient, arguments: e.arguments, output: e.output });
    } else if (e.type === 'tool_done') toolCalls.push({ id: e.callId, type: 'function', function: { name: e.name, arguments: e.arguments } });
    else if (e.type === 'done') {
      log.setUsage(e.usage);
      log.firstToken(turnStart + e.timings.firstTokenS * 1000);
      const message: Record<string, unknown> = {
        role: 'assistant',
        content: content === '' && toolCalls.length > 0 ? null : content,
        reasoning,
        reasoning_content: reasoning,
        refusal: null,
      };
      if (toolCalls.length > 0) message['tool_calls'] = toolCalls;
      if (annotations.length > 0) message['annotations'] = annotations;
      if (builtinCalls.length > 0) message['builtin_tool_calls'] = builtinCalls;
      return {
        ...head,
        object: 'chat.completion',
        choices: [{ index: 0, message, logprobs: req.logprobs ? { content: logprobs, refusal: null } : null, finish_reason: finishOf(e.reason, unanswered) }],
        usage: usageOf(e.usage),
      };
    }
  }
  throw new Error('the turn ended without a done event');
}

/** The chat.completion.chunk stream of a turn: role, deltas, the finish chunk, the usage chunk, [DONE]. */
async function streamChunks({ req, events, head, log, turnStart }: Turn, write: (data: string) => void): Promise<void> {
  const includeUsage = req.stream_options?.include_usage === true;
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}): void => {
    const c: Record<string, unknown> = { ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: null, ...extra }] };
    if (includeUsage) c['usage'] = null;
    write(JSON.stringify(c));
  };
  chunk({ role: 'assistant', content: '' });
  let builtinIndex = 0;
  let unanswered = false;
  const builtinIndexes = new Map<string, number>();
  for await (const e of events) {
    switch (e.type) {
      case 'builtin_call': {
        const index = builtinIndex++;
        builtinIndexes.set(e.callId, index);
        unanswered = true;
        chunk({ builtin_tool_calls: [{ index, id: e.callId, name: e.recipient, arguments: e.arguments }] });
        break;
      }
      case 'builtin_result':
        unanswered = false;
        chunk({ builtin_tool_calls: [{ index: builtinIndexes.get(e.callId) ?? 0, id: e.callId, name: e.recipient, arguments: e.arguments, output: e.output }] });
        break;
      case 'reasoning':
        chunk({ reasoning: e.delta, reasoning_content: e.delta });
        break;
      case 'text':
        chunk({ content: e.delta, ...(e.annotations?.length ? { annotations: e.annotations.map(chatAnnotation) } : {}) }, req.logprobs ? { logprobs: { content: e.logprobs, refusal: null } } : {});
        break;
      case 'tool_start':
        chunk({ tool_calls: [{ index: e.index, id: e.callId, type: 'function', function: { name: e.name, arguments: '' } }] });
        break;
      case 'tool_args':
        chunk({ tool_calls: [{ index: e.index, function: { arguments: e.delta } }] });
        break;
      case 'done':
        log.setUsage(e.usage);
        log.firstToken(turnStart + e.timings.firstTokenS * 1000);
        chunk({}, { finish_reason: finishOf(e.reason, unanswered) });
        if (includeUsage) write(JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [], usage: usageOf(e.usage) }));
        write('[DONE]');
        break;
      default:
        break;
    }
  }
}
