// A JSON syntax error is placed where it is: Node 20 gives no position for "Unexpected token", and the
// end of the file was named (line 56 for a fault on line 5), with the wrong record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonSyntax } from '../../src/data/json-text.js';
import { EcommirError } from '../../src/errors.js';

const refusal = (text: string): EcommirError => {
  try {
    parseJsonSyntax(text, 'data.json');
  } catch (err) {
    return err as EcommirError;
  }
  throw new Error('parsed');
};

test('an unexpected token is placed at its line and column, in its record', () => {
  const records = Array.from({ length: 6 }, (_, i) => `  {\n    "id": "r${i}",\n    "input": ${i === 1 ? "''" : '"text"'}\n  }`);
  const err = refusal(`[\n${records.join(',\n')}\n]\n`);
  assert.equal(err.code, 'ECM_ERR_BAD_JSON');
  assert.match(err.message, /^data.json, record #1, id r1: not valid JSON at line 8, column 14 /);
  assert.deepEqual([err.item?.index, err.item?.id], [1, 'r1']);
});

test('the end of the text is named when the text ends too soon, and a CSV is called by its kind', () => {
  assert.match(refusal('[{"id": "a"').message, /at line 1, column 12 \(offset 11\)/);
  const csv = refusal('id,predict\na,是否会生锈\n');
  assert.match(csv.message, /not valid JSON at line 1, column 1 [\s\S]*is this a CSV or another kind of file\?\)$/);
});
