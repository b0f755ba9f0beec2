import { GrammarError, compileJsonSchema } from '../grammar/index.js';
import type { FunctionTool } from '../engine/index.js';
import type { JsonValue } from '../harmony/index.js';
import { invalidRequest } from './errors.js';

/** A function tool as the engine's constrained decoding reads it: `strict` says whether its arguments follow the schema. */
export type StrictFunctionTool = FunctionTool & { strict?: boolean };

/**
 * Compiles a JSON schema the request asks to enforce, so a schema the grammar engine cannot enforce
 * is a 400 naming the request field (and the keyword's place in the schema) before any work starts.
 */
export function checkSchema(schema: unknown, param: string): void {
  try {
    compileJsonSchema(schema);
  } catch (e) {
    if (e instanceof GrammarError) throw invalidRequest(`${param}: ${e.message}`, param, e.kind === 'unsupported_keyword' ? 'unsupported_schema' : 'invalid_schema');
    throw e;
  }
}

/**
 * The engine's tool for a request's function tool. `strict: true` arguments always validate (a
 * schema that cannot be enforced is a 400); `strict: false` leaves them free-form JSON; without
 * `strict` they follow the schema when it can be enforced, else any JSON object.
 */
export function functionTool(name: string, description: string | null | undefined, parameters: unknown, strict: boolean | null | undefined, param: string): StrictFunctionTool {
  const tool: StrictFunctionTool = { name, description: description ?? '' };
  if (parameters == null) return tool;
  tool.parameters = parameters as JsonValue;
  if (strict === false) tool.strict = false;
  else if (strict === true) {
    checkSchema(parameters, param);
    tool.strict = true;
  } else {
    try {
      compileJsonSchema(parameters);
    } catch (e) {
      if (!(e instanceof GrammarError)) throw e;
      tool.strict = false;
    }
  }
  return tool;
}
