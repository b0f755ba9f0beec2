import { GptOssError } from '../../core/errors.js';
import type { Command } from '../command.js';

/** Placeholder for a command whose issue is still open. */
export function notImplemented(name: string, summary: string): Command {
  return {
    name,
    summary,
    usage: `gpt-oss ${name}: not available yet`,
    run: () => Promise.reject(new GptOssError('unsupported', `gpt-oss ${name} is not available yet`)),
  };
}
