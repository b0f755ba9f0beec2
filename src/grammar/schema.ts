import { GrammarError } from './errors.js';
import { alt, call, literal, rep, seq, type Expr, type ExprWiring } from './expr.js';
import { anyJsonChar } from './json-char.js';
import { INTEGER_LITERAL, NUMBER_LITERAL, WS, anyValueRule, quoted } from './json-value.js';
import { jsonStringBody, notOneOf } from './cp-nfa.js';
import { boundedNumber, type NumberBounds } from './numbers.js';
import { stringLanguage } from './string-formats.js';
import { RuleSet } from './rules.js';

type JsonObject = { readonly [key: string]: unknown };
type TypeName = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
const TYPE_NAMES: readonly TypeName[] = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

/** Keywords that carry no constraint: accepted and ignored (as OpenAI's strict mode does). */
export const IGNORED_KEYWORDS: readonly string[] = [
  '$schema', '$id', '$comment', '$anchor', 'title', 'description', 'default', 'examples', 'deprecated',
  'readOnly', 'writeOnly', 'contentEncoding', 'contentMediaType',
];

/** Keywords this compiler enforces. */
export const SUPPORTED_KEYWORDS: readonly string[] = [
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems',
  'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'anyOf', 'oneOf', 'allOf', '$ref', '$defs', 'definitions',
];

const ALLOWED = new Set([...IGNORED_KEYWORDS, ...SUPPORTED_KEYWORDS]);

const OBJECT_KEYWORDS = ['properties', 'required', 'additionalProperties'];
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'minItems', 'maxItems'];
const STRING_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'format'];
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];

/** Compile a JSON Schema (2020-12 subset, OpenAI strict-mode style) into grammar rules. */
export function compileSchemaRules(schema: unknown): RuleSet {
  const c = new SchemaCompiler(schema);
  const root = c.rules.reserve('$');
  c.rules.define(root, c.value(schema, '$'));
  return c.rules;
}

