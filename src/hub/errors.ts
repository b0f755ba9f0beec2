import { GptOssError, type ErrorCode } from '../core/errors.js';

/** Why talking to the hub or using the local model cache failed; the CLI prints `message`, callers branch on `reason`. */
export type HubFailure =
  | 'not_found' // no such repository, revision or file
  | 'gated' // the repository needs a token (or accepted terms) the request did not have
  | 'unauthorized' // the token was refused
  | 'network' // the connection failed or was cut too often
  | 'http' // any other non-2xx answer
  | 'checksum' // the downloaded bytes do not hash to the hub's sha256
  | 'not_gpt_oss' // the repository holds no gpt-oss config for the chosen layout
  | 'not_cached' // a model was asked for that is not in the local cache
  | 'declined' // the user answered no (or could not be asked)
  | 'busy'; // another process is downloading the same file into the cache

const CODES: Record<HubFailure, ErrorCode> = {
  not_found: 'file_not_found',
  gated: 'invalid_argument',
  unauthorized: 'invalid_argument',
  network: 'internal',
  http: 'internal',
  checksum: 'invalid_file',
  not_gpt_oss: 'invalid_config',
  not_cached: 'file_not_found',
  declined: 'aborted',
  busy: 'invalid_argument',
};

export class HubError extends GptOssError {
  readonly reason: HubFailure;
  constructor(reason: HubFailure, message: string, options?: { cause?: unknown }) {
    super(CODES[reason], message, options);
    this.reason = reason;
    this.name = 'HubError';
  }
}
