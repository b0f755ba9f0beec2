import type { z } from 'zod';
import { invalidRequest } from '../errors.js';

/** `messages[0].content` from zod's path ['messages', 0, 'content']. */
export function paramOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/** Parses `body` with `schema`, or throws a 400 naming the first offending field as `param`. */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('the request body must be a JSON object', null, 'invalid_type');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = paramOf(issue.path);
  const where = param === '' ? 'request body' : `'${param}'`;
  const code = issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value';
  throw invalidRequest(`Invalid value for ${where}: ${issue.message}`, param || null, code);
}