function pathKey(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

interface RefTarget {
  expr?: Expr;
  rule?: number;
  busy: boolean;
}

class SchemaCompiler {
  readonly rules = new RuleSet();
  private readonly root: unknown;
  private readonly refs = new Map<string, RefTarget>();

  constructor(root: unknown) {
    this.root = root;
  }

  value(schema: unknown, path: string): Expr {
    if (schema === true) return call(anyValueRule(this.rules));
    if (schema === false) throw new GrammarError('unsatisfiable', path, 'the schema `false` allows no value here');
    if (!isObject(schema)) throw new GrammarError('invalid_schema', path, `expected a JSON Schema (an object or a boolean), got ${describe(schema)}`);
    this.checkKeywords(schema, path);
    if (schema.$ref !== undefined) return this.ref(schema, path);
    if (schema.allOf !== undefined) return this.value(this.mergeAllOf(schema, path), path);
    if (schema.anyOf !== undefined || schema.oneOf !== undefined) return this.union(schema, path);
    if (schema.const !== undefined || schema.enum !== undefined) return this.enumeration(schema, path);
    const types = this.types(schema, path);
    return alt(...types.map((t) => this.typed(t, schema, path)));
  }

  private checkKeywords(schema: JsonObject, path: string): void {
    for (const key of Object.keys(schema)) {
      if (!ALLOWED.has(key)) {
        throw new GrammarError('unsupported_keyword', pathKey(path, key), `the keyword "${key}" is not supported in constrained decoding (supported: ${SUPPORTED_KEYWORDS.join(', ')})`);
      }
    }
    for (const key of ['minLength', 'maxLength', 'minItems', 'maxItems']) {
      const v = schema[key];
      if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
        throw new GrammarError('invalid_schema', pathKey(path, key), `"${key}" must be a non-negative integer, got ${describe(v)}`);
      }
    }
    if (schema.required !== undefined && !(Array.isArray(schema.required) && schema.required.every((r) => typeof r === 'string'))) {
      throw new GrammarError('invalid_schema', pathKey(path, 'required'), `"required" must be an array of property names, got ${describe(schema.required)}`);
    }
    if (schema.properties !== undefined && !isObject(schema.properties)) {
      throw new GrammarError('invalid_schema', pathKey(path, 'properties'), `"properties" must be an object of schemas, got ${describe(schema.properties)}`);
    }
    for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
      const v = schema[key];
      if (v !== undefined && !(Array.isArray(v) && (v.length > 0 || key === 'prefixItems'))) {
        throw new GrammarError('invalid_schema', pathKey(path, key), `"${key}" must be a non-empty array of schemas, got ${describe(v)}`);
      }
    }
    if (schema.enum !== undefined && !(Array.isArray(schema.enum) && schema.enum.length > 0)) {
      throw new GrammarError('invalid_schema', pathKey(path, 'enum'), `"enum" must be a non-empty array, got ${describe(schema.enum)}`);
    }
  }

  private types(schema: JsonObject, path: string): TypeName[] {
    const t = schema.type;
    if (t === undefined) {
      const has = (keys: string[]): boolean => keys.some((k) => schema[k] !== undefined);
      const inferred: TypeName[] = [];
      if (has(OBJECT_KEYWORDS)) inferred.push('object');
      if (has(ARRAY_KEYWORDS)) inferred.push('array');
      if (has(STRING_KEYWORDS)) inferred.push('string');
      if (has(NUMBER_KEYWORDS)) inferred.push('number');
      return inferred.length > 0 ? inferred : [...TYPE_NAMES.filter((n) => n !== 'integer')];
    }
    const list = Array.isArray(t) ? t : [t];
    if (list.length === 0) throw new GrammarError('invalid_schema', pathKey(path, 'type'), '"type" must not be an empty array');
    const out: TypeName[] = [];
    for (const name of list) {
      if (typeof name !== 'string' || !(TYPE_NAMES as readonly string[]).includes(name)) {
        throw new GrammarError('invalid_schema', pathKey(path, 'type'), `unknown type ${describe(name)} (expected one of ${TYPE_NAMES.join(', ')})`);
      }
      out.push(name as TypeName);
    }
    // "number" already covers integers.
    return out.includes('number') ? out.filter((n) => n !== 'integer') : out;
  }

  private typed(t: TypeName, schema: JsonObject, path: string): Expr {
    switch (t) {
      case 'null':
        return literal('null');
      case 'boolean':
        return alt(literal('true'), literal('false'));
      case 'string':
        return this.string(schema, path);
      case 'number':
      case 'integer':
        return this.number(schema, path, t === 'integer');
      case 'object':
        return this.object(schema, path);
      case 'array':
        return this.array(schema, path);
    }
  }

  private string(schema: JsonObject, path: string): Expr {
    const minLength = (schema.minLength as number | undefined) ?? 0;
    const maxLength = (schema.maxLength as number | undefined) ?? Infinity;
    if (minLength > maxLength) {
      throw new GrammarError('unsatisfiable', pathKey(path, 'minLength'), `minLength ${minLength} is greater than maxLength ${maxLength}`);
    }
    const language = stringLanguage(schema, path);
    if (language === undefined) return quoted(rep(anyJsonChar(), minLength, maxLength));
    return quoted(jsonStringBody(language, minLength, maxLength));
  }

  private number(schema: JsonObject, path: string, integer: boolean): Expr {
    const bounds: NumberBounds = {};
    for (const key of NUMBER_KEYWORDS) {
      const v = schema[key];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new GrammarError('invalid_schema', pathKey(path, key), `"${key}" must be a finite number, got ${describe(v)}`);
      }
      bounds[key as keyof NumberBounds] = v;
    }
    if (Object.keys(bounds).length === 0) return integer ? INTEGER_LITERAL : NUMBER_LITERAL;
    return boundedNumber(bounds, integer, path);
  }

  private object(schema: JsonObject, path: string): Expr {
    const props = (schema.properties as JsonObject | undefined) ?? {};
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const additional = schema.additionalProperties;
    const members: { key: string; value: Expr; required: boolean }[] = [];
    for (const [key, sub] of Object.entries(props)) {
      members.push({ key, value: this.value(sub, pathKey(pathKey(path, 'properties'), key)), required: required.has(key) });
    }
    for (const key of required) {
      if (key in props) continue;
      if (additional === false) {
        throw new GrammarError('unsatisfiable', pathKey(path, 'required'), `property "${key}" is required but not in "properties" and additionalProperties is false`);
      }
      const value = additional === undefined || additional === true ? true : additional;
      members.push({ key, value: this.value(value, pathKey(path, 'additionalProperties')), required: true });
    }
    let extra: Expr | undefined;
    if (additional !== undefined && additional !== false) {
      const value = this.value(additional, pathKey(path, 'additionalProperties'));
      const key = quoted(jsonStringBody(notOneOf(members.map((m) => m.key)), 0, Infinity));
      extra = seq(key, literal(':'), WS, value);
    }
    return objectExpr(members, extra);
  }

  private array(schema: JsonObject, path: string): Expr {
    const prefix = ((schema.prefixItems as unknown[] | undefined) ?? []).map((s, i) => this.value(s, `${pathKey(path, 'prefixItems')}[${i}]`));
    const items = schema.items;
    const minItems = (schema.minItems as number | undefined) ?? 0;
    let maxItems = (schema.maxItems as number | undefined) ?? Infinity;
    if (items === false) maxItems = Math.min(maxItems, prefix.length);
    if (minItems > maxItems) {
      const why = items === false && (schema.maxItems === undefined || (schema.maxItems as number) > prefix.length)
        ? `minItems ${minItems} needs more items than prefixItems allows with items: false`
        : `minItems ${minItems} is greater than maxItems ${maxItems}`;
      throw new GrammarError('unsatisfiable', pathKey(path, 'minItems'), why);
    }
    if (Array.isArray(items)) {
      throw new GrammarError('unsupported_keyword', pathKey(path, 'items'), '"items" as an array is draft-04 tuple syntax; use "prefixItems" (2020-12)');
    }
    const rest = items === undefined || items === false ? (items === false ? undefined : call(anyValueRule(this.rules))) : this.value(items, pathKey(path, 'items'));
    return arrayExpr(prefix, rest, minItems, maxItems, this.rules, path);
  }

  private enumeration(schema: JsonObject, path: string): Expr {
    const values: unknown[] = schema.const !== undefined ? [schema.const] : (schema.enum as unknown[]);
    if (schema.const !== undefined && schema.enum !== undefined) {
      // Both must hold: keep the const only if the enum lists it.
      const key = JSON.stringify(schema.const);
      if (!(schema.enum as unknown[]).some((v) => JSON.stringify(v) === key)) {
        throw new GrammarError('unsatisfiable', pathKey(path, 'const'), 'the const value is not among the enum values');
      }
    }
    const types = schema.type === undefined ? undefined : this.types(schema, path);
    const kept = values.filter((v) => types === undefined || types.some((t) => valueHasType(v, t)));
    const checked = kept.filter((v) => satisfiesSimpleKeywords(v, schema));
    if (checked.length === 0) {
      throw new GrammarError('unsatisfiable', pathKey(path, schema.const !== undefined ? 'const' : 'enum'), 'no listed value satisfies the other keywords of this schema');
    }
    return alt(...checked.map((v) => literal(JSON.stringify(v))));
  }

  private union(schema: JsonObject, path: string): Expr {
    const key = schema.anyOf !== undefined ? 'anyOf' : 'oneOf';
    if (schema.anyOf !== undefined && schema.oneOf !== undefined) {
      throw new GrammarError('unsupported_keyword', pathKey(path, 'oneOf'), '"anyOf" and "oneOf" in one schema are not supported; nest one inside the other');
    }
    const rest: Record<string, unknown> = { ...schema };
    delete rest[key];
    const hasRest = Object.keys(rest).some((k) => !IGNORED_KEYWORDS.includes(k) && k !== '$defs' && k !== 'definitions');
    if (key === 'oneOf') this.checkExclusive(schema.oneOf as unknown[], pathKey(path, 'oneOf'));
    const branches = (schema[key] as unknown[]).map((branch, i) => {
      const branchPath = `${pathKey(path, key)}[${i}]`;
      // Keywords beside anyOf apply to every branch: fold them into each one.
      return hasRest ? this.value(this.merge([rest, this.resolved(branch, branchPath)], branchPath), branchPath) : this.value(branch, branchPath);
    });
    return alt(...branches);
  }

  /**
   * oneOf needs exactly one branch to match. Every value of the grammar matches the branch
   * it came from, so the branches must exclude each other; this proves it for the usual
   * shapes (different types, different const/enum values, a required const discriminator,
   * keys the other branch forbids) and refuses the rest rather than risk an invalid value.
   */
  private checkExclusive(branches: readonly unknown[], path: string): void {
    const resolved = branches.map((b, i) => this.resolved(b, `${path}[${i}]`));
    for (let i = 0; i < resolved.length; i++) {
      for (let j = i + 1; j < resolved.length; j++) {
        if (!exclusive(resolved[i], resolved[j])) {
          throw new GrammarError(
            'unsupported_keyword',
            path,
            `cannot prove that oneOf branches ${i} and ${j} exclude each other (a value valid for both would break oneOf); use anyOf, or tell them apart by type, by a required "const" property, or with additionalProperties: false`,
          );
        }
      }
    }
  }

  private resolved(schema: unknown, path: string): unknown {
    let s = schema;
    for (let depth = 0; isObject(s) && typeof s.$ref === 'string' && depth < 32; depth++) {
      const siblings = Object.keys(s).filter((k) => k !== '$ref' && !IGNORED_KEYWORDS.includes(k));
      if (siblings.length > 0) break;
      s = this.lookup(s.$ref as string, path);
    }
    return s;
  }

  private mergeAllOf(schema: JsonObject, path: string): JsonObject {
    const rest: Record<string, unknown> = { ...schema };
    delete rest.allOf;
    const parts = (schema.allOf as unknown[]).map((s, i) => this.resolved(s, `${pathKey(path, 'allOf')}[${i}]`));
    return this.merge([rest, ...parts], pathKey(path, 'allOf'));
  }

  /** One schema that requires everything the given schemas require (for allOf). */
  private merge(schemas: readonly unknown[], path: string): JsonObject {
    const out: Record<string, unknown> = {};
    for (const [i, s] of schemas.entries()) {
      if (s === true) continue;
      if (s === false) throw new GrammarError('unsatisfiable', path, 'allOf contains the schema `false`');
      if (!isObject(s)) throw new GrammarError('invalid_schema', `${path}[${i}]`, `expected a JSON Schema, got ${describe(s)}`);
      this.checkKeywords(s, `${path}[${i}]`);
      let part: JsonObject = s;
      if (s.allOf !== undefined) part = this.mergeAllOf(s, `${path}[${i}]`);
      for (const [key, v] of Object.entries(part)) {
        if (IGNORED_KEYWORDS.includes(key)) continue;
        const prev = out[key];
        if (prev === undefined) {
          out[key] = v;
          continue;
        }
        out[key] = mergeKeyword(key, prev, v, `${path}[${i}]`, (a, b) => this.merge([a, b], pathKey(`${path}[${i}]`, key)));
      }
    }
    return out;
  }

  private lookup(ref: string, path: string): unknown {
    if (!ref.startsWith('#')) {
      throw new GrammarError('bad_ref', pathKey(path, '$ref'), `only local references ("#/$defs/name") are supported, got ${JSON.stringify(ref)}`);
    }
    const pointer = ref.slice(1);
    if (pointer !== '' && !pointer.startsWith('/')) {
      throw new GrammarError('bad_ref', pathKey(path, '$ref'), `${JSON.stringify(ref)} is not a JSON pointer (anchors are not supported)`);
    }
    let at: unknown = this.root;
    for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
      const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (Array.isArray(at) && /^\d+$/.test(part)) at = at[Number(part)];
      else if (isObject(at) && Object.prototype.hasOwnProperty.call(at, part)) at = at[part];
      else at = undefined;
      if (at === undefined) {
        throw new GrammarError('bad_ref', pathKey(path, '$ref'), `${JSON.stringify(ref)} points to nothing in this schema`);
      }
    }
    return at;
  }

  private ref(schema: JsonObject, path: string): Expr {
    const ref = schema.$ref;
    if (typeof ref !== 'string') throw new GrammarError('invalid_schema', pathKey(path, '$ref'), `"$ref" must be a string, got ${describe(ref)}`);
    const siblings = Object.keys(schema).filter((k) => k !== '$ref' && !IGNORED_KEYWORDS.includes(k) && k !== '$defs' && k !== 'definitions');
    if (siblings.length > 0) {
      const rest: Record<string, unknown> = {};
      for (const k of siblings) rest[k] = schema[k];
      return this.value(this.merge([rest, this.lookup(ref, path)], path), path);
    }
    const target = this.lookup(ref, path);
    const targetPath = ref === '#' ? '$' : '$' + ref.slice(1).replace(/\//g, '.');
    let entry = this.refs.get(ref);
    if (entry === undefined) {
      entry = { busy: false };
      this.refs.set(ref, entry);
    }
    if (entry.expr !== undefined) return entry.expr;
    if (entry.busy) {
      // A recursive reference: the target becomes a rule of its own, called here.
      entry.rule ??= this.rules.reserve(targetPath);
      return call(entry.rule);
    }
    entry.busy = true;
    const expr = this.value(target, targetPath);
    entry.busy = false;
    if (entry.rule !== undefined) {
      this.rules.define(entry.rule, expr);
      entry.expr = call(entry.rule);
    } else {
      entry.expr = expr;
    }
    return entry.expr;
  }
}

