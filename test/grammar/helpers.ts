import { GrammarMatcher, vocabularyOf, type Grammar, type GrammarVocabulary } from '../../src/grammar/index.js';
import { getTokenizer, type Tokenizer } from '../../src/tokenizer/index.js';

let shared: { tokenizer: Tokenizer; vocab: GrammarVocabulary } | undefined;

export function vocab(): { tokenizer: Tokenizer; vocab: GrammarVocabulary } {
  if (shared === undefined) {
    const tokenizer = getTokenizer();
    shared = { tokenizer, vocab: vocabularyOf(tokenizer) };
  }
  return shared;
}

/** xorshift32: a seeded RNG so a failing walk can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

export interface Walk {
  text: string;
  tokens: number[];
  complete: boolean;
  deadEnd: boolean;
}

/**
 * A random walk through the grammar's masks within `budget` tokens: uniform over allowed
 * tokens, sometimes preferring short tokens (which tend to close values), stopping at a
 * complete value now and then. Fails loudly (deadEnd) if no token is allowed while the value
 * is incomplete.
 */
export function randomWalk(grammar: Grammar, budget: number, random: () => number): Walk {
  const { tokenizer, vocab: v } = vocab();
  const m = new GrammarMatcher(grammar, v);
  const mask = new Uint8Array(tokenizer.vocabSize);
  const tokens: number[] = [];
  const shortBias = random() < 0.5;
  for (let step = 0; step < budget; step++) {
    if (m.isComplete() && (!m.canContinue() || random() < 0.15)) break;
    m.fillMask(mask, budget - step);
    const allowed: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i] === 1) allowed.push(i);
    if (allowed.length === 0) return { text: tokenizer.decode(tokens), tokens, complete: m.isComplete(), deadEnd: !m.isComplete() };
    let pick = allowed[Math.floor(random() * allowed.length)]!;
    if (shortBias && random() < 0.7) {
      const short = allowed.filter((t) => v.tokenBytes(t).length <= 2);
      if (short.length > 0) pick = short[Math.floor(random() * short.length)]!;
    }
    m.accept(pick);
    tokens.push(pick);
  }
  return { text: tokenizer.decode(tokens), tokens, complete: m.isComplete(), deadEnd: false };
}
