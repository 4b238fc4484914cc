// A chunked DELETE is told empty or not without taking a byte of its body: the parser after the peek
// must still read it whole, also when the whole body had arrived before the peek (the put-back
// version lost it then, and the request hung until the connection timeout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { endsEmpty } from '../../src/server/body-peek.js';

function arrived(...chunks: string[]): Readable {
  const stream = new Readable({ read() {} });
  for (const chunk of chunks) stream.push(chunk);
  stream.push(null);
  return stream;
}

test('a body that had all arrived before the peek is still read whole after it', async () => {
  const stream = arrived('{"a":', '1}');
  assert.equal(await endsEmpty(stream), false);
  // As the JSON parser reads it: 'data' events to the end.
  assert.equal(await text(stream), '{"a":1}');
});

test('an empty body, ended before or after the peek, is told empty', async () => {
  assert.equal(await endsEmpty(arrived()), true);
  const later = new Readable({ read() {} });
  const peek = endsEmpty(later);
  setTimeout(() => later.push(null), 10);
  assert.equal(await peek, true);
});

test('bytes that come later are told, and read whole after the peek', async () => {
  const stream = new Readable({ read() {} });
  const peek = endsEmpty(stream);
  setTimeout(() => {
    stream.push('{');
    setTimeout(() => (stream.push('}'), stream.push(null)), 10);
  }, 10);
  assert.equal(await peek, false);
  assert.equal(await text(stream), '{}');
});

test('a body cut off before its end is an error, not a hang', async () => {
  const stream = new Readable({ read() {} });
  const peek = endsEmpty(stream);
  setTimeout(() => stream.destroy(), 10);
  await assert.rejects(peek, /closed before its body ended/);
});
