import { readFileSync } from 'node:fs';
import { GptOssError, InvalidArgumentError } from '../core/errors.js';
import type { ChatOptions, FunctionTool } from '../engine/index.js';
import type { JsonValue } from '../harmony/index.js';
import { intOption } from './args.js';

/** What `--json-schema`, `--tools`, `--tool-choice` and `--reasoning-budget` ask of each turn. */
export type ConstraintSettings = Pick<ChatOptions, 'responseFormat' | 'tools' | 'toolChoice' | 'reasoningBudget'>;

export interface ConstraintFlags {
  'json-schema'?: string | undefined;
  tools?: string | undefined;
  'tool-choice'?: string | undefined;
  'reasoning-budget'?: string | undefined;
}

export function constraintSettings(command: string, flags: ConstraintFlags): ConstraintSettings {
  const out: ConstraintSettings = {};
  if (flags['json-schema'] !== undefined) {
    const schema = readJson(command, 'json-schema', flags['json-schema']);
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new InvalidArgumentError(`gpt-oss ${command}: --json-schema ${flags['json-schema']}: expected a JSON Schema object, got ${Array.isArray(schema) ? 'an array' : JSON.stringify(schema)}`);
    }
    out.responseFormat = { type: 'json_schema', schema };
  }
  if (flags.tools !== undefined) out.tools = readTools(command, flags.tools);
  const choice = flags['tool-choice'];
  if (choice !== undefined) {
    if (out.tools === undefined) throw new InvalidArgumentError(`gpt-oss ${command}: --tool-choice needs --tools FILE`);
    out.toolChoice = choice === 'none' || choice === 'auto' || choice === 'required' ? choice : { name: choice };
  }
  if (flags['reasoning-budget'] !== undefined) out.reasoningBudget = intOption(command, 'reasoning-budget', flags['reasoning-budget'], 0, 0);
  return out;
}

function readJson(command: string, flag: string, file: string): JsonValue {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GptOssError('file_not_found', `gpt-oss ${command}: --${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(e)})`}`);
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new GptOssError('invalid_file', `gpt-oss ${command}: --${flag} ${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** A JSON array of function tools: `[{ "name", "description", "parameters" }]`. */
function readTools(command: string, file: string): FunctionTool[] {
  const data = readJson(command, 'tools', file);
  const where = `gpt-oss ${command}: --tools ${file}`;
  if (!Array.isArray(data)) throw new GptOssError('invalid_file', `${where}: expected a JSON array of {name, description, parameters}, got ${typeof data}`);
  return data.map((t, i) => {
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new GptOssError('invalid_file', `${where}: [${i}] must be an object {name, description, parameters}`);
    const { name, description, parameters } = t;
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      throw new GptOssError('invalid_file', `${where}: [${i}].name must be an identifier (letters, digits, _ or -), got ${JSON.stringify(name)}`);
    }
    if (description !== undefined && typeof description !== 'string') throw new GptOssError('invalid_file', `${where}: [${i}].description must be a string`);
    if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))) {
      throw new GptOssError('invalid_file', `${where}: [${i}].parameters must be a JSON Schema object`);
    }
    const tool: FunctionTool = { name, description: description ?? '' };
    if (parameters !== undefined) tool.parameters = parameters;
    return tool;
  });
}
