import { InvalidArgumentError } from '../core/errors.js';
import {
  STOP_TOKENS,
  STOP_TOKENS_FOR_ASSISTANT_ACTIONS,
  TOKEN_IDS,
  renderConversationForCompletion,
  toolResultMessage,
  type Message,
} from '../harmony/index.js';
import { TokenSampler, type SamplingOptions, type StepOptions } from '../sampling/index.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { TurnPlan, type ConstraintOptions } from './constrained/turn-plan.js';
import type { TurnCounters } from './constrained/turn-guide.js';
import { grammarSource } from './constrained/grammars.js';
import type { ChatEvent, FinishReason, Timings, Usage } from './events.js';
import { generateTokens, type LoopEnd } from './generate-tokens.js';
import { HarmonyStream } from './harmony-stream.js';
import { toHarmonyConversation, type ChatMessage, type ConversationOptions } from './messages.js';
import type { Session } from './session.js';

export interface ToolCall {
  callId: string;
  recipient: string;
  arguments: string;
}

export interface ChatOptions extends ConversationOptions, SamplingOptions, ConstraintOptions {
  /** Most tokens sampled this turn, over all tool rounds (default: until the context is full). */
  maxTokens?: number;
  signal?: AbortSignal;
  /** Emit a `token` event for every sampled token (the CLI's --raw). */
  rawTokens?: boolean;
  /** Emit `token` events carrying the chosen token's logprob and this many alternatives. */
  logprobs?: number;
  /** A handler for calls no function tool handles (built-in tools, or all calls); undefined result = not handled. */
  onToolCall?: (call: ToolCall) => string | undefined | Promise<string | undefined>;
  /** Tool rounds allowed in one turn before it ends with reason 'tool_call' (default 8). */
  maxToolRounds?: number;
  /** Per-step token constraints (constrained decoding), given the tokens sampled so far this round. */
  constrain?: (generated: readonly number[]) => StepOptions | undefined;
}

const CALL = TOKEN_IDS['<|call|>'];
let callCounter = 0;

/**
 * One assistant turn: render the conversation, sample until <|return|>, <|call|>, the token budget
 * or the signal, streaming reasoning/text deltas parsed by harmony; a call to a tool with a handler
 * is answered with a harmony tool message and the turn goes on; otherwise it ends with 'tool_call'.
 */
