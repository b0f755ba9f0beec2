import type { ContentMatcher } from './content-rule.js';
import { END, type HeaderSet, type Leaf } from './header-set.js';
import type { TrieNode } from './header-trie.js';
import type { GuideStep, TokenGuide } from './token-guide.js';

/** Shared by the rounds of one turn. */
export interface TurnCounters {
  /** Analysis-channel content tokens so far. */
  reasoning: number;
}

export interface RoundSets {
  /** The headers allowed while the reasoning budget lasts. */
  main: HeaderSet;
  /** The headers once it is spent (final, or the forced call). */
  afterBudget: HeaderSet;
  reasoningBudget: number | undefined;
}

type State =
  | { kind: 'header'; set: HeaderSet; node: TrieNode<Leaf> }
  | { kind: 'content'; set: HeaderSet; leaf: Leaf; matcher: ContentMatcher | undefined }
  | { kind: 'done' };

/**
 * The harmony structure of one round of an assistant turn as a token-level state machine: after
 * the prompt's `<|start|>assistant`, only a declared header (channel, recipient, content type, then
 * `<|message|>`), then the content (free text, or what the leaf's grammar accepts), then the ender
 * the header calls for; after an `<|end|>`, the next `<|start|>assistant` header. Near the token
 * limit only moves that still leave room to finish are allowed, and once the reasoning budget is
 * spent the analysis message is closed and the answer (or the forced call) opened.
 */
export class TurnGuide implements TokenGuide {
  private state: State;
  private readonly vocabSize: number;
  private readonly firstSpecial: number;
  private mask: Uint8Array;

  constructor(
    private readonly sets: RoundSets,
    private readonly counters: TurnCounters,
    vocab: { vocabSize: number; firstSpecial: number },
  ) {
    this.vocabSize = vocab.vocabSize;
    this.firstSpecial = vocab.firstSpecial;
    this.mask = new Uint8Array(vocab.vocabSize);
    const set = this.budgetSpent() ? sets.afterBudget : sets.main;
    this.state = { kind: 'header', set, node: set.first };
  }

  /** Fewest tokens this round needs to reach a complete end from its start. */
  minTokens(): number {
    const s = this.state;
    return s.kind === 'header' ? s.set.trie.minNeed(s.node) : 0;
  }

  next(tokensLeft: number): GuideStep {
    const s = this.state;
    switch (s.kind) {
      case 'header':
        return this.headerStep(s.set, s.node, tokensLeft);
      case 'content':
        return s.matcher ? this.grammarStep(s.leaf, s.matcher, tokensLeft) : this.freeStep(s.leaf, tokensLeft);
      case 'done':
        // The loop stops at <|return|> / <|call|>; nothing may follow them in this round.
        throw new Error('turn guide: a token was asked for after the message that ends the round');
    }
  }

  accept(token: number): void {
    const s = this.state;
    if (s.kind === 'header') {
      const move = s.set.trie.movesOf(s.node).find((m) => m.token === token);
      if (move === undefined) throw new Error(`turn guide: token ${token} does not continue an allowed header`);
      const leaf = move.node.leaf;
      this.state = leaf === undefined
        ? { kind: 'header', set: s.set, node: move.node }
        : { kind: 'content', set: s.set, leaf, matcher: leaf.content.kind === 'grammar' ? leaf.content.grammar.newMatcher() : undefined };
      return;
    }
    if (s.kind === 'content') {
      if (token === s.leaf.ender) {
        if (token !== END) {
          this.state = { kind: 'done' };
          return;
        }
        const set = this.budgetSpent() ? this.sets.afterBudget : this.sets.main;
        this.state = { kind: 'header', set, node: set.next };
        return;
      }
      if (token >= this.firstSpecial) throw new Error(`turn guide: special token ${token} inside a message`);
      s.matcher?.accept(token);
      if (s.leaf.reasoning) this.counters.reasoning++;
      return;
    }
    throw new Error('turn guide: a token after the message that ends the round');
  }

  private budgetSpent(): boolean {
    const b = this.sets.reasoningBudget;
    return b !== undefined && this.counters.reasoning >= b;
  }

  private headerStep(set: HeaderSet, node: TrieNode<Leaf>, left: number): GuideStep {
    const trie = set.trie;
    trie.minNeed(node);
    if (trie.isUnique(node)) return { kind: 'forced', token: trie.shortestMove(node).token };
    const moves = trie.movesOf(node);
    if (left >= node.maxMoveNeed) return { kind: 'ids', ids: node.ids! };
    const fit = moves.filter((m) => 1 + trie.minNeed(m.node) <= left);
    if (fit.length === 0) {
      // No further message fits: end after the last one rather than cut a header off. (Below the
      // shortest header from the start, the shortest way on, cut off where the limit falls.)
      if (node === set.next) return { kind: 'stop' };
      return { kind: 'forced', token: trie.shortestMove(node).token };
    }
    if (fit.length === 1) return { kind: 'forced', token: fit[0]!.token };
    return { kind: 'ids', ids: Int32Array.from(fit, (m) => m.token) };
  }

  private freeStep(leaf: Leaf, left: number): GuideStep {
    const ender = leaf.ender;
    let enderOk = true;
    if (ender === END && leaf.cost === 0) {
      // The message may be cut off, but a following header must not be: end it only where one fits.
      const after = this.budgetSpent() ? this.sets.afterBudget : this.sets.main;
      enderOk = left - 1 === 0 || left - 1 >= after.trie.minNeed(after.next);
    }
    if (leaf.reasoning && this.budgetSpent()) return enderOk ? { kind: 'forced', token: ender } : { kind: 'stop' };
    // After an ordinary token, the leaf's minimum (its ender and what must follow it) must still fit.
    if (left - 1 < leaf.cost) return { kind: 'forced', token: ender };
    if (!enderOk) return { kind: 'mask', mask: ordinaryMask(this.vocabSize, this.firstSpecial, -1) };
    const first = this.firstSpecial;
    return { kind: 'prefer', allows: (t) => t < first || t === ender, mask: ordinaryMask(this.vocabSize, first, ender) };
  }

  private grammarStep(leaf: Leaf, m: ContentMatcher, left: number): GuideStep {
    const complete = m.isComplete();
    if (complete && (!m.canContinue() || left <= 1)) return { kind: 'forced', token: leaf.ender };
    const mask = this.mask;
    mask.fill(0);
    // One token stays reserved for the ender.
    m.fillMask(mask, left - 1);
    if (complete) mask[leaf.ender] = 1;
    // Below the value's minimum (a limit too small for it) nothing fits: end the message where it stands.
    if (left <= m.minTokensToComplete() + 1 && mask.indexOf(1) < 0) return { kind: 'forced', token: leaf.ender };
    return { kind: 'mask', mask };
  }
}

const masks = new Map<string, Uint8Array>();

/** Every ordinary token, plus `extra` when >= 0 (cached: free-text steps do no constraint work). */
function ordinaryMask(vocabSize: number, firstSpecial: number, extra: number): Uint8Array {
  const key = `${vocabSize}:${firstSpecial}:${extra}`;
  let mask = masks.get(key);
  if (mask === undefined) {
    mask = new Uint8Array(vocabSize);
    mask.fill(1, 0, firstSpecial);
    if (extra >= 0) mask[extra] = 1;
    masks.set(key, mask);
  }
  return mask;
}
