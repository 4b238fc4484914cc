import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { EcommirError } from '../../src/errors.js';
import type { Prediction, Sample } from '../../src/types.js';
import { loadChallengeFile } from '../../src/data/challenge.js';
import {
  parseSubmissionCsv,
  predictionsText,
  readPredictedLabels,
  readSubmissionCsv,
  submissionCsv,
  writePredictions,
  writeSubmissionCsv,
} from '../../src/data/submission.js';
import { parsePythonList, pythonListRepr } from '../../src/data/python-repr.js';
import { FIXTURES, tempDir } from './helpers.js';

function sample(id: string, index: number, raw: Sample['raw']): Sample {
  return { id, index, task: 'intent', candidates: [], turns: [], images: [], raw };
}

const SAMPLES: Sample[] = [
  sample('a,1', 0, { id: 'a,1', instruction: 'line1\nline "two"', input: '', output: '商品材质', image: ['a-0.jpg', "it's.png"] }),
  sample('b2', 1, { id: 'b2', instruction: 'plain\r text', input: '', output: '', image: [] }),
  sample('c3', 2, { id: 'c3', instruction: 'x', input: '', output: '', image: ['c\\d.png', 'tab\there'] }),
];
const LABELS = new Map([
  ['a,1', { label: '是否会生锈' }],
  ['b2', { label: '气泡' }],
  ['c3', { label: '单品推荐' }],
]);

// What Python 3.11's csv module (pandas to_csv's writer) gives for these rows with lineterminator '\n',
// produced with `csv.writer(f, lineterminator='\n').writerow([..., str(image_list), ...])`.
const PYTHON_CSV =
  '\ufeffid,instruction,input,output,image,predict\n' +
  '"a,1","line1\nline ""two""",,商品材质,"[\'a-0.jpg\', ""it\'s.png""]",是否会生锈\n' +
  'b2,plain\r text,,,[],气泡\n' +
  'c3,x,,,"[\'c\\\\d.png\', \'tab\\there\']",单品推荐\n';

test('submission CSV: BOM, header, quoting and the image list exactly as pandas writes them', () => {
  assert.equal(submissionCsv(SAMPLES, LABELS), PYTHON_CSV);
});

test('submission CSV round-trips through the reader', async () => {
  const dir = await tempDir({});
  const file = join(dir, 'sub.csv');
  await writeSubmissionCsv(file, SAMPLES, LABELS);
  const bytes = await readFile(file);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const rows = await readSubmissionCsv(file);
  assert.deepEqual(
    rows,
    SAMPLES.map((s) => ({ ...s.raw!, predict: LABELS.get(s.id)!.label })),
  );
  const labels = await readPredictedLabels(file);
  assert.deepEqual([...labels], [...LABELS].map(([id, p]) => [id, p.label]));
});

test('submission CSV of real-format records keeps input order and the gold output column', async () => {
  const { samples } = await loadChallengeFile(join(FIXTURES, 'mini-challenge.json'));
  const predictions = samples.map((s) => ({ id: s.id, label: s.candidates[0] })).reverse();
  const rows = parseSubmissionCsv(submissionCsv(samples, predictions));
  assert.deepEqual(rows.map((r) => r.id), ['fx-scene-1', 'fx-intent-2', 'fx-intent-3']);
  assert.deepEqual(rows.map((r) => r.output), ['物流页面-物流列表页面', '是否会生锈', '']);
  assert.equal(rows[1].instruction, samples[1].raw!.instruction);
  assert.deepEqual(rows[1].image, ['fx-intent-2-0.png', 'fx-intent-2-1.png']);
});

test('a column named twice is refused naming it and both places (the last one was scored, without a word)', () => {
  assert.throws(
    () => parseSubmissionCsv('id,predict,predict\nd1,是否好用,是否会生锈\n', 'p.csv'),
    (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_RECORD' && /p\.csv.*the CSV header names the column "predict" twice \(columns 2 and 3\)/.test(err.message),
  );
  assert.equal(parseSubmissionCsv('id,predict,note\nd1,是否好用,x\n', 'p.csv')[0].predict, '是否好用');
  assert.equal(parseSubmissionCsv('id,predict,,\nd1,是否好用,,\n', 'p.csv')[0].predict, '是否好用', 'unnamed columns may repeat');
});

test('a record without a prediction is an error naming it', () => {
  const partial = new Map([...LABELS].filter(([id]) => id !== 'b2'));
  assert.throws(() => submissionCsv(SAMPLES, partial), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_RECORD' && /record #1, id b2/.test(err.message));
});

test('JSON and JSONL predictions carry the full Prediction and read back by id', async () => {
  const full: Prediction[] = SAMPLES.map((s) => ({
    id: s.id,
    task: 'intent',
    label: LABELS.get(s.id)!.label,
    coarse: '某类',
    hierarchical: `某类-${LABELS.get(s.id)!.label}`,
    confidence: 0.5,
    uncertain: false,
    ranked: [{ label: LABELS.get(s.id)!.label, coarse: '某类', confidence: 0.5 }],
  }));
  const dir = await tempDir({});
  for (const format of ['json', 'jsonl'] as const) {
    const file = join(dir, `p.${format}`);
    await writePredictions(file, SAMPLES, [...full].reverse(), format);
    const text = await readFile(file, 'utf8');
    const parsed = format === 'json' ? JSON.parse(text) : text.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(parsed, full);
    assert.deepEqual([...(await readPredictedLabels(file))], full.map((p) => [p.id, p.label]));
  }
  assert.throws(() => predictionsText(SAMPLES, full.slice(1), 'json'), /id a,1/);
  await writeFile(join(dir, 'bad.json'), '[{"id": "x"}]');
  await assert.rejects(readPredictedLabels(join(dir, 'bad.json')), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_RECORD');
});

test('python list repr matches str(list) and reads back', () => {
  assert.equal(pythonListRepr([]), '[]');
  assert.equal(pythonListRepr(['a-0.jpg']), "['a-0.jpg']");
  assert.equal(pythonListRepr(['a-0.jpg', 'b-1.png']), "['a-0.jpg', 'b-1.png']");
  assert.equal(pythonListRepr(["it's"]), `["it's"]`);
  assert.equal(pythonListRepr([`it's "x"`]), `['it\\'s "x"']`);
  assert.equal(pythonListRepr(['图片\n1']), "['图片\\n1']");
  for (const list of [[], ['a-0.jpg'], ["it's", 'c\\d', 'tab\there', `q'"`, '图片\n1']]) assert.deepEqual(parsePythonList(pythonListRepr(list)), list);
});

test('a bad line of a predictions JSONL is named by its line in the file, blank lines counted', async () => {
  const file = join(await tempDir({}), 'pred.jsonl');
  await writeFile(file, '{"id":"a","label":"x"}\n\n\n{"id":"b","label":"y"}\n\n{"id":"c",label:"z"}\n');
  await assert.rejects(readPredictedLabels(file), (err: Error) => err.message.startsWith(`${file}:6: `));
});
