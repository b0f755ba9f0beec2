import type { ChatOptions } from '../engine/index.js';
import type { ReasoningEffort } from '../harmony/index.js';
import { toolChatOptions, type Tool } from '../tools/index.js';

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
}

export function turnOptions(s: RunSettings, signal: AbortSignal): ChatOptions {
  return {
    ...s.sampling,
    reasoningEffort: s.effort,
    conversationStartDate: s.date,
    ...(s.developer !== undefined ? { instructions: s.developer } : {}),
    ...(s.maxTokens !== undefined ? { maxTokens: s.maxTokens } : {}),
    rawTokens: s.raw,
    signal,
    ...(s.tools?.length ? toolChatOptions(s.tools, { signal, ...(s.developer !== undefined ? { instructions: s.developer } : {}) }) : {}),
  };
}

