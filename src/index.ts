// The public API. Only this file re-exports.
export * from './types.js';
export * from './errors.js';
export { VERSION } from './version.js';
