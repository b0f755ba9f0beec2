import { GptOssError } from '../../core/errors.js';
import { GrammarError, GrammarMatcher, compileJsonSchema, jsonObjectGrammar, vocabularyOf, type Grammar, type GrammarVocabulary } from '../../grammar/index.js';
import type { JsonValue } from '../../harmony/index.js';
import { getTokenizer } from '../../tokenizer/index.js';
import type { Tokenizer } from '../../tokenizer/types.js';
import type { ContentGrammar } from './content-rule.js';
import type { GrammarSource } from './turn-plan.js';

/** Content grammars by grammar key: the matcher's vocabulary and the value's minimum are worked out once. */
const wrapped = new WeakMap<Grammar, ContentGrammar>();

function wrap(grammar: Grammar, vocab: GrammarVocabulary): ContentGrammar {
  let g = wrapped.get(grammar);
  if (g === undefined) {
    const newMatcher = (): GrammarMatcher => new GrammarMatcher(grammar, vocab);
    g = { key: grammar.key, newMatcher, minTokens: newMatcher().minTokensToComplete() };
    wrapped.set(grammar, g);
  }
  return g;
}

/** The grammar engine (src/grammar) as the turn plan's source of content grammars; schemas are compiled once per content. */
export function grammarSource(tokenizer: Tokenizer = getTokenizer()): GrammarSource {
  const vocab = vocabularyOf(tokenizer);
  return {
    schema(schema: JsonValue, where: string): ContentGrammar {
      try {
        return wrap(compileJsonSchema(schema), vocab);
      } catch (e) {
        if (e instanceof GrammarError) throw new GptOssError('invalid_argument', `${where}: ${e.message}`, { cause: e });
        throw e;
      }
    },
    anyObject: () => wrap(jsonObjectGrammar(), vocab),
  };
}
