import { GrammarError } from './errors.js';
import type { CpNfa } from './cp-nfa.js';

/**
 * The language of a string schema's `pattern` and `format` as a code point NFA, or
 * undefined when neither is given (any string).
 */
export function stringLanguage(schema: { readonly [key: string]: unknown }, path: string): CpNfa | undefined {
  if (schema.pattern !== undefined) throw new GrammarError('unsupported_keyword', `${path}.pattern`, 'pattern is not supported yet');
  if (schema.format !== undefined) throw new GrammarError('unsupported_keyword', `${path}.format`, 'format is not supported yet');
  return undefined;
}
