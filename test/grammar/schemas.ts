/** Schemas for the grammar tests: together they use every keyword the compiler supports. */
export const SCHEMAS: Record<string, unknown> = {
  toolCall: {
    type: 'object',
    properties: {
      location: { type: 'string', description: 'City name', minLength: 1, maxLength: 20 },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer', minimum: 1, maximum: 14 },
      detailed: { type: 'boolean' },
    },
    required: ['location', 'unit'],
    additionalProperties: false,
  },
  formats: {
    type: 'object',
    properties: {
      day: { type: 'string', format: 'date' },
      at: { type: 'string', format: 'date-time' },
      clock: { type: 'string', format: 'time' },
      id: { type: 'string', format: 'uuid' },
      mail: { type: 'string', format: 'email' },
      site: { type: 'string', format: 'uri' },
    },
    required: ['day', 'at', 'clock', 'id', 'mail', 'site'],
    additionalProperties: false,
  },
  patterns: {
    type: 'object',
    properties: {
      code: { type: 'string', pattern: '^[A-Z]{2}-\\d{3}$' },
      contains: { type: 'string', pattern: 'ab+c', maxLength: 8 },
      quoted: { type: 'string', pattern: '^(?:"[^"\\\\]*"|x\\\\y)$' },
      short: { type: 'string', minLength: 2, maxLength: 3 },
    },
    required: ['code', 'contains', 'quoted', 'short'],
    additionalProperties: false,
  },
  numbers: {
    type: 'object',
    properties: {
      ratio: { type: 'number', minimum: -1.5, exclusiveMaximum: 2.25 },
      count: { type: 'integer', exclusiveMinimum: 10, maximum: 1000 },
      tiny: { type: 'number', minimum: 0.1, maximum: 0.3 },
      negative: { type: 'integer', maximum: -5 },
      free: { type: 'number' },
    },
    required: ['ratio', 'count', 'tiny', 'negative', 'free'],
    additionalProperties: false,
  },
  arrays: {
    type: 'object',
    properties: {
      pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false, minItems: 2 },
      tags: { type: 'array', items: { type: 'string', maxLength: 5 }, minItems: 1, maxItems: 3 },
      matrix: { type: 'array', items: { type: 'array', items: { type: 'number' }, maxItems: 2 }, maxItems: 2 },
      loose: { type: 'array', prefixItems: [{ const: 1 }], maxItems: 3 },
    },
    required: ['pair', 'tags', 'matrix'],
    additionalProperties: false,
  },
  literals: {
    type: 'object',
    properties: {
      mode: { enum: ['a', 1, null, true, { x: [1, 2] }] },
      fixed: { const: 'quote " backslash \\ é \u0001 tab\t' },
      maybe: { type: ['string', 'null'], maxLength: 4 },
      nothing: { type: 'null' },
    },
    required: ['mode', 'fixed', 'maybe', 'nothing'],
    additionalProperties: false,
  },
  unions: {
    type: 'object',
    properties: {
      shape: {
        anyOf: [
          { type: 'object', properties: { kind: { const: 'circle' }, r: { type: 'number', minimum: 0 } }, required: ['kind', 'r'], additionalProperties: false },
          { type: 'object', properties: { kind: { const: 'square' }, side: { type: 'integer', minimum: 1 } }, required: ['kind', 'side'], additionalProperties: false },
        ],
      },
      pet: {
        oneOf: [
          { type: 'object', properties: { cat: { type: 'string', maxLength: 6 } }, required: ['cat'], additionalProperties: false },
          { type: 'object', properties: { dog: { type: 'boolean' } }, required: ['dog'], additionalProperties: false },
        ],
      },
      both: {
        allOf: [
          { type: 'object', properties: { a: { type: 'integer', minimum: 0 } }, required: ['a'] },
          { type: 'object', properties: { b: { type: 'string', enum: ['x', 'y'] } }, required: ['b'] },
        ],
      },
    },
    required: ['shape', 'pet', 'both'],
    additionalProperties: false,
  },
  recursive: {
    $defs: {
      node: {
        type: 'object',
        properties: {
          name: { type: 'string', maxLength: 6 },
          children: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 2 },
        },
        required: ['name'],
        additionalProperties: false,
      },
    },
    type: 'object',
    properties: { root: { $ref: '#/$defs/node' }, count: { $ref: '#/definitions/count' } },
    required: ['root'],
    additionalProperties: false,
    definitions: { count: { type: 'integer', minimum: 0, maximum: 9 } },
  },
  extras: {
    type: 'object',
    properties: {
      meta: { type: 'object', properties: { v: { type: 'integer' } }, required: ['v'], additionalProperties: { type: 'integer', maximum: 3 } },
      any: {},
    },
    required: ['meta'],
    additionalProperties: false,
  },
};
