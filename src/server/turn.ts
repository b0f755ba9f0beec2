import type { ChatMessage, Engine, FinishReason, Timings } from '../engine/index.js';
import type { Message } from '../harmony/index.js';
import { CitationStream, type PageContents, type UrlCitation } from '../tools/index.js';
import type { Lease } from './session-pool.js';
import type { TurnOptions } from './served-model.js';
import { StopFilter } from './stop-filter.js';

// The engine's tokenizer, named through the engine (server/ does not import tokenizer/).
type Tokenizer = Engine['tokenizer'];

/** One token's log-probability as both OpenAI APIs spell it. */
export interface LogprobOut {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

export interface TurnUsage {
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
}

/** What a turn produces, in the order the APIs present it; both handlers read this stream. */
export type TurnEvent =
  /** The first token was sampled (the prompt was accepted): handlers answer with headers from here. */
  | { type: 'started' }
  | { type: 'reasoning'; delta: string }
  /** `annotations`: browser citations in final text (indices into the turn's final text). */
  | { type: 'text'; delta: string; channel: string; logprobs: LogprobOut[]; annotations?: UrlCitation[] }
  | { type: 'tool_start'; index: number; callId: string; name: string }
  | { type: 'tool_args'; index: number; delta: string }
  | { type: 'tool_done'; index: number; callId: string; name: string; arguments: string }
  /** A call of a built-in tool the server runs (browser.*, python): announced, streamed, complete, answered. */
  | { type: 'builtin_start'; callId: string; recipient: string }
  | { type: 'builtin_args'; callId: string; delta: string }
  | { type: 'builtin_call'; callId: string; recipient: string; arguments: string }
  /** `page`: the browser's page after the call (what it opened or searched). */
  | { type: 'builtin_result'; callId: string; recipient: string; arguments: string; output: string; page?: PageContents }
  | { type: 'done'; reason: FinishReason; usage: TurnUsage; timings: Timings; messages: Message[] };

export interface TurnSettings {
  stop?: readonly string[];
  /** The client's signal (disconnect, shutdown). */
  signal?: AbortSignal;
  /** The browser's pages when the server runs it: citations in the answer become annotations. */
  pages?: () => readonly PageContents[];
}

const isBuiltin = (recipient: string): boolean => !recipient.startsWith('functions.');

/** `functions.get_weather` -> `get_weather`; built-in recipients keep their namespace. */
export function functionName(recipient: string): string {
  return recipient.startsWith('functions.') ? recipient.slice('functions.'.length) : recipient;
}

/**
 * Runs one assistant turn on a leased session and translates the engine's events: final text cut
 * at stop sequences (which end generation), logprobs attached to the text they produced, tool
 * calls announced, streamed and completed with one index each. The lease is released when the
 * turn ends, however it ends.
 */
export async function* runTurn(
  lease: Lease,
  tokenizer: Tokenizer,
  messages: readonly ChatMessage[],
  options: TurnOptions,
  settings: TurnSettings = {},
): AsyncGenerator<TurnEvent> {
  const stopper = new AbortController();
  const onAbort = (): void => stopper.abort();
  settings.signal?.addEventListener('abort', onAbort, { once: true });
  if (settings.signal?.aborted) stopper.abort();
  const filter = new StopFilter(settings.stop ?? []);
  const calls = new Map<string, { index: number; name: string; args: string }>();
  let pendingToken: LogprobOut | undefined;
  let started = false;
  const builtinArgs = new Map<string, string>();
  const cite = settings.pages ? new CitationStream(settings.pages) : undefined;
  /** Final text with citations rewritten (a partial marker held back until complete). */
  function* finalText(delta: string, logprobs: LogprobOut[], last = false): Generator<TurnEvent> {
    if (!cite) {
      if (delta !== '') yield { type: 'text', delta, channel: 'final', logprobs };
      return;
    }
    const pushed = cite.push(delta);
    const done = last ? cite.finish() : { text: '', annotations: [] };
    const text = pushed.text + done.text;
    if (text !== '') yield { type: 'text', delta: text, channel: 'final', logprobs, annotations: [...pushed.annotations, ...done.annotations] };
  }
  try {
    // rawTokens: a token event for every sampled token, so the turn's start is known at its first token.
    const events = lease.session.chat(messages, { ...options, rawTokens: true, signal: stopper.signal }) ;
    for await (const e of events) {
      if (!started && e.type !== 'done') {
        started = true;
        yield { type: 'started' };
      }
      switch (e.type) {
        case 'token':
          pendingToken = e.logprob === undefined ? undefined : logprobOf(tokenizer, e.token, e.logprob, e.topLogprobs ?? []);
          break;
        case 'reasoning':
          yield { type: 'reasoning', delta: e.delta };
          break;
        case 'text': {
          const logprobs = pendingToken ? [pendingToken] : [];
          pendingToken = undefined;
          if (e.channel !== 'final') {
            yield { type: 'text', delta: e.delta, channel: e.channel, logprobs };
            break;
          }
          yield* finalText(filter.push(e.delta), logprobs);
          if (filter.stopped) stopper.abort();
          break;
        }
        case 'tool_call_delta': {
          if (isBuiltin(e.recipient)) {
            if (!builtinArgs.has(e.callId)) yield { type: 'builtin_start', callId: e.callId, recipient: e.recipient };
            builtinArgs.set(e.callId, (builtinArgs.get(e.callId) ?? '') + e.delta);
            yield { type: 'builtin_args', callId: e.callId, delta: e.delta };
            break;
          }
          let call = calls.get(e.callId);
          if (!call) {
            call = { index: calls.size, name: functionName(e.recipient), args: '' };
            calls.set(e.callId, call);
            yield { type: 'tool_start', index: call.index, callId: e.callId, name: call.name };
          }
          call.args += e.delta;
          yield { type: 'tool_args', index: call.index, delta: e.delta };
          break;
        }
        case 'tool_call': {
          if (isBuiltin(e.recipient)) {
            if (!builtinArgs.has(e.callId)) yield { type: 'builtin_start', callId: e.callId, recipient: e.recipient };
            builtinArgs.set(e.callId, e.arguments);
            yield { type: 'builtin_call', callId: e.callId, recipient: e.recipient, arguments: e.arguments };
            break;
          }
          let call = calls.get(e.callId);
          if (!call) {
            call = { index: calls.size, name: functionName(e.recipient), args: '' };
            calls.set(e.callId, call);
            yield { type: 'tool_start', index: call.index, callId: e.callId, name: call.name };
          }
          // Without argument deltas from the engine, the arguments go out as one delta here.
          if (call.args === '' && e.arguments !== '') yield { type: 'tool_args', index: call.index, delta: e.arguments };
          call.args = e.arguments;
          yield { type: 'tool_done', index: call.index, callId: e.callId, name: call.name, arguments: e.arguments };
          break;
        }
        case 'tool_result': {
          if (!isBuiltin(e.recipient)) break;
          const page = e.recipient.startsWith('browser.') ? settings.pages?.().at(-1) : undefined;
          yield { type: 'builtin_result', callId: e.callId, recipient: e.recipient, arguments: builtinArgs.get(e.callId) ?? '', output: e.output, ...(page ? { page } : {}) };
          break;
        }
        case 'done': {
          yield* finalText(filter.flush(), [], true);
          const u = e.usage;
          const reason: FinishReason = filter.stopped && e.reason === 'aborted' && !settings.signal?.aborted ? 'stop' : e.reason;
          yield {
            type: 'done',
            reason,
            usage: {
              promptTokens: u.promptTokens,
              cachedTokens: u.reusedTokens,
              completionTokens: u.completionTokens,
              reasoningTokens: u.reasoningTokens,
            },
            timings: e.timings,
            messages: e.messages,
          };
          break;
        }
        default:
          break;
      }
    }
  } finally {
    settings.signal?.removeEventListener('abort', onAbort);
    lease.release();
  }
}

function logprobOf(tokenizer: Tokenizer, token: number, logprob: number, top: readonly { token: number; logprob: number }[]): LogprobOut {
  const entry = (id: number, lp: number): { token: string; logprob: number; bytes: number[] } => ({
    token: tokenizer.decode([id]),
    logprob: lp,
    bytes: Array.from(tokenizer.tokenBytes(id)),
  });
  return { ...entry(token, logprob), top_logprobs: top.map((t) => entry(t.token, t.logprob)) };
}

/**
 * `first` (already taken from `events`, to learn of set-up errors before answering) followed by the
 * rest; stopping early closes `events` too, so its lease is released.
 */
export async function* withFirst(first: IteratorResult<TurnEvent>, events: AsyncGenerator<TurnEvent>): AsyncGenerator<TurnEvent> {
  try {
    if (!first.done) yield first.value;
    yield* events;
  } finally {
    await events.return(undefined);
  }
}
