// Parsing a JSON request body, the same function on the event loop (small bodies) and in the body
// parser's threads (large ones, see json-body.ts). Fastify's own rules are kept: an empty body is an
// error, and a `__proto__` or `constructor.prototype` key is refused (secure-json-parse). One more:
// a body may hold at most `maxValues` JSON values, counted before the value is handed on, so a
// million tiny turns are refused where they were parsed instead of being copied to the event loop.
import secureJsonParse from 'secure-json-parse';

export interface JsonBodyTask {
  bytes: Uint8Array;
  maxValues: number;
}

export type JsonBodyResult =
  | { ok: true; value: unknown }
  | { ok: false; problem: 'empty' }
  | { ok: false; problem: 'invalid'; detail: string }
  | { ok: false; problem: 'values'; maxValues: number };

export function parseJsonBody({ bytes, maxValues }: JsonBodyTask): JsonBodyResult {
  if (bytes.byteLength === 0) return { ok: false, problem: 'empty' };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = secureJsonParse.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    return { ok: false, problem: 'invalid', detail: (err as Error).message.slice(0, 200) };
  }
  return valuesAtMost(value, maxValues) ? { ok: true, value } : { ok: false, problem: 'values', maxValues };
}

/** Whether `root` holds at most `max` values (itself, every element, every property value), stopping as soon as it does not. */
export function valuesAtMost(root: unknown, max: number): boolean {
  let seen = 1;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    const children = Array.isArray(value) ? value : Object.values(value);
    seen += children.length;
    if (seen > max) return false;
    for (const child of children) if (child !== null && typeof child === 'object') stack.push(child);
  }
  return seen <= max;
}
