// The JSON body parser's own rules, apart from HTTP: Fastify's (empty, invalid, prototype keys) and
// the value count that keeps a body of a million tiny values from being copied to the event loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxJsonValues } from '../../src/server/json-body.js';
import { parseJsonBody, valuesAtMost } from '../../src/server/json-body-parse.js';
import { DEFAULT_SERVER_LIMITS } from '../../src/server/options.js';

const bytes = (text: string) => new TextEncoder().encode(text);

test('values are counted as the value itself, every element and every property value', () => {
  assert.equal(valuesAtMost(1, 1), true);
  assert.equal(valuesAtMost({}, 1), true);
  // {a: [1, 2], b: null}: the object, the array, 1, 2 and null.
  assert.equal(valuesAtMost({ a: [1, 2], b: null }, 5), true);
  assert.equal(valuesAtMost({ a: [1, 2], b: null }, 4), false);
  assert.equal(valuesAtMost(Array.from({ length: 1_000_000 }, () => ({})), 100), false);
});

test('parseJsonBody keeps Fastify’s rules and adds the value cap', () => {
  assert.deepEqual(parseJsonBody({ bytes: bytes('{"a":[1,"二"]}'), maxValues: 10 }), { ok: true, value: { a: [1, '二'] } });
  assert.deepEqual(parseJsonBody({ bytes: bytes(''), maxValues: 10 }), { ok: false, problem: 'empty' });
  assert.equal(parseJsonBody({ bytes: bytes('{"a":'), maxValues: 10 }).ok, false);
  assert.equal(parseJsonBody({ bytes: bytes('{"__proto__":{"x":1}}'), maxValues: 10 }).ok, false);
  assert.equal(parseJsonBody({ bytes: bytes('{"constructor":{"prototype":{"x":1}}}'), maxValues: 10 }).ok, false);
  assert.deepEqual(parseJsonBody({ bytes: bytes('[1,2,3]'), maxValues: 3 }), { ok: false, problem: 'values', maxValues: 3 });
});

test('the value cap leaves room for a full batch of samples at the limits', () => {
  const limits = DEFAULT_SERVER_LIMITS;
  const turn = { role: 'user', text: '会生锈吗', images: [] as string[] };
  const sample = { id: 'x', dialogue: Array.from({ length: limits.maxTurns }, () => turn) };
  sample.dialogue[0] = { ...turn, images: Array.from({ length: limits.maxImages }, () => 'AAAA') };
  assert.ok(valuesAtMost({ samples: Array.from({ length: limits.maxBatch }, () => sample) }, maxJsonValues(limits)));
});