function mergeKeyword(key: string, a: unknown, b: unknown, path: string, mergeSchemas: (a: unknown, b: unknown) => unknown): unknown {
  const p = pathKey(path, key);
  switch (key) {
    case 'properties': {
      const out: Record<string, unknown> = { ...(a as JsonObject) };
      for (const [k, v] of Object.entries(b as JsonObject)) out[k] = k in out ? mergeSchemas(out[k], v) : v;
      return out;
    }
    case 'required':
      return [...new Set([...(a as string[]), ...(b as string[])])];
    case 'type': {
      const la = Array.isArray(a) ? a : [a];
      const lb = Array.isArray(b) ? b : [b];
      const both = la.filter((t) => lb.includes(t) || (t === 'integer' && lb.includes('number')));
      for (const t of lb) if (t === 'integer' && la.includes('number') && !both.includes('integer')) both.push('integer');
      if (both.length === 0) throw new GrammarError('unsatisfiable', p, `allOf asks for types ${JSON.stringify(a)} and ${JSON.stringify(b)} at once`);
      return both;
    }
    case 'minLength':
    case 'minItems':
    case 'minimum':
    case 'exclusiveMinimum':
      return Math.max(a as number, b as number);
    case 'maxLength':
    case 'maxItems':
    case 'maximum':
    case 'exclusiveMaximum':
      return Math.min(a as number, b as number);
    case 'enum': {
      const keys = new Set((b as unknown[]).map((v) => JSON.stringify(v)));
      return (a as unknown[]).filter((v) => keys.has(JSON.stringify(v)));
    }
    case 'additionalProperties':
    case 'items':
      if (a === false || b === false) return false;
      return mergeSchemas(a, b);
    case '$defs':
    case 'definitions':
      return { ...(a as JsonObject), ...(b as JsonObject) };
    default:
      if (JSON.stringify(a) === JSON.stringify(b)) return a;
      throw new GrammarError('unsupported_keyword', p, `allOf combines two different "${key}" values, which is not supported`);
  }
}

