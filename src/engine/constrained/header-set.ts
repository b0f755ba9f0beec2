import { TOKEN_IDS } from '../../harmony/index.js';
import type { Tokenizer } from '../../tokenizer/types.js';
import { ruleKey, type ContentRule } from './content-rule.js';
import { HeaderTrie, TrieNode, type HeaderPiece } from './header-trie.js';
import { TokenIndex } from './token-index.js';

const START = { special: TOKEN_IDS['<|start|>'] };
const CHANNEL = { special: TOKEN_IDS['<|channel|>'] };
const CONSTRAIN = { special: TOKEN_IDS['<|constrain|>'] };
const MESSAGE = { special: TOKEN_IDS['<|message|>'] };
export const END = TOKEN_IDS['<|end|>'];
export const RETURN = TOKEN_IDS['<|return|>'];
export const CALL = TOKEN_IDS['<|call|>'];

/** A tool the model may address: `functions.NAME` or a built-in such as `browser.search` or `python`. */
export interface CallTarget {
  recipient: string;
  /** Channels the call may be written on (functions: commentary; built-ins: analysis or commentary). */
  channels: readonly string[];
  builtin: boolean;
  content: ContentRule;
}

/** The assistant messages allowed at one point of a turn. */
export interface HeaderSetSpec {
  /** Channels for messages without a recipient (analysis, commentary preamble, final). */
  plainChannels: readonly string[];
  calls: readonly CallTarget[];
  /** The final channel's content (a JSON schema for structured output). */
  finalContent: ContentRule;
  /**
   * Tokens that must still fit after the `<|message|>` of a free-text message ending with `<|end|>`
   * (0: it may be cut off by the token limit; otherwise its end plus the shortest complete answer).
   */
  endLeafCost: number;
  /** The same for a free-text message that ends the turn (`<|return|>`, or a built-in's `<|call|>`). */
  stopLeafCost: number;
}

export interface Leaf {
  channel: string;
  recipient?: string;
  ender: number;
  content: ContentRule;
  /** Analysis without a recipient: reasoning, counted against the reasoning budget. */
  reasoning: boolean;
  /** Fewest tokens after `<|message|>` (content and ender) that must fit in the budget. */
  cost: number;
}

/** A compiled header set: `first` follows the prompt's `<|start|>assistant`; `next` follows an `<|end|>`. */
export interface HeaderSet {
  readonly spec: HeaderSetSpec;
  readonly trie: HeaderTrie<Leaf>;
  readonly first: TrieNode<Leaf>;
  readonly next: TrieNode<Leaf>;
}

const cache = new WeakMap<Tokenizer, Map<string, HeaderSet>>();
const CACHE_LIMIT = 64;

/** The header set for `spec`, compiled once per tokenizer and spec content. */
export function headerSet(tokenizer: Tokenizer, spec: HeaderSetSpec): HeaderSet {
  let sets = cache.get(tokenizer);
  if (sets === undefined) {
    sets = new Map();
    cache.set(tokenizer, sets);
  }
  const key = JSON.stringify({
    plain: spec.plainChannels,
    calls: spec.calls.map((c) => [c.recipient, c.channels, c.builtin, ruleKey(c.content)]),
    final: ruleKey(spec.finalContent),
    costs: [spec.endLeafCost, spec.stopLeafCost],
  });
  let set = sets.get(key);
  if (set === undefined) {
    set = buildHeaderSet(tokenizer, spec);
    if (sets.size >= CACHE_LIMIT) sets.clear();
    sets.set(key, set);
  }
  return set;
}

function contentCost(rule: ContentRule, freeCost: number): number {
  return rule.kind === 'grammar' ? rule.grammar.minTokens + 1 : freeCost;
}

function buildHeaderSet(tokenizer: Tokenizer, spec: HeaderSetSpec): HeaderSet {
  const trie = new HeaderTrie<Leaf>(TokenIndex.of(tokenizer), (leaf) => leaf.cost);
  const first = trie.root;
  for (const channel of spec.plainChannels) {
    const final = channel === 'final';
    const content = final ? spec.finalContent : { kind: 'free' as const };
    const ender = final ? RETURN : END;
    const leaf: Leaf = { channel, ender, content, reasoning: channel === 'analysis', cost: contentCost(content, final ? spec.stopLeafCost : spec.endLeafCost) };
    trie.add([CHANNEL, channel, MESSAGE], leaf);
  }
  for (const target of spec.calls) {
    const r = target.recipient;
    const types = target.builtin ? ['', ' code', ' json'] : ['', ' json'];
    for (const channel of target.channels) {
      const leaf: Leaf = { channel, recipient: r, ender: CALL, content: target.content, reasoning: false, cost: contentCost(target.content, spec.stopLeafCost) };
      const headers: HeaderPiece[][] = [];
      // The recipient after the channel (`<|channel|>commentary to=functions.f <|constrain|>json`) or in the role part.
      for (const t of types) {
        headers.push([CHANNEL, `${channel} to=${r}${t}`, MESSAGE]);
        headers.push([` to=${r}`, CHANNEL, `${channel}${t}`, MESSAGE]);
      }
      headers.push([CHANNEL, `${channel} to=${r} `, CONSTRAIN, 'json', MESSAGE]);
      headers.push([` to=${r}`, CHANNEL, `${channel} `, CONSTRAIN, 'json', MESSAGE]);
      for (const h of headers) trie.add(h, leaf);
    }
  }
  const next = new TrieNode<Leaf>();
  trie.link(next, [START, 'assistant'], first);
  return { spec, trie, first, next };
}
