/**
 * config.json of either layout to ModelConfig, and back. The parsing and checks live in
 * config-parse.ts (no Node modules, shared with the browser bundle); this module adds file reading.
 */
import { readFileSync } from 'node:fs';
import { FileFormatError } from '../core/errors.js';
import type { ModelConfig } from './config-types.js';
import { isHfConfigJson, parseHfConfig, parseOriginalConfig, rememberConfigText } from './config-parse.js';

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
    const json = JSON.parse(text) as unknown;
    rememberConfigText(json, text);
    return json;
  } catch (e) {
    throw new FileFormatError(file, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Reads either layout's config.json, telling them apart by `model_type` / `num_local_experts`. */
export function readConfig(file: string): ModelConfig {
  const json = readJsonFile(file);
  return isHfConfigJson(json) ? parseHfConfig(file, json) : parseOriginalConfig(file, json);
}