/** The JSON types a schema's values can have (undefined: any type). */
function typesOf(s: JsonObject): Set<TypeName> | undefined {
  if (s.const !== undefined) return new Set(TYPE_NAMES.filter((t) => valueHasType(s.const, t)));
  if (Array.isArray(s.enum)) return new Set(TYPE_NAMES.filter((t) => (s.enum as unknown[]).some((v) => valueHasType(v, t))));
  if (s.type === undefined) return undefined;
  const list = (Array.isArray(s.type) ? s.type : [s.type]) as TypeName[];
  const out = new Set(list);
  if (out.has('number')) out.add('integer');
  return out;
}

function constValues(s: unknown): string[] | undefined {
  if (!isObject(s)) return undefined;
  if (s.const !== undefined) return [JSON.stringify(s.const)];
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v));
  return undefined;
}

/** Whether no JSON value can be valid against both schemas (a sufficient check). */
function exclusive(a: unknown, b: unknown): boolean {
  if (!isObject(a) || !isObject(b)) return false;
  const ta = typesOf(a);
  const tb = typesOf(b);
  if (ta !== undefined && tb !== undefined && ![...ta].some((t) => tb.has(t))) return true;
  const ca = constValues(a);
  const cb = constValues(b);
  if (ca !== undefined && cb !== undefined && !ca.some((v) => cb.includes(v))) return true;
  const pa = isObject(a.properties) ? a.properties : {};
  const pb = isObject(b.properties) ? b.properties : {};
  const ra = Array.isArray(a.required) ? (a.required as string[]) : [];
  const rb = Array.isArray(b.required) ? (b.required as string[]) : [];
  // A discriminator: a property both require, with disjoint const/enum values.
  for (const k of ra) {
    if (!rb.includes(k)) continue;
    const va = constValues(pa[k]);
    const vb = constValues(pb[k]);
    if (va !== undefined && vb !== undefined && !va.some((v) => vb.includes(v))) return true;
  }
  // Each side requires a key the other forbids.
  const forbids = (s: JsonObject, props: JsonObject, key: string): boolean => s.additionalProperties === false && !(key in props);
  return ra.some((k) => forbids(b, pb, k)) && rb.some((k) => forbids(a, pa, k));
}

