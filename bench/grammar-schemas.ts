/** The schemas the grammar benchmarks use: a typical tool's parameters and a complex nested one. */
export const TOOL_SCHEMA = {
  type: 'object',
  properties: {
    location: { type: 'string', description: 'City and country, e.g. Paris, France' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer', minimum: 1, maximum: 14 },
  },
  required: ['location', 'unit'],
  additionalProperties: false,
};

export const NESTED_SCHEMA = {
  $defs: {
    address: {
      type: 'object',
      properties: {
        street: { type: 'string', maxLength: 40 },
        city: { type: 'string' },
        zip: { type: 'string', pattern: '^\\d{5}(-\\d{4})?$' },
        country: { type: 'string', enum: ['US', 'CA', 'MX'] },
      },
      required: ['street', 'city', 'zip', 'country'],
      additionalProperties: false,
    },
    category: {
      type: 'object',
      properties: { name: { type: 'string' }, sub: { type: 'array', items: { $ref: '#/$defs/category' }, maxItems: 3 } },
      required: ['name'],
      additionalProperties: false,
    },
  },
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    created: { type: 'string', format: 'date-time' },
    customer: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 60 },
        email: { type: 'string', format: 'email' },
        website: { type: ['string', 'null'], format: 'uri' },
        shipping: { $ref: '#/$defs/address' },
        billing: { anyOf: [{ $ref: '#/$defs/address' }, { type: 'null' }] },
      },
      required: ['name', 'email', 'shipping'],
      additionalProperties: false,
    },
    items: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          sku: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{4}$' },
          quantity: { type: 'integer', minimum: 1, maximum: 999 },
          price: { type: 'number', exclusiveMinimum: 0, maximum: 100000 },
          tags: { type: 'array', items: { type: 'string' }, maxItems: 5 },
        },
        required: ['sku', 'quantity', 'price'],
        additionalProperties: false,
      },
    },
    payment: {
      oneOf: [
        { type: 'object', properties: { method: { const: 'card' }, last4: { type: 'string', pattern: '^\\d{4}$' } }, required: ['method', 'last4'], additionalProperties: false },
        { type: 'object', properties: { method: { const: 'invoice' }, due: { type: 'string', format: 'date' } }, required: ['method', 'due'], additionalProperties: false },
      ],
    },
    category: { $ref: '#/$defs/category' },
    notes: { type: 'string' },
    priority: { type: 'integer', minimum: -10, maximum: 10 },
    gift: { type: 'boolean' },
  },
  required: ['id', 'created', 'customer', 'items', 'payment'],
  additionalProperties: false,
};

export const HEADER_LITERALS = ['analysis', 'commentary', 'final', 'functions.get_weather', 'functions.search_flights', 'browser.search', 'browser.open', 'python'];
