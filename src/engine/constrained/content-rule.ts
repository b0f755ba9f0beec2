/**
 * What a message's content may be: free text, or text that a grammar (JSON Schema) accepts.
 * The matcher is the grammar engine's GrammarMatcher; the engine sees it through this shape.
 */
export interface ContentMatcher {
  /** mask[id] = 1 for every ordinary token allowed next, keeping completion possible within `remaining` - 1 more tokens. */
  fillMask(mask: Uint8Array, remaining?: number): void;
  accept(token: number): void;
  isComplete(): boolean;
  canContinue(): boolean;
  minTokensToComplete(): number;
}

export interface ContentGrammar {
  /** Identifies the grammar (same key, same language). */
  readonly key: string;
  newMatcher(): ContentMatcher;
  /** Fewest tokens of a complete value (from a fresh matcher). */
  readonly minTokens: number;
}

export type ContentRule = { kind: 'free' } | { kind: 'grammar'; grammar: ContentGrammar };

export const FREE: ContentRule = { kind: 'free' };

export function ruleKey(rule: ContentRule): string {
  return rule.kind === 'free' ? 'free' : `grammar:${rule.grammar.key}`;
}
