import type { ChatOptions } from '../engine/index.js';
import type { ReasoningEffort } from '../harmony/index.js';
import { toolChatOptions, type Tool } from '../tools/index.js';
import type { ConstraintSettings } from './constraint-flags.js';

/** What `gpt-oss run`'s options decide about each turn. */
export interface RunSettings {
  effort: ReasoningEffort;
  developer: string | undefined;
  date: string;
  sampling: Pick<ChatOptions, 'temperature' | 'topP' | 'topK' | 'minP' | 'seed'>;
  maxTokens: number | undefined;
  raw: boolean;
  hideReasoning: boolean;
  /** Built-in tools of this conversation (--browser, --python, --apply-patch). */
  tools?: readonly Tool[];
  /** --json-schema, --tools, --tool-choice, --reasoning-budget. */
  constraints?: ConstraintSettings;
}

export function turnOptions(s: RunSettings, signal: AbortSignal): ChatOptions {
  return {
    ...s.sampling,
    reasoningEffort: s.effort,
    conversationStartDate: s.date,
    ...(s.developer !== undefined ? { instructions: s.developer } : {}),
    ...(s.maxTokens !== undefined ? { maxTokens: s.maxTokens } : {}),
    ...s.constraints,
    rawTokens: s.raw,
    signal,
    ...(s.tools?.length ? builtinToolOptions(s, signal) : {}),
  };
}

/** Built-in tools beside any --tools function tools: both lists reach the model. */
function builtinToolOptions(s: RunSettings, signal: AbortSignal): Partial<ChatOptions> {
  const opts = toolChatOptions(s.tools ?? [], { signal, ...(s.developer !== undefined ? { instructions: s.developer } : {}) });
  return { ...opts, tools: [...(s.constraints?.tools ?? []), ...(opts.tools ?? [])] };
}
