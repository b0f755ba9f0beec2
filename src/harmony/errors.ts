import { GptOssError } from '../core/errors.js';

/** A conversation harmony cannot render (a tool message without a name, a schema that cannot be typed, ...). */
export class HarmonyRenderError extends GptOssError {
  constructor(message: string) {
    super('invalid_argument', message);
    this.name = 'HarmonyRenderError';
  }
}

/**
 * Model output that harmony's parser rejects. `tokens` holds every token fed so far and
 * `partialText` whatever text had been read into the current message, so nothing is lost.
 */
export class HarmonyParseError extends GptOssError {
  readonly tokens: readonly number[];
  readonly partialText: string;
  constructor(message: string, tokens: readonly number[], partialText = '') {
    super('parse_error', message);
    this.name = 'HarmonyParseError';
    this.tokens = tokens;
    this.partialText = partialText;
  }
}

/** harmony JSON that does not match openai-harmony's serde shape; `path` names the field. */
export class HarmonyJsonError extends GptOssError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super('invalid_argument', `${path}: ${problem}`);
    this.name = 'HarmonyJsonError';
    this.path = path;
  }
}
