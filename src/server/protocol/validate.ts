import type { z } from 'zod';
import { invalidRequest } from '../errors.js';

/** `messages[0].content` from zod's path ['messages', 0, 'content']. */
export function paramOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

type Issue = z.core.$ZodIssue;

/** Parses `body` with `schema`, or throws a 400 naming the first offending field as `param`. */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('the request body must be a JSON object', null, 'invalid_type');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const { path, code, message } = explain(result.error.issues[0]!, [], body);
  const param = paramOf(path);
  throw invalidRequest(`Invalid value for ${param === '' ? 'request body' : `'${param}'`}: ${message}`, param || null, code);
}

/**
 * The issue to report. A value none of a union's types accept is a type error; a value one
 * branch got furthest into (an array of input items, say) is reported where that branch failed.
 */
function explain(issue: Issue, base: readonly PropertyKey[], body: unknown): { path: PropertyKey[]; code: string; message: string } {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && !('discriminator' in issue) && issue.errors.length > 0) {
    const firsts = issue.errors.map((b) => b[0]).filter((i): i is Issue => i !== undefined);
    if (firsts.every((i) => i.code === 'invalid_type' && i.path.length === 0)) {
      const expected = firsts.map((i) => (i as { expected?: string }).expected).join(' or ');
      return { path, code: 'invalid_type', message: `expected ${expected}, got ${typeName(valueAt(body, path))}` };
    }
    const deepest = firsts.reduce((a, b) => (b.path.length > a.path.length ? b : a));
    return explain(deepest, path, body);
  }
  return { path, code: issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value', message: issue.message };
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let v = body;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
