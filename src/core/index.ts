export * from './errors.js';
export * from './dtypes.js';
export * from './tensor.js';
export * from './mapping.js';
