// pipeline('intent' | 'scene') takes what a caller has at hand and holds it to the CLI's and the API's
// input limits; predict options and samples from plain JavaScript are checked by name; a model folder
// given that holds no model is refused (it loaded as no recogniser, and failed later as a TypeError).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { evaluatePredictions, IntentRecognizer, loadRecognizers, parseNativeSample, pipeline, SceneRecognizer } from '../../src/index.js';

const code = (expected: string) => (err: Error & { code?: string }) => {
  assert.equal(err.code, expected, err.message);
  return true;
};

test('intent: a question, a record, a batch; the limits and the options are the CLI\'s', async () => {
  const intent = await pipeline('intent');
  assert.ok(intent.recognizer instanceof IntentRecognizer);
  assert.equal(intent.labels.length, 23);
  const rust = await intent('这个杯子会生锈吗', { topK: 2 });
  assert.equal(rust.label, '是否会生锈');
  assert.equal(rust.ranked.length, 2);
  const batch = await intent(['一共发几件', { id: 'r', dialogue: [{ role: 'user', text: '这个杯子会生锈吗' }, { role: 'agent', text: '亲，不会的' }] }]);
  assert.deepEqual(batch.map((p) => [p.id, p.label]), [['#0', '发货数量'], ['r', '是否会生锈']]);
  await assert.rejects(intent(''), code('ECM_ERR_EMPTY_TURN'));
  await assert.rejects(intent('锈'.repeat(20_001)), code('ECM_ERR_INPUT_TOO_LARGE'));
  await assert.rejects(intent(null as unknown as string), /pipeline\('intent'\) takes a question as text or a record/);
  await assert.rejects(intent(['会生锈吗', 42 as unknown as string]), (err: Error & { item?: { index?: number } }) => err.item?.index === 1);
  await assert.rejects(intent({ task: 'scene', image: 'x.png' }), code('ECM_ERR_UNKNOWN_TASK'));
  // topK 0 threw a TypeError and -1 dropped a label; a string threshold was never met.
  for (const options of [{ topK: 0 }, { topK: -1 }, { topK: '3' }, { threshold: 'x' }, { threshold: -1 }]) {
    await assert.rejects(intent('会生锈吗', options as never), code('ECM_ERR_BAD_OPTION'), JSON.stringify(options));
  }
  await assert.rejects(intent.recognizer.predict(null as never), code('ECM_ERR_BAD_RECORD'));
});

test('scene: a path, bytes or a record; what is no image is named; evidence: false is honoured', async () => {
  // Refused before any work: the scene recogniser reads no image (there is none at this path).
  const scene = await pipeline('scene');
  await assert.rejects(scene.recognizer.predict({ id: 'u3', index: 0, task: 'scene', candidates: ['不是标签'], turns: [], images: [{ name: 'none.png', path: '/no/such/none.png' }] }), /id u3.*candidate label "不是标签" is not a label of this scene model/);
  assert.ok(scene.recognizer instanceof SceneRecognizer);
  const path = new URL('../../examples/screenshots/logistics.png', import.meta.url).pathname;
  const byPath = await scene(path, { evidence: false });
  assert.equal(byPath.evidence, undefined, 'no evidence asked');
  const byBytes = await scene(readFileSync(path));
  assert.equal(byBytes.label, byPath.label);
  assert.ok(byBytes.evidence && byBytes.evidence.length > 0);
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30"/></svg>');
  await assert.rejects(scene(svg), code('ECM_ERR_IMAGE_CORRUPT'));
  await assert.rejects(scene('/no/such/image.png'), code('ECM_ERR_IMAGE_MISSING'));
});

