import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getFloat16 } from '@petamoriken/float16';
import { decodeDeltaVarint, decodeFloat16, encodeDeltaVarint, encodeFloat16, halfTable, type EncodedTypedArray } from '../../src/learn/typed-json.js';
import { EcommirError } from '../../src/errors.js';

const bytesOf = (e: EncodedTypedArray) => [...Buffer.from(e.base64, 'base64')];

test('half floats match numpy.float16 bit patterns and values', () => {
  // Reference: numpy.array([v], dtype=numpy.float16).view(numpy.uint16) and float(numpy.float16(v)).
  const cases: [number, number, number][] = [
    [1, 0x3c00, 1],
    [-2, 0xc000, -2],
    [65504, 0x7bff, 65504],
    [0.1, 0x2e66, 0.0999755859375],
    [6.103515625e-5, 0x0400, 6.103515625e-5],
    [1e-7, 0x0002, 1.1920928955078125e-7],
    [0.333333, 0x3555, 0.333251953125],
  ];
  const encoded = encodeFloat16(Float32Array.from(cases, (c) => c[0]));
  const bytes = bytesOf(encoded);
  cases.forEach(([, bits], i) => assert.equal(bytes[2 * i] | (bytes[2 * i + 1] << 8), bits, `bits of case ${i}`));
  assert.deepEqual([...decodeFloat16(encoded, 'x')], cases.map((c) => Math.fround(c[2])));
  // The decoding table agrees with the polyfill on every one of the 65536 bit patterns.
  const view = new DataView(new ArrayBuffer(2));
  const table = halfTable();
  for (let h = 0; h < 65536; h++) {
    view.setUint16(0, h, true);
    assert.ok(Object.is(table[h], Math.fround(getFloat16(view, 0, true))), `pattern ${h.toString(16)}`);
  }
  assert.throws(() => decodeFloat16({ ...encoded, length: encoded.length + 1 }, 'values'), (e: unknown) => e instanceof EcommirError && /values/.test(e.message));
});

test('delta varints are protobuf sint32 varints of the differences and round-trip any Int32Array', () => {
  // Differences 0, 1, -1, 300: zigzag 0 → 00, 1 → 02, -1 → 01, 300 → 600 → d8 04.
  const a = Int32Array.from([0, 1, 0, 300]);
  assert.deepEqual(bytesOf(encodeDeltaVarint(a)), [0x00, 0x02, 0x01, 0xd8, 0x04]);
  const extremes = Int32Array.from([2147483647, -2147483648, 0, -1, 5, 5, 70000, 3]);
  assert.deepEqual(decodeDeltaVarint(encodeDeltaVarint(extremes), 'x'), extremes);
  // Sorted column indices cost about a byte each.
  const sorted = Int32Array.from({ length: 1000 }, (_, i) => i * 3);
  const e = encodeDeltaVarint(sorted);
  assert.equal(Buffer.from(e.base64, 'base64').length, 1000);
  assert.deepEqual(decodeDeltaVarint(e, 'x'), sorted);
  // Truncated or padded data names the array.
  const cut = { ...e, base64: Buffer.from(e.base64, 'base64').subarray(0, 999).toString('base64') };
  assert.throws(() => decodeDeltaVarint(cut, 'knn.indices'), (err: unknown) => err instanceof EcommirError && /knn\.indices/.test(err.message));
  assert.throws(() => decodeDeltaVarint({ ...e, length: 999 }, 'knn.indices'), /bytes left/);
  assert.throws(() => decodeDeltaVarint({ dtype: 'i32', length: 1, base64: 'AAAAAA==' }, 'knn.indices'), /i32-delta-varint/);
});
