import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getTokenizer } from '../../src/tokenizer/index.js';

export const tokenizer = getTokenizer();

const goldenDir = fileURLToPath(new URL('../golden/harmony/', import.meta.url));

/** A harmony test-data file as harmony's tests read it: \r\n -> \n, trailing whitespace trimmed. */
export function loadVector(name: string): string {
  return readFileSync(`${goldenDir}${name}`, 'utf8').replace(/\r\n/g, '\n').trimEnd();
}

export function loadTokenVector(name: string): number[] {
  return loadVector(name)
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);
}

/**
 * Text with special tokens spelled by name, encoded as tiktoken's `encode(text, allowed_special="all")`
 * does: each `<|name|>` that is a special token becomes its id, the text between is ordinary text.
 */
export function encodeWithSpecials(text: string): number[] {
  const out: number[] = [];
  let last = 0;
  for (const m of text.matchAll(/<\|[A-Za-z0-9_]+\|>/g)) {
    let id: number;
    try {
      id = tokenizer.specialId(m[0]);
    } catch {
      continue;
    }
    out.push(...tokenizer.encode(text.slice(last, m.index)));
    out.push(id);
    last = m.index + m[0].length;
  }
  out.push(...tokenizer.encode(text.slice(last)));
  return out;
}

/** Like harmony's assert_tokens_eq: on a mismatch, the token diff and the decoded-text diff. */
export function tokensDiff(expected: readonly number[], actual: readonly number[]): string | undefined {
  if (expected.length === actual.length && expected.every((t, i) => t === actual[i])) return undefined;
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const window = (ts: readonly number[]): string => `${i > 8 ? '... ' : ''}${ts.slice(Math.max(0, i - 8), i + 12).join(' ')}`;
  const expText = tokenizer.decode(expected);
  const actText = tokenizer.decode(actual);
  let j = 0;
  while (j < expText.length && j < actText.length && expText[j] === actText[j]) j++;
  const textWindow = (s: string): string => JSON.stringify(s.slice(Math.max(0, j - 60), j + 80));
  return [
    `tokens differ at index ${i} (expected ${expected.length} tokens, got ${actual.length})`,
    `  < expected: ${window(expected)}`,
    `  > actual:   ${window(actual)}`,
    `decoded text differs at character ${j}:`,
    `  < expected: ${textWindow(expText)}`,
    `  > actual:   ${textWindow(actText)}`,
  ].join('\n');
}

export function assertTokensEq(expected: readonly number[], actual: readonly number[]): void {
  const diff = tokensDiff(expected, actual);
  if (diff !== undefined) throw new Error(diff);
}