export async function* runChatTurn(
  session: Session,
  tokenizer: Tokenizer,
  messages: readonly ChatMessage[],
  options: ChatOptions = {},
  loadS?: number,
): AsyncGenerator<ChatEvent> {
  const maxTokens = options.maxTokens ?? Infinity;
  if (!(maxTokens >= 1)) throw new InvalidArgumentError(`maxTokens must be >= 1, got ${options.maxTokens}`);
  if (options.logprobs !== undefined && (!Number.isInteger(options.logprobs) || options.logprobs < 0 || options.logprobs > 20)) {
    throw new InvalidArgumentError(`logprobs must be an integer from 0 to 20, got ${options.logprobs}`);
  }
  const conversation = toHarmonyConversation(messages, options);
  const plan = TurnPlan.create(conversation, options, tokenizer, () => grammarSource(tokenizer));
  const counters: TurnCounters = { reasoning: 0 };
  if (plan !== undefined && plan.mustComplete(0) && Number.isFinite(maxTokens)) {
    const need = plan.guide(0, counters).minTokens();
    if (need > maxTokens) {
      throw new InvalidArgumentError(`maxTokens ${maxTokens} is too small for a complete answer in the requested format: the shortest takes ${need} tokens`);
    }
  }
  const callIds = new Map<number, string>();
  const sampler = new TokenSampler(options);
  const handlers = new Map((options.tools ?? []).filter((t) => t.handler).map((t) => [`functions.${t.name}`, t.handler!]));
  const maxRounds = options.maxToolRounds ?? 8;
  const produced: Message[] = [];
  const usage: Usage = { promptTokens: 0, prefilledTokens: 0, reusedTokens: 0, completionTokens: 0, reasoningTokens: 0 };
  const t0 = performance.now() / 1000;
  let firstTokenS: number | undefined;
  let prefillS = 0;
  let decodeS = 0;
  let decodeTokens = 0;
  let reason: FinishReason = 'stop';
  const wantTokens = options.rawTokens === true || options.logprobs !== undefined;

  for (let round = 0; ; round++) {
    const prompt = renderConversationForCompletion([...conversation, ...produced], 'assistant', { autoDropAnalysis: true, tokenizer });
    const stream = new HarmonyStream(tokenizer);
    const decoder = wantTokens ? tokenizer.createStreamDecoder() : undefined;
    let end: LoopEnd | undefined;
    const loop = generateTokens(session, prompt, {
      sampler,
      stopTokens: STOP_TOKENS_FOR_ASSISTANT_ACTIONS,
      maxTokens: maxTokens - usage.completionTokens,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.logprobs !== undefined ? { logprobs: options.logprobs } : {}),
      ...(options.constrain ? { constrain: options.constrain } : {}),
      ...(plan ? { guide: plan.guide(round, counters) } : {}),
    });
    callIds.clear();
    const roundStart = performance.now() / 1000;
    for await (const step of loop) {
      if (step.kind === 'end') {
        end = step;
        break;
      }
      if (decoder) {
        const ev: ChatEvent = { type: 'token', token: step.token, text: decoder.push(step.token) };
        if (step.logprob !== undefined) ev.logprob = step.logprob;
        if (step.topLogprobs !== undefined) ev.topLogprobs = step.topLogprobs;
        yield ev;
      }
      if (stream.inReasoning && !STOP_TOKENS.includes(step.token)) usage.reasoningTokens++;
      const message = stream.messageIndex;
      const routed = stream.push(step.token);
      if (routed?.kind === 'reasoning') yield { type: 'reasoning', delta: routed.delta };
      else if (routed?.kind === 'text') yield { type: 'text', delta: routed.delta, channel: routed.channel };
      else if (routed?.kind === 'tool_args') {
        let callId = callIds.get(message);
        if (callId === undefined) {
          callId = `call_${++callCounter}`;
          callIds.set(message, callId);
        }
        yield { type: 'tool_call_delta', callId, recipient: routed.recipient, delta: routed.delta };
      }
    }
    if (!end) throw new Error('generateTokens ended without an end record');
    usage.promptTokens += end.promptTokens;
    usage.prefilledTokens += end.prefilledTokens;
    usage.reusedTokens += end.reusedTokens;
    usage.completionTokens += end.completionTokens;
    prefillS += end.prefillS;
    decodeS += end.decodeS;
    decodeTokens += Math.max(0, end.completionTokens - 1);
    if (firstTokenS === undefined && end.firstTokenS !== undefined) firstTokenS = roundStart - t0 + end.firstTokenS;

    const roundMessages = stream.finish(end.reason !== 'stop');
    produced.push(...roundMessages);
    reason = end.reason;
    if (end.reason !== 'stop' || end.stopToken !== CALL) break;

    const last = roundMessages[roundMessages.length - 1];
    const recipient = last?.recipient;
    if (last === undefined || recipient === undefined) break; // <|call|> without a recipient: nothing to call
    const callId = callIds.get(stream.messageIndex - 1) ?? `call_${++callCounter}`;
    const call: ToolCall = { callId, recipient, arguments: textOf(last) };
    yield { type: 'tool_call', recipient: call.recipient, arguments: call.arguments, callId: call.callId };
    reason = 'tool_call';
    if (round + 1 >= maxRounds || usage.completionTokens >= maxTokens) break;
    const handler = handlers.get(recipient);
    const output = handler ? await handler(call.arguments, { callId: call.callId, recipient }) : await options.onToolCall?.(call);
    if (output === undefined) break;
    if (typeof output !== 'string') throw new InvalidArgumentError(`the handler of tool '${recipient}' must return a string, got ${typeof output}`);
    const result = toolResultMessage(recipient, output);
    produced.push(result);
    yield { type: 'tool_result', callId: call.callId, recipient, output };
    if (options.signal?.aborted) {
      reason = 'aborted';
      break;
    }
  }

  const timings: Timings = {
    prefillS,
    decodeS,
    firstTokenS: firstTokenS ?? performance.now() / 1000 - t0,
    tokensPerSecond: decodeS > 0 ? decodeTokens / decodeS : 0,
  };
  if (loadS !== undefined) timings.loadS = loadS;
  yield { type: 'done', reason, usage, timings, messages: produced };
}

function textOf(m: Message): string {
  return m.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
}
