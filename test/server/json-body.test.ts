// The JSON body parser's own rules, apart from HTTP: Fastify's (empty, invalid, prototype keys), a key
// repeated in one object, and the value count and string length that keep a body far past the limits
// from being copied back to the event loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonBodyRules } from '../../src/server/json-body.js';
import { checkJsonValue, parseJsonBody } from '../../src/server/json-body-parse.js';
import { DEFAULT_SERVER_LIMITS } from '../../src/server/options.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const loose = { maxValues: 1_000, maxStringChars: 1_000, maxDepth: 100 };

test('values are counted as the value itself, every element and every property value', () => {
  assert.equal(checkJsonValue(1, { ...loose, maxValues: 1 }), undefined);
  assert.equal(checkJsonValue({}, { ...loose, maxValues: 1 }), undefined);
  // {a: [1, 2], b: null}: the object, the array, 1, 2 and null.
  assert.equal(checkJsonValue({ a: [1, 2], b: null }, { ...loose, maxValues: 5 }), undefined);
  assert.deepEqual(checkJsonValue({ a: [1, 2], b: null }, { ...loose, maxValues: 4 }), { ok: false, problem: 'values', maxValues: 4 });
  assert.equal(checkJsonValue(Array.from({ length: 1_000_000 }, () => ({})), { ...loose, maxValues: 100 })?.problem, 'values');
});

test('a string longer than the limit is named by its path in the body', () => {
  const body = { id: 'x', dialogue: [{ role: 'user', text: 'ok' }, { role: 'user', text: 'y'.repeat(11) }] };
  assert.deepEqual(checkJsonValue(body, { ...loose, maxStringChars: 10 }), { ok: false, problem: 'string', path: 'dialogue[1].text', length: 11, maxStringChars: 10 });
  assert.equal(checkJsonValue(body, { ...loose, maxStringChars: 11 }), undefined);
  assert.deepEqual(checkJsonValue('y'.repeat(11), { ...loose, maxStringChars: 10 }), { ok: false, problem: 'string', path: '(the body)', length: 11, maxStringChars: 10 });
});

test('a container nested deeper than the limit is named by its path; the body itself is depth 1', () => {
  assert.equal(checkJsonValue({ a: [[1]] }, { ...loose, maxDepth: 3 }), undefined);
  assert.deepEqual(checkJsonValue({ a: [[1]] }, { ...loose, maxDepth: 2 }), { ok: false, problem: 'depth', path: 'a[0]', maxDepth: 2 });
  assert.deepEqual(checkJsonValue([], { ...loose, maxDepth: 0 }), { ok: false, problem: 'depth', path: '(the body)', maxDepth: 0 });
  // Scalars nest nothing: a string at depth 3 is fine with containers allowed to depth 2.
  assert.equal(checkJsonValue({ a: ['x'] }, { ...loose, maxDepth: 2 }), undefined);
  const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  assert.equal(checkJsonValue(deep, { ...loose, maxDepth: 32 })?.problem, 'depth');
});

test('parseJsonBody keeps Fastify’s rules and adds its own', () => {
  assert.deepEqual(parseJsonBody({ bytes: bytes('{"a":[1,"二"]}'), ...loose }), { ok: true, value: { a: [1, '二'] } });
  assert.deepEqual(parseJsonBody({ bytes: bytes(''), ...loose }), { ok: false, problem: 'empty' });
  assert.equal(parseJsonBody({ bytes: bytes('{"a":'), ...loose }).ok, false);
  assert.equal(parseJsonBody({ bytes: bytes('{"__proto__":{"x":1}}'), ...loose }).ok, false);
  assert.equal(parseJsonBody({ bytes: bytes('{"constructor":{"prototype":{"x":1}}}'), ...loose }).ok, false);
  assert.deepEqual(parseJsonBody({ bytes: bytes('[1,2,3]'), ...loose, maxValues: 3 }), { ok: false, problem: 'values', maxValues: 3 });
  assert.deepEqual(parseJsonBody({ bytes: bytes('{"task":"scene","dialogue":[],"task":"intent"}'), ...loose }), {
    ok: false,
    problem: 'duplicate',
    duplicate: { key: 'task', path: ['task'], line: 1, column: 31 },
  });
});

test('the rules leave room for a full batch of samples at the limits, and for an image at the size limit', () => {
  const limits = DEFAULT_SERVER_LIMITS;
  const rules = jsonBodyRules(limits);
  const turn = { role: 'user', text: '会生锈吗', images: [] as string[] };
  const sample = { id: 'x', dialogue: Array.from({ length: limits.maxTurns }, () => turn) };
  sample.dialogue[0] = { ...turn, images: Array.from({ length: limits.maxImages }, () => 'AAAA') };
  assert.equal(checkJsonValue({ samples: Array.from({ length: limits.maxBatch }, () => sample) }, rules), undefined);
  // The deepest shape a request has: an image link object in a turn of a batch sample.
  assert.equal(checkJsonValue({ samples: [{ dialogue: [{ role: 'user', text: 'x', images: [{ hash: 'h', url: 'u' }] }] }] }, rules), undefined);
  // A data URL of an image at the limit, its base64 broken into lines of 76 characters.
  const base64 = Buffer.alloc(limits.maxImageBytes, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
  assert.equal(checkJsonValue({ image: `data:image/png;base64,${base64}` }, rules), undefined);
});
