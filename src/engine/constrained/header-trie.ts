import { TokenIndex } from './token-index.js';

/** A piece of a harmony header: text (matched byte by byte, any tokenization) or a special token id. */
export type HeaderPiece = string | { special: number };

/** A move from a trie node: sampling `token` leads to `node`. */
export interface Move<L = unknown> {
  token: number;
  node: TrieNode<L>;
}

/**
 * A node of a trie over header symbols (bytes and special tokens). `leaf` marks the node reached
 * through `<|message|>`: the header is complete and `leaf` says what the message content is.
 */
export class TrieNode<L = unknown> {
  readonly bytes = new Map<number, TrieNode<L>>();
  readonly specials = new Map<number, TrieNode<L>>();
  leaf: L | undefined;
  /** Tokens that may come next (computed on first use). */
  moves: Move<L>[] | undefined;
  /** The ids of `moves`, for the sampler. */
  ids: Int32Array | undefined;
  /** Fewest tokens from here to the end of what the leaf needs (see HeaderTrie). */
  minNeed = -1;
  /** Largest 1 + minNeed(child) over the moves: with at least this many tokens left, no move needs filtering. */
  maxMoveNeed = -1;
  /** Exactly one header can still be completed from here: its tokens are forced. */
  unique: boolean | undefined;
}

/**
 * The set of headers allowed at one point of a turn, as a trie over bytes and special tokens,
 * with the tokens allowed at each node found by walking the trie against the vocabulary (a token
 * is allowed when its bytes continue some header), and for each node the fewest tokens needed to
 * complete a header and its leaf's minimal content (`leafCost`), so that near the token limit only
 * moves that still fit are allowed.
 */
export class HeaderTrie<L> {
  readonly root = new TrieNode<L>();

  constructor(
    private readonly index: TokenIndex,
    private readonly leafCost: (leaf: L) => number,
  ) {}

  /** Adds one header; the last piece must be the special token that opens the content. */
  add(pieces: readonly HeaderPiece[], leaf: L, from: TrieNode<L> = this.root): void {
    let node = from;
    for (const p of pieces) {
      if (typeof p === 'string') {
        for (const b of Buffer.from(p, 'utf8')) node = child(node.bytes, b);
      } else {
        node = child(node.specials, p.special);
      }
    }
    node.leaf ??= leaf;
  }

  /** A path of pieces from `from` that ends at the existing node `to` (e.g. `<|start|>assistant` before the headers). */
  link(from: TrieNode<L>, pieces: readonly HeaderPiece[], to: TrieNode<L>): void {
    const symbols: { special: boolean; value: number }[] = [];
    for (const p of pieces) {
      if (typeof p === 'string') for (const b of Buffer.from(p, 'utf8')) symbols.push({ special: false, value: b });
      else symbols.push({ special: true, value: p.special });
    }
    let node = from;
    symbols.forEach((s, i) => {
      const map = s.special ? node.specials : node.bytes;
      if (i === symbols.length - 1) {
        if (map.has(s.value)) throw new Error('header trie: link target already has this edge');
        map.set(s.value, to);
      } else {
        node = child(map, s.value);
      }
    });
  }

  movesOf(node: TrieNode<L>): Move<L>[] {
    if (node.moves === undefined) {
      const moves: Move<L>[] = [];
      for (const [id, next] of node.specials) moves.push({ token: id, node: next });
      this.walk(node, '', moves);
      node.moves = moves;
      node.ids = Int32Array.from(moves, (m) => m.token);
    }
    return node.moves;
  }

  minNeed(node: TrieNode<L>): number {
    if (node.minNeed < 0) {
      if (node.leaf !== undefined) {
        node.minNeed = this.leafCost(node.leaf);
        node.maxMoveNeed = 0;
      } else {
        let best = Infinity;
        let worst = 0;
        for (const m of this.movesOf(node)) {
          const need = 1 + this.minNeed(m.node);
          if (need < best) best = need;
          if (need > worst) worst = need;
        }
        node.minNeed = best;
        node.maxMoveNeed = worst;
      }
    }
    return node.minNeed;
  }

  isUnique(node: TrieNode<L>): boolean {
    if (node.unique === undefined) {
      if (node.leaf !== undefined) node.unique = true;
      else {
        const children = [...node.bytes.values(), ...node.specials.values()];
        node.unique = children.length === 1 && this.isUnique(children[0]!);
      }
    }
    return node.unique;
  }

  /** The move on a shortest completion (the fewest tokens; the way a forced header is spelled). */
  shortestMove(node: TrieNode<L>): Move<L> {
    let best: Move<L> | undefined;
    let bestNeed = Infinity;
    for (const m of this.movesOf(node)) {
      const need = this.minNeed(m.node);
      if (need < bestNeed) {
        best = m;
        bestNeed = need;
      }
    }
    if (best === undefined) throw new Error('header trie: a node without moves');
    return best;
  }

  /** Every token whose bytes spell a path of byte edges from `node` (tokens never span a special token). */
  private walk(node: TrieNode<L>, prefix: string, out: Move<L>[]): void {
    for (const [b, next] of node.bytes) {
      const key = prefix + String.fromCharCode(b);
      const id = this.index.byBytes.get(key);
      if (id !== undefined) out.push({ token: id, node: next });
      if (key.length < this.index.maxLength) this.walk(next, key, out);
    }
  }
}

function child<L>(map: Map<number, TrieNode<L>>, key: number): TrieNode<L> {
  let node = map.get(key);
  if (node === undefined) {
    node = new TrieNode<L>();
    map.set(key, node);
  }
  return node;
}
