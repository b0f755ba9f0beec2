import { isGptOssError } from '../core/errors.js';

/** The `type` field of OpenAI's error bodies. */
export type ApiErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'rate_limit_error' | 'server_error';

export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

/**
 * A request that fails with an HTTP status and an OpenAI-style body
 * (`{"error": {"message", "type", "param", "code"}}`); everything a handler throws becomes one.
 */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 413 | 429 | 499 | 500 | 503,
    message: string,
    readonly type: ApiErrorType,
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Extra response headers (Retry-After on 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null): ApiError =>
  new ApiError(400, message, 'invalid_request_error', param, code);

export const notFound = (message: string, param: string | null, code: string): ApiError => new ApiError(404, message, 'not_found_error', param, code);

/** The error for anything thrown: engine errors a request can cause are 400s, the rest 500s without internals. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isGptOssError(e)) {
    switch (e.code) {
      case 'aborted':
        // The client went away (nginx's 499): nobody reads this, the log does.
        return new ApiError(499, 'the client closed the request', 'invalid_request_error', null, 'client_closed_request');
      case 'context_overflow':
        return invalidRequest(e.message, 'messages', 'context_length_exceeded');
      case 'invalid_argument':
      case 'out_of_range':
      case 'unsupported':
        return invalidRequest(e.message, null, e.code);
      default:
        break;
    }
  }
  return new ApiError(500, 'the server failed to handle the request; see its log', 'server_error', null, 'internal_error');
}
