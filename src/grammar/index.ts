/**
 * Constrained decoding: grammars over the token vocabulary. A JSON Schema (or a list of
 * literals, or "any JSON object") compiles to a byte-level pushdown automaton; a
 * GrammarMatcher follows one generation through it and gives, at each step, the mask of
 * tokens that keep the output valid and completable within the token budget.
 */
import { CompiledGrammar, type Grammar } from './compiled.js';
import { alt, literal } from './expr.js';
import { anyObject } from './json-value.js';
import { RuleSet } from './rules.js';
import { compileSchemaRules } from './schema.js';
import { GrammarError } from './errors.js';

export type { Grammar } from './compiled.js';
export { GrammarError, type GrammarErrorKind } from './errors.js';
export { GrammarMatcher } from './matcher.js';
export { vocabularyOf, buildVocabulary, type GrammarVocabulary } from './vocabulary.js';
export { IGNORED_KEYWORDS, SUPPORTED_KEYWORDS } from './schema.js';

/** Compiled grammars by content key; a repeated schema costs a map lookup. */
const cache = new Map<string, CompiledGrammar>();
const CACHE_ENTRIES = 256;

function cached(key: string, build: () => RuleSet): CompiledGrammar {
  const known = cache.get(key);
  if (known !== undefined) {
    // Refresh its place so the least recently used grammar is dropped first.
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  const rules = build();
  const grammar = new CompiledGrammar(key, rules.exprs, rules.paths);
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, grammar);
  return grammar;
}

/**
 * A grammar for JSON values valid against `schema` (see README "Structured output" for the
 * keywords). Throws GrammarError naming the keyword and its JSON path for anything it cannot
 * enforce exactly.
 */
export function compileJsonSchema(schema: unknown): Grammar {
  let key: string;
  try {
    key = 'schema:' + JSON.stringify(schema);
  } catch {
    throw new GrammarError('invalid_schema', '$', 'the schema is not JSON (it has a cycle or a value JSON cannot hold)');
  }
  if (schema === undefined) throw new GrammarError('invalid_schema', '$', 'expected a JSON Schema, got undefined');
  return cached(key, () => compileSchemaRules(schema));
}

/** Any JSON object (response_format json_object). */
export function jsonObjectGrammar(): Grammar {
  return cached('json-object', () => {
    const rules = new RuleSet();
    const root = rules.reserve('$');
    rules.define(root, anyObject(rules));
    return rules;
  });
}

/** Exactly one of the given strings. */
export function literalsGrammar(options: readonly string[]): Grammar {
  if (options.length === 0) throw new GrammarError('invalid_schema', '', 'literalsGrammar needs at least one option');
  return cached('literals:' + JSON.stringify(options), () => {
    const rules = new RuleSet();
    const root = rules.reserve('$');
    rules.define(root, alt(...options.map((o) => literal(o))));
    return rules;
  });
}
