/**
 * config.json of either layout to ModelConfig, and back. The original layout holds the 16 keys of
 * the reference's ModelConfig; the transformers layout renames a few and nests rope scaling.
 */
import { readFileSync } from 'node:fs';
import { FileFormatError } from '../core/errors.js';
import type { ModelConfig } from './config-types.js';
import { isHfConfigJson, parseHfConfig, parseOriginalConfig } from './config-parse.js';

export * from './config-parse.js';

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileFormatError(file, 'file not found', 'file_not_found');
    throw new FileFormatError(file, `cannot read (${code ?? String(e)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new FileFormatError(file, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Reads either layout's config.json, telling them apart by `model_type` / `num_local_experts`. */
export function readConfig(file: string): ModelConfig {
  const json = readJsonFile(file);
  return isHfConfigJson(json) ? parseHfConfig(file, json) : parseOriginalConfig(file, json);
}