function valueHasType(v: unknown, t: TypeName): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
  }
}

/** Enum values must also meet the simple keywords beside them (lengths, bounds, pattern). */
function satisfiesSimpleKeywords(v: unknown, s: JsonObject): boolean {
  if (typeof v === 'string') {
    const n = [...v].length;
    if (typeof s.minLength === 'number' && n < s.minLength) return false;
    if (typeof s.maxLength === 'number' && n > s.maxLength) return false;
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) return false;
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) return false;
    if (typeof s.maximum === 'number' && v > s.maximum) return false;
    if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) return false;
    if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) return false;
  }
  return true;
}

/**
 * `{` members `}` with the declared properties in order (optional ones may be left out,
 * commas only between members), then any additional members.
 */
function objectExpr(members: readonly { key: string; value: Expr; required: boolean }[], extra: Expr | undefined): Expr {
  const body: Expr = {
    k: 'build',
    build: (b: ExprWiring, from: number): number => {
      // first[i]: nothing written yet, at property i; later[i]: something written.
      const n = members.length;
      const first: number[] = [from];
      const later: number[] = [b.state()];
      for (let i = 1; i <= n; i++) {
        first.push(b.state());
        later.push(b.state());
      }
      members.forEach((m, i) => {
        const key = seq(literal(JSON.stringify(m.key)), literal(':'), WS);
        if (!m.required) {
          b.eps(first[i]!, first[i + 1]!);
          b.eps(later[i]!, later[i + 1]!);
        }
        // Both ways into the value (first member or after a comma) meet before it, so
        // the value's states are made once.
        const value = b.state();
        b.emitTo(key, first[i]!, value);
        b.emitTo(seq(literal(','), WS, key), later[i]!, value);
        b.emitTo(m.value, value, later[i + 1]!);
      });
      const end = b.state();
      b.eps(first[n]!, end);
      b.eps(later[n]!, end);
      if (extra !== undefined) {
        const more = b.state();
        const one = b.state();
        b.eps(first[n]!, one);
        b.emitTo(seq(literal(','), WS), later[n]!, one);
        b.emitTo(seq(literal(','), WS), more, one);
        b.emitTo(extra, one, more);
        b.eps(more, end);
      }
      return end;
    },
  };
  return seq(literal('{'), body, literal('}'));
}

