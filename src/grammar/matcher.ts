import { CompiledGrammar, fillFromEntry, walkVocabulary, type Grammar } from './compiled.js';
import { GrammarError } from './errors.js';
import type { GrammarVocabulary } from './vocabulary.js';

/**
 * Follows one generation through a grammar, token by token. The state after each accepted
 * token is kept, so rollback is a pop. Masks come from the grammar's cache when the budget
 * is loose enough not to matter; near the limit the vocabulary is walked with the budget.
 */
export class GrammarMatcher {
  private readonly grammar: CompiledGrammar;
  private readonly vocab: GrammarVocabulary;
  private readonly history: number[];

  constructor(grammar: Grammar, vocab: GrammarVocabulary) {
    if (!(grammar instanceof CompiledGrammar)) {
      throw new TypeError('GrammarMatcher needs a grammar from compileJsonSchema, jsonObjectGrammar or literalsGrammar');
    }
    this.grammar = grammar;
    this.vocab = vocab;
    this.history = [grammar.automaton.initial];
  }

  private get config(): number {
    return this.history[this.history.length - 1]!;
  }

  /**
   * mask[id] = 1 for every ordinary token that may come next, 0 elsewhere (special tokens
   * are always 0). With `remaining` (tokens left, this one included), only tokens after
   * which the value can still be completed within remaining - 1 further tokens.
   */
  fillMask(mask: Uint8Array, remaining?: number): void {
    mask.fill(0);
    const limit = remaining === undefined ? Infinity : remaining - 1;
    if (limit < 0) return;
    fillFromEntry(mask, this.grammar.maskEntry(this.vocab, this.config), limit);
  }

  /** The allowed next tokens as a list (for tests and tools; fillMask is the fast path). */
  allowedTokens(remaining?: number): number[] {
    const limit = remaining === undefined ? Infinity : remaining - 1;
    if (limit < 0) return [];
    return Array.from(walkVocabulary(this.grammar.automaton, this.vocab, this.config, limit).tokens);
  }

  /** Advance on a token; throws GrammarError if the grammar does not allow it here. */
  accept(token: number): void {
    if (!this.vocab.isOrdinary(token)) {
      throw new GrammarError('token_not_allowed', '', `token ${token} is not an ordinary token of the vocabulary; the grammar only covers text`);
    }
    const a = this.grammar.automaton;
    let c = this.config;
    for (const b of this.vocab.tokenBytes(token)) {
      c = a.step(c, b);
      if (c < 0) {
        const text = JSON.stringify(new TextDecoder().decode(this.vocab.tokenBytes(token)));
        throw new GrammarError('token_not_allowed', '', `token ${token} (${text}) is not allowed by the grammar at this point`);
      }
    }
    this.history.push(c);
  }

  /** Whether `token` would be accepted now (no state change). */
  allows(token: number): boolean {
    if (!this.vocab.isOrdinary(token)) return false;
    const a = this.grammar.automaton;
    let c = this.config;
    for (const b of this.vocab.tokenBytes(token)) {
      c = a.step(c, b);
      if (c < 0) return false;
    }
    return true;
  }

  /** Undo the last `tokens` accepted tokens. */
  rollback(tokens: number): void {
    if (!Number.isInteger(tokens) || tokens < 0 || tokens > this.history.length - 1) {
      throw new RangeError(`rollback(${tokens}): only ${this.history.length - 1} tokens have been accepted`);
    }
    this.history.length -= tokens;
  }

  /** Tokens accepted so far (after rollbacks). */
  get acceptedCount(): number {
    return this.history.length - 1;
  }

  /** The value may end here. */
  isComplete(): boolean {
    return this.grammar.automaton.configComplete[this.config]!;
  }

  /** Some byte may still follow. */
  canContinue(): boolean {
    return this.grammar.automaton.configCanContinue[this.config]!;
  }

  /** An upper bound on the tokens needed to complete the value from here (its length in bytes). */
  minTokensToComplete(): number {
    return this.grammar.automaton.configDist[this.config]!;
  }

  reset(): void {
    this.history.length = 1;
  }
}
