// A key given twice in one object: JSON.parse keeps the last value silently, the readers refuse it
// and name the record, and `--skip-bad` leaves only that record out.
import { test } from 'node:test';
import fc from 'fast-check';
import { visit } from 'jsonc-parser';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findDuplicateKey, findDuplicateKeys } from '../../src/data/duplicate-keys.js';
import { loadSamples } from '../../src/data/load.js';
import { EcommirError } from '../../src/errors.js';
import { loadCueLexicon } from '../../src/features/text/cue-lexicon.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { tempDir } from './helpers.js';

/** The reference: jsonc-parser (VS Code's JSON scanner) visits every key, decoded; each repeat is reported by its path. */
function referenceDuplicates(text: string): string[] {
  const found: string[] = [];
  const open: (Set<string> | null)[] = [];
  visit(text, {
    onObjectBegin: () => void open.push(new Set()),
    onArrayBegin: () => void open.push(null),
    onObjectEnd: () => void open.pop(),
    onArrayEnd: () => void open.pop(),
    onObjectProperty: (key, _offset, _length, _line, _character, pathSupplier) => {
      const keys = open[open.length - 1]!;
      if (keys.has(key)) found.push(path({ path: [...pathSupplier(), key] }));
      keys.add(key);
    },
  });
  return found;
}

const path = (d: { path: (string | number)[] }) => d.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');

test('finds a repeated key by its decoded name and its path, and nothing in valid distinct objects', () => {
  const texts = [
    '{"a":1,"b":{"a":2,"c":[{"a":3},{"a":4,"b":5}]},"c":"a"}',
    '{"a":1,"b":2,"a":3}',
    '{"id":"x","dialogue":[{"role":"user","text":"hi","t\\u0065xt":"there"}]}',
    '[{"k":1},{"k":1,"k":2},{"k":[{"z":0,"z":1}],"k":3},{"ok":true}]',
    '{"outer":{"inner":{"deep":1,"deep":2}},"outer2":{}}',
    '["a",{"":1,"":2}]',
    '[{"a":"x\\\\","a":"\\"quoted\\" \\\\\\"","b":{}} , {"b" : 1 ,\n "b":2}]',
    '{"a\\"b":1,"a\\u0022b":2}',
  ];
  for (const text of texts) {
    JSON.parse(text); // every case is valid JSON
    assert.deepEqual(findDuplicateKeys(text).map(path), expected(text), text);
  }
  assert.deepEqual(findDuplicateKey('{"a":1,"b":2,"a":3}'), { key: 'a', path: ['a'], line: 1, column: 14 });
  assert.deepEqual(findDuplicateKey('{\n  "x": 1,\n  "x": 2\n}'), { key: 'x', path: ['x'], line: 3, column: 3 });
  assert.equal(findDuplicateKey('[1, "a", {"a": {"a": 1}}, null]'), undefined);
});

/** What findDuplicateKeys should say of `text`: the first repeat in each record of an array, else the first. */
function expected(text: string): string[] {
  const all = referenceDuplicates(text);
  if (!text.trimStart().startsWith('[')) return all.slice(0, 1);
  return all.filter((p, i) => all.findIndex((q) => q.split(']')[0] === p.split(']')[0]) === i);
}

test('agrees with the reference on random JSON whose keys often repeat, escapes and spacing included', () => {
  // Keys from a small pool, some equal once decoded ("a" and "\u0061"), so that repeats are common.
  const key = fc.constantFrom('"a"', '"\\u0061"', '"b"', '"a\\"b"', '"a\\u0022b"', '"\\\\"', '""', '"键"');
  const space = fc.constantFrom('', ' ', '\n', '\t ');
  const { value } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.constantFrom('1', '-2.5e3', 'null', 'true', '"x"', '"\\\\"', '"q\\"{["', '"]}:,"'), tie('array'), tie('object')),
    array: fc.tuple(space, fc.array(tie('value'), { maxLength: 4 })).map(([sp, items]) => `[${sp}${items.join(`${sp},`)}]`),
    object: fc.tuple(space, fc.array(fc.tuple(key, tie('value')), { maxLength: 5 })).map(([sp, entries]) => `{${entries.map(([k, v]) => `${sp}${k}${sp}:${v}`).join(',')}${sp}}`),
  }));
  fc.assert(
    fc.property(value, (text) => {
      JSON.parse(text);
      assert.deepEqual(findDuplicateKeys(text).map(path), expected(text), text);
    }),
    { numRuns: 2000, seed: 20261203 },
  );
});

test('loadSamples refuses a record that repeats a key, naming it; --skip-bad keeps the others', async () => {
  const dir = await tempDir({});
  const good = { id: 'n1', task: 'intent', dialogue: [{ role: 'user', text: '推荐一款保温杯' }], label: '单品推荐' };
  const ambiguous = '{"id": "n2", "task": "intent", "dialogue": [{"role": "user", "text": "会生锈吗"}], "label": "是否会生锈", "label": "能否调光"}';
  const jsonPath = join(dir, 'data.json');
  const jsonlPath = join(dir, 'data.jsonl');
  await writeFile(jsonPath, `[${JSON.stringify(good)},\n${ambiguous}]`);
  await writeFile(jsonlPath, `${JSON.stringify(good)}\n${ambiguous}\n`);
  for (const [file, line] of [[jsonPath, 2], [jsonlPath, 2]] as const) {
    await assert.rejects(loadSamples(file), (err: unknown) => {
      assert.ok(err instanceof EcommirError);
      assert.equal(err.code, 'ECM_ERR_BAD_JSON');
      assert.deepEqual([err.item?.index, err.item?.id, err.item?.file], [1, 'n2', file]);
      assert.match(err.message, new RegExp(`the key "label" appears twice in one object, at (\\[1\\]\\.)?label \\(line ${line}, column \\d+\\)`));
      return true;
    });
    const { samples, problems } = await loadSamples(file, { skipBad: true });
    assert.deepEqual(samples.map((s) => s.id), ['n1']);
    assert.deepEqual(problems.map((p) => [p.code, p.item.index, p.item.id]), [['ECM_ERR_BAD_JSON', 1, 'n2']]);
  }
});

test('a lexicon or a taxonomy that repeats a key is refused, not silently cut short', async () => {
  const dir = await tempDir({});
  const lexicon = join(dir, 'lexicon.json');
  await writeFile(lexicon, '{"labels": {"是否会生锈": ["生锈", "锈"], "能否调光": ["调光"], "是否会生锈": ["氧化"]}}');
  assert.throws(() => loadCueLexicon(lexicon), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_JSON' && /"是否会生锈" appears twice.*labels\.是否会生锈/.test(err.message));
  assert.throws(
    () => Taxonomy.fromText('{"task": "intent", "task": "scene", "labels": []}', 'mine.json'),
    (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_TAXONOMY' && /mine\.json.*"task" appears twice/.test(err.message),
  );
});
