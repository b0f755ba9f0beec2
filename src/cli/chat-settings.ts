import type { ChatOptions } from '../engine/index.js';
import type { ReasoningEffort } from '../harmony/index.js';

/** What `gpt-oss run`'s options decide about each turn. */
export interface RunSettings {
  effort: ReasoningEffort;
  developer: string | undefined;
  date: string;
  sampling: Pick<ChatOptions, 'temperature' | 'topP' | 'topK' | 'minP' | 'seed'>;
  maxTokens: number | undefined;
  raw: boolean;
  hideReasoning: boolean;
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
  };
}

