/**
 * Typed errors. Every failure a user can cause carries a stable `code` and a message that names
 * the file, field or value and what was expected; the CLI prints `message` (never a stack), the
 * server maps `code` to an OpenAI-style error body.
 */
export type ErrorCode =
  | 'invalid_argument'
  | 'file_not_found'
  | 'invalid_file'
  | 'invalid_config'
  | 'missing_tensor'
  | 'shape_mismatch'
  | 'unsupported'
  | 'out_of_range'
  | 'context_overflow'
  | 'backend_unavailable'
  | 'aborted'
  | 'parse_error'
  | 'internal';

export class GptOssError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'GptOssError';
  }
}

/** A command-line or API argument was missing or malformed. */
export class InvalidArgumentError extends GptOssError {
  constructor(message: string) {
    super('invalid_argument', message);
    this.name = 'InvalidArgumentError';
  }
}

/** A file on disk is missing, truncated or does not hold what its format promises. */
export class FileFormatError extends GptOssError {
  readonly file: string;
  constructor(file: string, problem: string, code: ErrorCode = 'invalid_file') {
    super(code, `${file}: ${problem}`);
    this.file = file;
    this.name = 'FileFormatError';
  }
}

/** config.json holds a missing, mistyped or inconsistent value. */
export class ConfigError extends GptOssError {
  constructor(message: string) {
    super('invalid_config', message);
    this.name = 'ConfigError';
  }
}

/** A tensor's shape or dtype disagrees with the config, or a tensor is absent. */
export class TensorError extends GptOssError {
  constructor(code: 'missing_tensor' | 'shape_mismatch', message: string) {
    super(code, message);
    this.name = 'TensorError';
  }
}

/** A token id, position or length outside what the model accepts. */
export class OutOfRangeError extends GptOssError {
  constructor(message: string) {
    super('out_of_range', message);
    this.name = 'OutOfRangeError';
  }
}

/** The prompt (plus requested output) does not fit the context window. */
export class ContextOverflowError extends GptOssError {
  constructor(message: string) {
    super('context_overflow', message);
    this.name = 'ContextOverflowError';
  }
}

/**
 * A forward pass produced NaN or an infinity: the weights (e.g. a corrupt MXFP4 scale) or the backend
 * is broken, and sampling from the row would print fluent-looking nonsense.
 */
export class NonFiniteLogitsError extends GptOssError {
  readonly position: number;
  constructor(position: number) {
    super('internal', `non-finite logits (NaN or Inf) at position ${position}: the checkpoint or the backend is broken`);
    this.position = position;
    this.name = 'NonFiniteLogitsError';
  }
}

/** A backend was asked for but cannot be used here (e.g. the native addon did not build). */
export class BackendUnavailableError extends GptOssError {
  constructor(message: string) {
    super('backend_unavailable', message);
    this.name = 'BackendUnavailableError';
  }
}

/** Work stopped because its AbortSignal fired. */
export class AbortError extends GptOssError {
  constructor(message = 'the operation was aborted') {
    super('aborted', message);
    this.name = 'AbortError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError();
}

export function isGptOssError(e: unknown): e is GptOssError {
  return e instanceof GptOssError;
}
