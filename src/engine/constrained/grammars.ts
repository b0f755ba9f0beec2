import type { GrammarSource } from './turn-plan.js';

/** The grammar engine's schemas (wired in when src/grammar lands). */
export function grammarSource(): GrammarSource | undefined {
  return undefined;
}