/** Arrays whose item i follows prefix[i], later items `rest`, with minItems..maxItems items. */
function arrayExpr(prefix: readonly Expr[], rest: Expr | undefined, minItems: number, maxItems: number, rules: RuleSet, path: string): Expr {
  let restItem = rest;
  // Repeated many times, a large item is cheaper as one rule called from each place.
  const copies = Math.min(maxItems, Math.max(minItems, prefix.length + 1)) - prefix.length;
  if (restItem !== undefined && restItem.k !== 'call' && copies > 4) {
    const r = rules.reserve(pathKey(path, 'items'));
    rules.define(r, restItem);
    restItem = call(r);
  }
  const itemAt = (i: number): Expr | undefined => (i < prefix.length ? prefix[i] : restItem);
  const body: Expr = {
    k: 'build',
    build: (b: ExprWiring, from: number): number => {
      const end = b.state();
      let at = from;
      let count = 0;
      if (minItems === 0) b.eps(at, end);
      for (;;) {
        const item = itemAt(count);
        if (item === undefined || count >= maxItems) break;
        if (count >= prefix.length && maxItems === Infinity && count >= minItems) {
          // From here on every item is the same and unlimited: a loop.
          if (count === 0) {
            at = b.emit(item, at);
            b.eps(at, end);
          }
          b.emitTo(seq(literal(','), WS, item), at, at);
          return end;
        }
        at = b.emit(count === 0 ? item : seq(literal(','), WS, item), at);
        count++;
        if (count >= minItems) b.eps(at, end);
      }
      return end;
    },
  };
  return seq(literal('['), body, literal(']'));
}

