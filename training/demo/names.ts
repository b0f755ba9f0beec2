/**
 * Made-up place names for tool arguments. A tiny model that sees a few hundred real cities as
 * arguments learns a table of them instead of copying from the prompt; thousands of invented names
 * make the table useless, so the copy is what pays. Names are built from pieces (`Val` + `we` +
 * `burg`); one combination in five is held out for the evaluation, and a held-out name is kept only
 * if every one of its tokens also occurs in some training name, so the evaluation asks the model to
 * copy a value it never saw, spelled with tokens it has embeddings for.
 */
import { getTokenizer } from '../../src/tokenizer/index.js';
import type { Split } from './tasks.js';

const HEADS = [
  'Val', 'Cal', 'Mor', 'Tar', 'Bel', 'Kor', 'Dun', 'Fal', 'Gar', 'Hal', 'Lin', 'Mar', 'Nor', 'Pen', 'Ros',
  'Sel', 'Tor', 'Ul', 'Ver', 'Wes', 'Ash', 'Bram', 'Cor', 'Dal', 'El', 'Fen', 'Glen', 'Kil', 'Lor', 'Oak',
];
const MIDDLES = ['', 'a', 'e', 'i', 'o', 'we', 'ra', 'li', 'no', 'ven'];
const TAILS = [
  'burg', 'ford', 'ton', 'ville', 'mouth', 'wick', 'stad', 'holm', 'dale', 'mere', 'by', 'port', 'field', 'haven',
  'ley', 'ria', 'na', 'dor', 'gate', 'wood',
];
const PREFIXES = ['New ', 'Port ', 'East ', 'Upper ', 'San '];

function build(): Record<Split, string[]> {
  const train: string[] = [];
  const candidates: string[] = [];
  // A fixed rule, not a random draw, so the split does not depend on any seed; every piece occurs
  // on both sides.
  HEADS.forEach((h, a) => MIDDLES.forEach((m, b) => TAILS.forEach((t, c) => ((a + 2 * b + 3 * c) % 5 === 2 ? candidates : train).push(h + m + t))));
  const prefixed = (names: string[], shift: number): string[] => names.filter((_, i) => i % 7 === 0).map((n, i) => PREFIXES[(i + shift) % PREFIXES.length] + n);
  train.push(...prefixed(train, 0));
  candidates.push(...prefixed(candidates, 2));
  const tok = getTokenizer();
  const known = new Set<number>();
  for (const n of train) for (const t of [...tok.encode(n), ...tok.encode(` ${n}`)]) known.add(t);
  const heldout = candidates.filter((n) => [...tok.encode(n), ...tok.encode(` ${n}`)].every((t) => known.has(t)));
  return { train, heldout };
}

let cache: Record<Split, string[]> | undefined;

/** The made-up names of a split (about 2,700 for training, several hundred held out). */
export function madeUpNames(split: Split): readonly string[] {
  cache ??= build();
  return cache[split];
}