test('a model folder given that holds no model is ECM_ERR_NO_MODEL, in pipeline and loadRecognizers alike', async () => {
  await assert.rejects(pipeline('intent', { model: '/no/such/folder' }), (err: Error & { code?: string }) => err.code === 'ECM_ERR_NO_MODEL' && /the intent model folder \/no\/such\/folder does not exist/.test(err.message));
  const aFile = new URL('../../models/scene/model.json', import.meta.url).pathname;
  await assert.rejects(loadRecognizers({ scene: aFile }), /the scene model folder .*model\.json does not exist|has no model\.json/);
  await assert.rejects(pipeline('sceen' as 'scene'), code('ECM_ERR_UNKNOWN_TASK'));
});

test('evaluatePredictions takes a list of labels in gold order, and names a list of the wrong shape', () => {
  const gold = ['是否会生锈', '发货数量'].map((label, i) => parseNativeSample({ id: 'same', task: 'intent', dialogue: [{ role: 'user', text: `问题${i}` }], label }, i));
  assert.equal(evaluatePredictions(gold, ['是否会生锈', '是否会生锈']).intent?.accuracy, 0.5);
  assert.throws(() => evaluatePredictions(gold, ['是否会生锈']), /1 predicted labels for 2 gold samples/);
  assert.throws(() => evaluatePredictions(gold, [{ label: 'x' }] as never), /prediction #0 is not \{id, label\}/);
  assert.throws(() => evaluatePredictions(gold, null as never), code('ECM_ERR_BAD_OPTION'));
});

test('a record\'s candidates restrict the answer to them; candidates naming every label change nothing', async () => {
  const intent = await pipeline('intent');
  const free = await intent('这个杯子会生锈吗');
  assert.equal(free.label, '是否会生锈');
  const restricted = await intent({ candidates: ['用法用量', '商品材质'], dialogue: [{ role: 'user', text: '这个杯子会生锈吗' }] });
  assert.ok(['用法用量', '商品材质'].includes(restricted.label), restricted.label);
  assert.deepEqual(restricted.ranked.map((r) => r.label).sort(), ['商品材质', '用法用量']);
  assert.ok(Math.abs(restricted.ranked[0].confidence + restricted.ranked[1].confidence - 1) < 1e-9);
  const everyLabel = await intent({ candidates: [...intent.labels], dialogue: [{ role: 'user', text: '这个杯子会生锈吗' }] });
  assert.deepEqual(everyLabel.ranked, free.ranked);
  // A repeated candidate counts once.
  const repeated = await intent({ candidates: ['用法用量', '用法用量', '商品材质'], dialogue: [{ role: 'user', text: '这个杯子会生锈吗' }] });
  assert.deepEqual(repeated.ranked, restricted.ranked);
  // One that is no label of the model is refused by name (it was passed over, and a list of none
  // of ours answered outside the list); punctuation written full-width still matches.
  const unknown = (err: Error & { code?: string }): boolean => err.code === 'ECM_ERR_UNKNOWN_LABEL' && /id u1.*candidate label "不是标签" is not a label of this intent model/.test(err.message);
  await assert.rejects(intent({ id: 'u1', candidates: ['用法用量', '不是标签'], dialogue: [{ role: 'user', text: '这个杯子会生锈吗' }] }), unknown);
  await assert.rejects(intent({ id: 'u1', candidates: ['不是标签'], dialogue: [{ role: 'user', text: '这个杯子会生锈吗' }] }), unknown);
  await assert.rejects(
    intent({ id: 'u2', candidates: ['a', 'b', 'c', 'd', ...intent.labels], dialogue: [{ role: 'user', text: '这个杯子会生锈吗' }] }),
    /id u2.*4 candidate labels "a", "b", "c" and 1 more are not labels of this intent model/,
  );
  const scene = await pipeline('scene');
  const path = new URL('../../examples/screenshots/logistics.png', import.meta.url).pathname;
  const page = await scene({ candidates: ['实物拍摄（含售后）', '物流页面-物流列表页面'], image: path }, { evidence: false });
  assert.deepEqual(page.ranked.map((r) => r.label).sort(), ['实物拍摄(含售后)', '物流页面-物流列表页面'].sort());
});
