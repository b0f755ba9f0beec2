import { intersect } from './codepoints.js';
import { CpNfa } from './cp-nfa.js';
import { GrammarError } from './errors.js';
import { regexLanguage } from './regex.js';

/**
 * The string formats, as regular expressions that accept what ajv-formats accepts in its
 * default ("full") mode, or a subset of it where the full check is not regular-friendly:
 * - date: real calendar dates (month lengths, Feb 29 only in leap years, year 0000 is leap);
 * - time: hh:mm:ss(.fraction) with Z or +-hh[:mm]; leap seconds (23:59:60) are left out;
 * - date-time: a date, T/t/space, a time;
 * - uuid, email, uri: ajv-formats' own regular expressions (ajv-formats 3.0.1, MIT).
 */
const YEAR = '\\d{4}';
const LEAP_YEAR = '(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:0[048]|[2468][048]|[13579][26])00)';
const MONTH_DAY =
  '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))';
const DATE = `(?:${YEAR}-${MONTH_DAY}|${LEAP_YEAR}-02-29)`;
const TIME = '(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:[zZ]|[+-](?:[01]\\d|2[0-3])(?::?[0-5]\\d)?)';
const URI =
  "(?:[a-z][a-z0-9+\\-.]*:)(?:\\/?\\/(?:(?:[a-z0-9\\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\.){3}(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\\.[a-z0-9\\-._~!$&'()*+,;=:]+)\\]|(?:(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\.){3}(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)|(?:[a-z0-9\\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\\d*)?(?:\\/(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*|\\/(?:(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\\/(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\\/(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\\?(?:[a-z0-9\\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?";

const FORMATS: Readonly<Record<string, { source: string; ignoreCase: boolean }>> = {
  date: { source: `^${DATE}$`, ignoreCase: false },
  time: { source: `^${TIME}$`, ignoreCase: false },
  'date-time': { source: `^${DATE}[Tt ]${TIME}$`, ignoreCase: false },
  uuid: { source: '^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$', ignoreCase: true },
  email: {
    source: "^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
    ignoreCase: true,
  },
  uri: { source: `^${URI}$`, ignoreCase: true },
};

export const SUPPORTED_FORMATS = Object.keys(FORMATS);

/**
 * The language of a string schema's `pattern` and `format` as a code point NFA, or
 * undefined when neither is given (any string).
 */
export function stringLanguage(schema: { readonly [key: string]: unknown }, path: string): CpNfa | undefined {
  const parts: CpNfa[] = [];
  if (schema.pattern !== undefined) {
    if (typeof schema.pattern !== 'string') {
      throw new GrammarError('invalid_schema', `${path}.pattern`, `"pattern" must be a string, got ${JSON.stringify(schema.pattern)}`);
    }
    parts.push(regexLanguage(schema.pattern, `${path}.pattern`));
  }
  if (schema.format !== undefined) {
    const f = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
    if (f === undefined) {
      throw new GrammarError('unsupported_keyword', `${path}.format`, `the format ${JSON.stringify(schema.format)} is not supported (supported: ${SUPPORTED_FORMATS.join(', ')})`);
    }
    parts.push(regexLanguage(f.source, `${path}.format`, f.ignoreCase));
  }
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : intersectNfa(parts[0]!, parts[1]!);
}

/** Strings both NFAs accept: the product automaton over pairs of states. */
function intersectNfa(a: CpNfa, b: CpNfa): CpNfa {
  const ea = a.withoutEpsilons();
  const eb = b.withoutEpsilons();
  const out = new CpNfa();
  const index = new Map<number, number>();
  const work: [number, number][] = [];
  const get = (x: number, y: number): number => {
    const key = x * b.stateCount + y;
    let s = index.get(key);
    if (s === undefined) {
      s = out.state();
      index.set(key, s);
      out.accepting[s] = ea.accepting[x]! && eb.accepting[y]!;
      work.push([x, y]);
    }
    return s;
  };
  out.start = get(a.start, b.start);
  while (work.length > 0) {
    const [x, y] = work.pop()!;
    const from = index.get(x * b.stateCount + y)!;
    for (const e1 of ea.out[x]!) {
      for (const e2 of eb.out[y]!) {
        const set = intersect(e1.set, e2.set);
        if (set.length > 0) out.edge(from, set, get(e1.to, e2.to));
      }
    }
  }
  return out;
}
