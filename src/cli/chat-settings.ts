import type { ChatOptions } from '../engine/index.js';
import type { ReasoningEffort } from '../harmony/index.js';
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
  };
}

