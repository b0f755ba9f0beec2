import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GrammarError, compileJsonSchema } from '../../src/grammar/index.js';

function fails(schema: unknown, kind: string, path: string, message: RegExp): void {
  assert.throws(
    () => compileJsonSchema(schema),
    (e: unknown) => {
      assert.ok(e instanceof GrammarError, `expected a GrammarError, got ${String(e)}`);
      assert.equal(e.kind, kind, e.message);
      assert.equal(e.jsonPath, path, e.message);
      assert.match(e.message, message);
      assert.equal(e.code, 'invalid_argument');
      return true;
    },
  );
}

test('not a schema', () => {
  fails(42, 'invalid_schema', '$', /expected a JSON Schema \(an object or a boolean\), got number 42/);
  fails({ type: 'object', properties: { a: 'string' } }, 'invalid_schema', '$.properties.a', /got the string "string"/);
  fails({ type: 'strnig' }, 'invalid_schema', '$.type', /unknown type the string "strnig"/);
});

test('unsupported keywords name the keyword and where it is', () => {
  fails({ type: 'object', properties: { n: { type: 'number', multipleOf: 3 } } }, 'unsupported_keyword', '$.properties.n.multipleOf', /"multipleOf" is not supported/);
  fails({ type: 'array', uniqueItems: true }, 'unsupported_keyword', '$.uniqueItems', /uniqueItems/);
  fails({ type: 'string', format: 'hostname' }, 'unsupported_keyword', '$.format', /format "hostname" is not supported/);
  fails({ type: 'string', pattern: '^(?=a)b$' }, 'bad_pattern', '$.pattern', /lookaround/);
  fails({ type: 'string', pattern: '(a)\\1' }, 'bad_pattern', '$.pattern', /backreferences/);
});

test('unsatisfiable schemas are caught at compile time', () => {
  fails({ type: 'string', minLength: 5, maxLength: 2 }, 'unsatisfiable', '$.minLength', /minLength 5 is greater than maxLength 2/);
  fails({ type: 'integer', minimum: 5, exclusiveMaximum: 5 }, 'unsatisfiable', '$', /no integer satisfies minimum 5, exclusiveMaximum 5/);
  fails({ type: 'array', prefixItems: [{ type: 'string' }], items: false, minItems: 2 }, 'unsatisfiable', '$.minItems', /prefixItems/);
  fails({ type: 'object', properties: { a: { type: 'string', enum: ['x'], maxLength: 0 } } }, 'unsatisfiable', '$.properties.a.enum', /no listed value/);
});

test('oneOf branches that could both match are refused; exclusive ones compile', () => {
  fails(
    { oneOf: [{ type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] }, { type: 'object', properties: { b: { type: 'string' } } }] },
    'unsupported_keyword',
    '$.oneOf',
    /cannot prove that oneOf branches 0 and 1 exclude each other/,
  );
  fails({ oneOf: [{ type: 'integer' }, { type: 'number' }] }, 'unsupported_keyword', '$.oneOf', /use anyOf/);
  compileJsonSchema({ oneOf: [{ type: 'string' }, { type: 'integer' }, { type: 'null' }] });
  compileJsonSchema({ oneOf: [{ enum: ['a', 'b'] }, { const: 'c' }] });
  compileJsonSchema({
    oneOf: [
      { type: 'object', properties: { kind: { const: 'x' }, v: {} }, required: ['kind'] },
      { type: 'object', properties: { kind: { enum: ['y', 'z'] } }, required: ['kind'] },
    ],
  });
});

test('references to nothing and recursion without a base case', () => {
  fails({ $ref: '#/$defs/missing' }, 'bad_ref', '$.$ref', /points to nothing/);
  fails({ $ref: 'https://example.com/s.json' }, 'bad_ref', '$.$ref', /only local references/);
  fails(
    { type: 'object', properties: { next: { $ref: '#' } }, required: ['next'], additionalProperties: false },
    'unsatisfiable',
    '$',
    /recursive definition has no base case/,
  );
  fails({ anyOf: [{ $ref: '#' }, { type: 'string' }] }, 'unsatisfiable', '$', /left recursion/);
});

test('annotations are ignored, and a recursive schema with a base case compiles', () => {
  const g = compileJsonSchema({
    title: 'T',
    description: 'd',
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { next: { anyOf: [{ $ref: '#' }, { type: 'null' }], default: null } },
    required: ['next'],
    additionalProperties: false,
  });
  assert.ok(g.key.length > 0);
  assert.equal(compileJsonSchema({ type: 'string' }), compileJsonSchema({ type: 'string' }), 'compiled once, cached by content');
});
