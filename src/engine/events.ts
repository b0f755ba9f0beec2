import type { Message } from '../harmony/types.js';
import type { TokenLogprob } from '../sampling/index.js';

export type FinishReason = 'stop' | 'length' | 'tool_call' | 'aborted';

export interface Usage {
  /** Tokens of the prompt(s) the model saw this turn (each tool round's prompt counted in full). */
  promptTokens: number;
  /** Of those, tokens actually run through the model. */
  prefilledTokens: number;
  /** Of those, tokens whose KV entries were reused from earlier. */
  reusedTokens: number;
  /** Tokens sampled (a stop token included). */
  completionTokens: number;
  /** Of those, analysis-channel (reasoning) content tokens. */
  reasoningTokens: number;
}

export interface Timings {
  /** Seconds spent loading the model, on the first turn after loading. */
  loadS?: number;
  prefillS: number;
  decodeS: number;
  /** From the start of the turn to the first sampled token. */
  firstTokenS: number;
  /** Sampled tokens per second of decoding (the first token excluded, it is prefill's). */
  tokensPerSecond: number;
}

export interface ReasoningEvent {
  type: 'reasoning';
  delta: string;
}

export interface TextEvent {
  type: 'text';
  delta: string;
  /** `final` for the answer; `commentary` for a preamble the model shows before calling tools. */
  channel: string;
}

export interface ToolCallEvent {
  type: 'tool_call';
  /** e.g. `functions.get_weather`. */
  recipient: string;
  /** The arguments as the model wrote them (JSON text for function tools). */
  arguments: string;
  callId: string;
}

/** Argument text of a call as it is sampled, before the `tool_call` event with the same callId. */
export interface ToolCallDeltaEvent {
  type: 'tool_call_delta';
  callId: string;
  recipient: string;
  delta: string;
}

export interface ToolResultEvent {
  type: 'tool_result';
  callId: string;
  recipient: string;
  output: string;
}

/** Every sampled token, when asked for with `rawTokens` or `logprobs`. */
export interface TokenEvent {
  type: 'token';
  token: number;
  /** The token's text; special tokens spelled by name. */
  text: string;
  logprob?: number;
  topLogprobs?: TokenLogprob[];
}

export interface DoneEvent {
  type: 'done';
  reason: FinishReason;
  usage: Usage;
  timings: Timings;
  /** The harmony messages this turn produced (append them to continue the conversation). */
  messages: Message[];
}

export type ChatEvent = ReasoningEvent | TextEvent | ToolCallDeltaEvent | ToolCallEvent | ToolResultEvent | TokenEvent | DoneEvent;
