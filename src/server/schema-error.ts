// ajv says where a body breaks its schema, not always what broke it: for a field the schema does not
// have it writes "must NOT have additional properties" and keeps the field's name in params. The
// name goes into the message, with the same hint the data files give for a turn ("image" → "images").
import { TURN_SHAPE, ownValue } from '../data/known-keys.js';

/** The part of an ajv error the message is made from. */
export interface SchemaErrorLike {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** What the schemas' patterns mean, in words (src/server/feedback-schemas.ts). */
const PATTERN_MEANINGS: Readonly<Record<string, string>> = {
  '^(100|[1-9][0-9]?)$': 'a whole number from 1 to 100',
  '^[0-9a-f]{64}$': 'a SHA-256 in 64 lower-case hex digits',
};

/** One schema error as a sentence: its path (after `prefix`) and what is wrong there. */
export function describeSchemaError(e: SchemaErrorLike, prefix: string): string {
  const where = `${prefix}${e.instancePath}` || '(item)';
  if (e.keyword === 'required' && e.params?.missingProperty === 'dialogue') {
    return `${where} has no "dialogue": a dialogue is its turns in a list, as {"dialogue": [{"role": "user", "text": "这个锅会生锈吗"}]}`;
  }
  if (e.keyword === 'type' && e.params?.type === 'object') return `${where} must be a JSON object, not a list, a string or a number`;
  // ajv's "must be equal to one of the allowed values" did not say which, nor "must match pattern" in words.
  if (e.keyword === 'enum' && Array.isArray(e.params?.allowedValues)) return `${where} must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  const meaning = e.keyword === 'pattern' && typeof e.params?.pattern === 'string' ? PATTERN_MEANINGS[e.params.pattern] : undefined;
  if (meaning) return `${where} must be ${meaning}`;
  const field = e.keyword === 'additionalProperties' ? e.params?.additionalProperty : undefined;
  if (typeof field !== 'string') return `${where} ${e.message ?? 'is invalid'}`;
  const hint = /\/dialogue\/\d+$/.test(e.instancePath) ? ownValue(TURN_SHAPE.hints, field.trim().toLowerCase()) : undefined;
  return `${where} has a field the API does not take: ${JSON.stringify(field)}${hint ? ` (${hint})` : ''}`;
}
