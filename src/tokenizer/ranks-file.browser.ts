/**
 * ranks-file.ts for browser bundles (the esbuild plugin in scripts/web-bundle.mjs puts it in place):
 * a page fetches o200k_base.tiktoken itself, checks its sha256 and hands the table over with
 * setRankTable before the first getTokenizer(); there is no file system to read it from.
 */
import { GptOssError } from '../core/errors.js';
import type { RankTable } from './ranks-parse.js';

export { O200K_BASE_RANK_COUNT, O200K_BASE_SHA256, parseRanks, type RankTable } from './ranks-parse.js';

let table: RankTable | undefined;

export function setRankTable(t: RankTable): void {
  table = t;
}

export function loadRankTable(): RankTable {
  if (!table) throw new GptOssError('invalid_argument', 'in a browser, fetch o200k_base.tiktoken and call setRankTable() before using the tokenizer');
  return table;
}
