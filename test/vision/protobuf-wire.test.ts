import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defaultModelPaths } from '../../src/vision/ocr.js';
import { encodeVarint, float32Field, float32Of, readMessage, readVarint, stringField, textOf, varintField, varintsOf, writeMessage, WIRE_BYTES } from '../../src/vision/protobuf-wire.js';

test('varints encode as the protocol-buffer documentation shows, and read back', () => {
  // https://protobuf.dev/programming-guides/encoding/: 1 is 01, 150 is 96 01, 300 is ac 02
  assert.deepEqual([...encodeVarint(1)], [0x01]);
  assert.deepEqual([...encodeVarint(150)], [0x96, 0x01]);
  assert.deepEqual([...encodeVarint(300)], [0xac, 0x02]);
  for (const v of [0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
    const bytes = encodeVarint(v);
    assert.deepEqual(readVarint(bytes, 0), [v, bytes.length]);
  }
  assert.throws(() => encodeVarint(-1), { code: 'ECM_ERR_BAD_OPTION' });
});

test('a message reads into its fields and writes back byte for byte', () => {
  // The documentation's example: field 1 = 150 is 08 96 01; field 2 = "testing" is 12 07 74 65 73 74 69 6e 67.
  const bytes = Uint8Array.from([0x08, 0x96, 0x01, 0x12, 0x07, ...new TextEncoder().encode('testing')]);
  const fields = readMessage(bytes);
  assert.deepEqual(fields.map((f) => [f.field, f.wire]), [[1, 0], [2, WIRE_BYTES]]);
  assert.equal(readVarint(fields[0].value, 0)[0], 150);
  assert.equal(textOf(fields[1]), 'testing');
  assert.deepEqual(writeMessage(fields), bytes);
  assert.deepEqual(writeMessage([varintField(1, 150), stringField(2, 'testing')]), bytes);
  assert.equal(float32Of(readMessage(writeMessage([float32Field(3, 0.5)]))[0]), 0.5);
  // packed (one length-delimited field) and unpacked repeated varints read alike
  assert.deepEqual(varintsOf(readMessage(writeMessage([{ field: 4, wire: WIRE_BYTES, value: Uint8Array.from([3, 0x8e, 0x02, 0x9e, 0xa7, 0x05]) }])), 4), [3, 270, 86942]);
  assert.deepEqual(varintsOf([varintField(4, 3), varintField(5, 9), varintField(4, 270)], 4), [3, 270]);
});

test('the shipped OCR models read and write back byte for byte', () => {
  const { detectionPath, recognitionPath } = defaultModelPaths();
  for (const file of [detectionPath, recognitionPath]) {
    const bytes = new Uint8Array(readFileSync(file));
    assert.ok(Buffer.from(writeMessage(readMessage(bytes))).equals(Buffer.from(bytes)), file);
  }
});

test('malformed bytes are refused, naming what is wrong', () => {
  assert.throws(() => readMessage(Uint8Array.from([0x08, 0x96])), { code: 'ECM_ERR_BACKEND', message: /truncated varint/ });
  assert.throws(() => readMessage(Uint8Array.from([0x12, 0x05, 0x61])), { message: /runs past the end/ });
  assert.throws(() => readMessage(Uint8Array.from([0x0b])), { message: /wire type 3/ });
  assert.throws(() => readMessage(Uint8Array.from([0x00, 0x01])), { message: /field number 0/ });
});
