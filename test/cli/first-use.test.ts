// test: long (one of the longest files: scripts/test.ts starts it first, so that it does not end the side-by-side phase alone)
// What a newcomer meets first (issue 13): inputs refused loudly and the same way from the CLI and the
// API, files named in errors with their own codes, and command output a person can read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSampleText } from '../../src/data/input-limits.js';
import { parseNativeSample } from '../../src/data/native.js';
import { loadSamples } from '../../src/data/load.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from '../server/fakes.js';
import { startServer } from '../server/helpers.js';
import { runCli } from './run-cli.js';

const FIXTURES = new URL('../fixtures/data/', import.meta.url).pathname;
const EXAMPLE_SHOTS = new URL('../../examples/screenshots/', import.meta.url).pathname;

const dir = await mkdtemp(join(tmpdir(), 'ecommir-first-use-'));

test('an empty user turn is refused by the library, the CLI and the API with the same code and message', { timeout: 120_000 }, async () => {
  const record = { id: 'empty-1', dialogue: [{ role: 'user', text: '   ' }] };
  const expected = /id empty-1: turn 1 is a user turn with no text and no image/;
  // The library: the sample parses (a turn may be blank in a file), and the one check refuses it.
  const sample = parseNativeSample({ ...record, task: 'intent' }, 0);
  assert.throws(() => checkSampleText(sample), (err: Error & { code?: string }) => err.code === 'ECM_ERR_EMPTY_TURN' && expected.test(err.message));
  // Invisible characters are nothing written either: a zero-width space was answered with a label.
  for (const text of ['\u200b\u200b', '\u0000', '\ufeff \u200d\t', '\ud800'.repeat(50), '\u0301\u0301 \udc00']) {
    assert.throws(() => checkSampleText({ ...sample, turns: [{ role: 'user', text, images: [] }] }), (err: Error & { code?: string }) => err.code === 'ECM_ERR_EMPTY_TURN', JSON.stringify(text));
  }
  assert.doesNotThrow(() => checkSampleText({ ...sample, turns: [{ role: 'user', text: '\u200b好', images: [] }] }));
  // A letter under accents, or an emoji alone, is something written.
  for (const text of ['e\u0301\u0301', '👍', '👨\u200d👩\u200d👧']) assert.doesNotThrow(() => checkSampleText({ ...sample, turns: [{ role: 'user', text, images: [] }] }), JSON.stringify(text));
  // An image alone is not empty, nor is a shared link (a dev dialogue has a user turn that is only <http>).
  assert.doesNotThrow(() => checkSampleText({ ...sample, turns: [{ role: 'user', text: '<http>', images: [] }] }));
  assert.doesNotThrow(() => checkSampleText({ ...sample, turns: [{ role: 'user', text: '<image>', images: [{ name: 'a.png', bytes: new Uint8Array(1) }] }] }));
  // An empty agent turn is ordinary (130 of the dev dialogues have one).
  assert.doesNotThrow(() => checkSampleText({ ...sample, turns: [{ role: 'user', text: '会生锈吗', images: [] }, { role: 'agent', text: '', images: [] }] }));

  const cli = await runCli(['classify', 'dialogue', '-'], {}, { stdin: JSON.stringify(record) });
  assert.equal(cli.code, 1);
  assert.equal(cli.stdout, '', 'no prediction is printed');
  assert.match(cli.stderr, expected);
  assert.match(cli.stderr, /\[ECM_ERR_EMPTY_TURN\]/);

  const server = await startServer({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() } });
  try {
    const { status, json } = await server.post('/v1/intent', record);
    assert.equal(status, 400);
    assert.equal(json.error.code, 'ECM_ERR_EMPTY_TURN');
    assert.equal(`ecommir: ${json.error.message} [${json.error.code}]\n`, cli.stderr, 'the same message from the CLI and the API');
    const batch = await server.post('/v1/batch', { samples: [{ task: 'intent', ...record }, { task: 'intent', dialogue: [{ role: 'user', text: '会生锈吗' }] }] });
    assert.equal(batch.status, 200);
    assert.equal(batch.json.results[0].error.code, 'ECM_ERR_EMPTY_TURN');
    assert.ok(batch.json.results[1].prediction, 'the good item is still answered');
  } finally {
    await server.close();
  }
});

