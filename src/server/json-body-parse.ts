// Parsing a JSON request body, the same function on the event loop (small bodies) and in the body
// parser's threads (large ones, see json-body.ts). Fastify's own rules are kept: an empty body is an
// error, and a `__proto__` or `constructor.prototype` key is refused (secure-json-parse). Four more,
// checked before the value is handed on. Three keep what a thread copies back to the event loop
// bounded by the limits rather than by the body: at most `maxValues` JSON values (a million tiny
// turns), no string longer than `maxStringChars` (no field within the limits is), and no nesting
// deeper than `maxDepth`: copying a value between threads recurses, so a body of 20,000 nested
// arrays overflowed the parser thread's stack as it answered (the thread died, and the other bodies
// it was receiving failed with it), and one of 5,000 could not be copied back at all (no answer).
// The fourth: no object may repeat a key, which JSON.parse would settle silently by keeping the last value.
import secureJsonParse from 'secure-json-parse';
import { findDuplicateKey, formatJsonPath, type DuplicateKey } from '../data/duplicate-keys.js';

export interface JsonBodyRules {
  maxValues: number;
  maxStringChars: number;
  /** Containers inside containers: the body itself is depth 1. */
  maxDepth: number;
}

export interface JsonBodyTask extends JsonBodyRules {
  bytes: Uint8Array;
}

export type JsonBodyResult =
  | { ok: true; value: unknown; images?: Map<string, Uint8Array> }
  | { ok: false; problem: 'empty' }
  | { ok: false; problem: 'invalid'; detail: string }
  | { ok: false; problem: 'values'; maxValues: number }
  | { ok: false; problem: 'string'; path: string; length: number; maxStringChars: number }
  | { ok: false; problem: 'depth'; path: string; maxDepth: number }
  | { ok: false; problem: 'duplicate'; duplicate: DuplicateKey };

export function parseJsonBody({ bytes, ...rules }: JsonBodyTask): JsonBodyResult {
  if (bytes.byteLength === 0) return { ok: false, problem: 'empty' };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = secureJsonParse.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    return { ok: false, problem: 'invalid', detail: (err as Error).message.slice(0, 200) };
  }
  const broken = checkJsonValue(value, rules);
  if (broken) return broken;
  const duplicate = findDuplicateKey(text);
  return duplicate ? { ok: false, problem: 'duplicate', duplicate } : { ok: true, value };
}

type RuleBroken = Extract<JsonBodyResult, { problem: 'values' | 'string' | 'depth' }>;

/** A value met on the walk, with where it sits (built into a path only when it is reported). */
interface Place {
  value: unknown;
  parent?: Place;
  key?: string | number;
  /** 1 for the body itself. */
  depth: number;
}

function pathOf(place: Place): string {
  const keys: (string | number)[] = [];
  for (let at: Place | undefined = place; at?.parent; at = at.parent) keys.unshift(at.key!);
  return keys.length === 0 ? '(the body)' : formatJsonPath(keys);
}

/**
 * The first rule `root` breaks, or undefined. Values are `root` itself, every element and every
 * property value; counting stops as soon as there are too many. A string, or a container too deep,
 * is named by its path.
 */
export function checkJsonValue(root: unknown, { maxValues, maxStringChars, maxDepth }: JsonBodyRules): RuleBroken | undefined {
  let seen = 1;
  const stack: Place[] = [{ value: root, depth: 1 }];
  while (stack.length > 0) {
    const place = stack.pop()!;
    const { value } = place;
    if (typeof value === 'string') {
      if (value.length > maxStringChars) return { ok: false, problem: 'string', path: pathOf(place), length: value.length, maxStringChars };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (place.depth > maxDepth) return { ok: false, problem: 'depth', path: pathOf(place), maxDepth };
    const keys = Array.isArray(value) ? undefined : Object.keys(value);
    seen += keys ? keys.length : (value as unknown[]).length;
    if (seen > maxValues) return { ok: false, problem: 'values', maxValues };
    const children = keys ?? (value as unknown[]);
    for (let i = 0; i < children.length; i++) {
      const key = keys ? keys[i] : i;
      const child = (value as Record<string | number, unknown>)[key];
      if (child !== null && (typeof child === 'object' || typeof child === 'string')) stack.push({ value: child, parent: place, key, depth: place.depth + 1 });
    }
  }
  return undefined;
}
