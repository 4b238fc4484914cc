// `ecommir/labels`: the label sets (taxonomies), without the service stack. The root entry
// (index.ts) re-exports all of this (test/library/sub-paths.test.ts checks what it loads).
export * from '../errors.js';
export * from '../types.js';
export { Taxonomy, HIERARCHY_SEPARATOR, type TaxonomyFile, type TaxonomyLabel } from '../labels/taxonomy.js';
