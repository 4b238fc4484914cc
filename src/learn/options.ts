// Option rules declared as data, checked once in the constructor (scikit-learn's _parameter_constraints).

import { EcommirError } from '../errors.js';

export type OptionRule =
  | { type: 'number'; min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean; optional?: boolean }
  | { type: 'enum'; values: readonly string[]; optional?: boolean }
  | { type: 'boolean'; optional?: boolean }
  | { type: 'intArray'; optional?: boolean };

export type OptionSchema = Record<string, OptionRule>;

/** Throws ECM_ERR_BAD_OPTION naming the owner and option when a value breaks its rule, or is unknown. */
export function checkOptions(owner: string, schema: OptionSchema, options: Record<string, unknown>): void {
  for (const key of Object.keys(options)) {
    if (!(key in schema)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${owner}: unknown option "${key}"`);
  }
  for (const [key, rule] of Object.entries(schema)) {
    const value = options[key];
    if (value === undefined) {
      if (rule.optional) continue;
      throw new EcommirError('ECM_ERR_BAD_OPTION', `${owner}: option "${key}" is required`);
    }
    const bad = (why: string): never => {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `${owner}: option "${key}" ${why}, got ${JSON.stringify(value)}`);
    };
    switch (rule.type) {
      case 'number': {
        if (typeof value !== 'number' || !Number.isFinite(value)) bad('must be a finite number');
        const x = value as number;
        if (rule.integer && !Number.isInteger(x)) bad('must be an integer');
        if (rule.min !== undefined && (rule.exclusiveMin ? x <= rule.min : x < rule.min)) bad(`must be ${rule.exclusiveMin ? '>' : '≥'} ${rule.min}`);
        if (rule.max !== undefined && x > rule.max) bad(`must be ≤ ${rule.max}`);
        break;
      }
      case 'enum':
        if (typeof value !== 'string' || !rule.values.includes(value)) bad(`must be one of ${rule.values.join(', ')}`);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') bad('must be true or false');
        break;
      case 'intArray':
        if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && v >= 0)) bad('must be an array of non-negative integers');
        break;
    }
  }
}

/** JSON drops undefined values anyway; this keeps option objects from fromJSON identical to the saved ones. */
export function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}