test('an unknown gold label is refused in the native format as in the challenge format (eval, train, data inspect)', { timeout: 120_000 }, async () => {
  const native = join(dir, 'gold.jsonl');
  await writeFile(
    native,
    [
      { id: 'n1', task: 'intent', dialogue: [{ role: 'user', text: '会生锈吗' }], label: '是否会生锈' },
      { id: 'n2', task: 'intent', dialogue: [{ role: 'user', text: '怎么用' }], label: '怎么使用呀' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  const pred = join(dir, 'pred.jsonl');
  await writeFile(pred, `${JSON.stringify({ id: 'n1', label: '是否会生锈' })}\n${JSON.stringify({ id: 'n2', label: '使用方法' })}\n`);
  const unknown = /record #1, id n2: label "怎么使用呀" is not one of the 23 intent labels of .*intent\.json.*--taxonomy FILE/;

  await assert.rejects(loadSamples(native), (err: Error & { code?: string }) => err.code === 'ECM_ERR_UNKNOWN_LABEL' && unknown.test(err.message));
  const evaluated = await runCli(['eval', '--gold', native, '--pred', pred]);
  assert.equal(evaluated.code, 1);
  assert.equal(evaluated.stdout, '', 'nothing is scored');
  assert.match(evaluated.stderr, unknown);
  assert.match(evaluated.stderr, /\[ECM_ERR_UNKNOWN_LABEL\]/);

  const trained = await runCli(['train', 'intent', '--data', native, '--out', join(dir, 'model')]);
  assert.equal(trained.code, 1);
  assert.match(trained.stderr, unknown);

  const inspected = await runCli(['data', 'inspect', native]);
  assert.match(inspected.stdout + inspected.stderr, /ECM_ERR_UNKNOWN_LABEL/);

  // A taxonomy of the user's own makes the label known.
  const taxonomy = join(dir, 'taxonomy.json');
  await writeFile(taxonomy, JSON.stringify({ task: 'intent', labels: [{ label: '是否会生锈', coarse: '商品' }, { label: '怎么使用呀', coarse: '商品' }, { label: '使用方法', coarse: '商品' }] }));
  const own = await runCli(['eval', '--gold', native, '--pred', pred, '--taxonomy', taxonomy, '--json']);
  assert.equal(own.code, 0, own.stderr);
  assert.equal(JSON.parse(own.stdout).intent.n, 2);
});

test('a missing file gets ECM_ERR_FILE_NOT_FOUND naming it, never a bare ENOENT or a JSON error', { timeout: 300_000 }, async () => {
  const gold = join(FIXTURES, 'mini-challenge.json');
  const cases: Array<[string[], RegExp]> = [
    [['eval', '--gold', gold, '--pred', join(dir, 'no-such-pred.csv')], /the predictions file .*no-such-pred\.csv does not exist \[ECM_ERR_FILE_NOT_FOUND\]/],
    [['eval', '--gold', join(dir, 'no-such-gold.json'), '--pred', join(dir, 'x.csv')], /the data file .*no-such-gold\.json does not exist \[ECM_ERR_FILE_NOT_FOUND\]/],
    [['classify', 'dialogue', join(dir, 'no-such-dialogue.json')], /the dialogue file .*no-such-dialogue\.json does not exist \[ECM_ERR_FILE_NOT_FOUND\]/],
    [['data', 'clean', join(dir, 'no-such-data.json')], /no-such-data\.json does not exist \[ECM_ERR_FILE_NOT_FOUND\]/],
    [['eval', '--gold', gold, '--pred', dir], /cannot read the predictions file .*: it is a folder, not a file \[ECM_ERR_FILE_UNREADABLE\]/],
  ];
  for (const [args, expected] of cases) {
    const { code, stderr } = await runCli(args);
    assert.equal(code, 1, args.join(' '));
    assert.match(stderr, expected, args.join(' '));
    assert.doesNotMatch(stderr, /ECM_ERR_BAD_JSON|^Error: ENOENT/m);
  }
});

test('data clean --explain lists the joined user turns apart from the removals, as kept', async () => {
  const file = join(dir, 'merge.jsonl');
  await writeFile(
    file,
    JSON.stringify({
      id: 'm1',
      task: 'intent',
      dialogue: [
        { role: 'user', text: '我买的保温杯' },
        { role: 'agent', text: '' },
        { role: 'user', text: '这个杯子会生锈吗' },
        { role: 'agent', text: '亲，不会的哦' },
      ],
    }),
  );
  const { code, stdout } = await runCli(['data', 'clean', file, '--explain']);
  assert.equal(code, 0);
  const removals = stdout.split('\n').filter((l) => l.startsWith('  - '));
  assert.ok(removals.length > 0, stdout);
  assert.ok(removals.every((l) => !l.includes('这个杯子会生锈吗')), `a kept turn is listed as removed:\n${stdout}`);
  assert.ok(removals.some((l) => /turn 2 dialogue\/empty-agent-reply/.test(l)), stdout);
  assert.match(stdout, /\+ turn 3 joined to turn 1 \(consecutive user turns; its text is kept\)/);
  assert.match(stdout, /用户: 我买的保温杯 这个杯子会生锈吗/);
  const json = JSON.parse((await runCli(['data', 'clean', file, '--explain', '--json'])).stdout);
  assert.deepEqual(json.merged, [{ turn: 2, into: 0 }]);
  assert.ok(!json.removed.some((r: { text: string }) => r.text.includes('会生锈')));
});

test('features extract ends with a sentence, or JSON with --json', { timeout: 300_000 }, async () => {
  const data = join(dir, 'one-scene.json');
  const [record] = JSON.parse(await readFile(join(FIXTURES, 'mini-challenge.json'), 'utf8')) as { image: string[] }[];
  await writeFile(data, JSON.stringify([{ ...record, image: ['refund.png'] }]));
  const args = ['features', 'extract', '--data', data, '--images', EXAMPLE_SHOTS, '--no-embedding', '--no-layout', '--no-ui', '--no-progress'];
  const runEnv = (extra: string[]) => runCli([...args, ...extra], { ECOMMIR_CACHE_DIR: join(dir, 'cache') });
  const first = await runEnv([]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^features extract: 1 images in [\d.]+ s \([\d,]+ ms an image\); 0 features read from the cache, 1 computed; none failed\. Cache: /);
  assert.doesNotMatch(first.stdout + first.stderr, /[{}]/, 'no raw JSON');
  const again = await runEnv(['--json']);
  const summary = JSON.parse(again.stdout);
  assert.equal(summary.images, 1);
  assert.equal(summary.cache.hits, 1, 'the second run reads the cache');
});

test('train with a label set of its own keeps the built-in knowledge of those labels and leaves the rest out, instead of refusing it', { timeout: 180_000 }, async () => {
  const data = join(dir, 'own-labels.jsonl');
  const rows: [string, string][] = [['这个锅会生锈吗', '是否会生锈'], ['不锈钢的会不会锈', '是否会生锈'], ['一共发几件', '发货数量'], ['拍两份发几个', '发货数量'], ['这款怎么冲泡', '冲泡方法'], ['要用热水泡吗', '冲泡方法']];
  await writeFile(data, rows.map(([text, label], i) => JSON.stringify({ id: `o${i}`, task: 'intent', dialogue: [{ role: 'user', text }], label })).join('\n'));
  const taxonomy = join(dir, 'own-taxonomy.json');
  await writeFile(taxonomy, JSON.stringify({ task: 'intent', labels: [{ label: '是否会生锈', coarse: '商品' }, { label: '发货数量', coarse: '物流' }, { label: '冲泡方法', coarse: '使用' }] }));
  const out = join(dir, 'own-model');
  const trained = await runCli(['train', 'intent', data, '--taxonomy', taxonomy, '--out', out]);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stderr, /knowledge: \d+ of \d+ rows are of labels in .*own-taxonomy\.json; the rest is left out/);
  const classified = await runCli(['classify', 'dialogue', '-', '--model', out, '--json'], {}, { stdin: JSON.stringify({ dialogue: [{ role: 'user', text: '会生锈吗' }] }) });
  assert.equal(classified.code, 0, classified.stderr);
  assert.equal(JSON.parse(classified.stdout).label, '是否会生锈');
});
