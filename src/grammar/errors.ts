import { GptOssError } from '../core/errors.js';

/** Why a schema or grammar could not be compiled. */
export type GrammarErrorKind =
  | 'unsupported_keyword'
  | 'invalid_schema'
  | 'unsatisfiable'
  | 'bad_ref'
  | 'bad_pattern'
  | 'token_not_allowed';

/**
 * A schema that cannot be enforced, or a token the grammar does not allow. It is a
 * GptOssError with code 'invalid_argument' (callers map it to a 400), `kind` says which
 * problem and `jsonPath` where in the schema (e.g. `$.properties.date.format`).
 */
export class GrammarError extends GptOssError {
  readonly kind: GrammarErrorKind;
  readonly jsonPath: string;
  constructor(kind: GrammarErrorKind, jsonPath: string, problem: string) {
    super('invalid_argument', jsonPath ? `JSON schema at ${jsonPath}: ${problem}` : problem);
    this.kind = kind;
    this.jsonPath = jsonPath;
    this.name = 'GrammarError';
  }
}
