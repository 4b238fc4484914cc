// The three ways a newcomer's own test broke the earlier model (issue 10): a look-alike typo of 锈, English
// words mixed in, an unusual word for a quantity. Dialogues written for this test (not from any dataset),
// asked of the shipped intent model as a user would, text only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import type { Sample } from '../../src/types.js';

const MODEL_DIR = process.env.ECOMMIR_TEST_INTENT_MODEL ?? fileURLToPath(new URL('../../models/intent', import.meta.url));

function dialogue(id: string, ...turns: [('user' | 'agent'), string][]): Sample {
  return { id, index: 0, task: 'intent', candidates: [], images: [], turns: turns.map(([role, text]) => ({ role, text, images: [] })) };
}

const CASES: [Sample, string][] = [
  [dialogue('lookalike-rust', ['user', '你好，这个不锈钢晾衣架放阳台'], ['agent', '亲亲，您好，有什么可以帮您'], ['user', '淋了雨会不会生诱啊']), '是否会生锈'],
  [dialogue('sound-alike-rust', ['user', '这个铁艺花架放室外时间长了会生秀吗']), '是否会生锈'],
  [dialogue('english-dimming', ['user', '这个台灯 lamp 可以 adjust brightness 吗？晚上想调暗一点']), '能否调光'],
  [dialogue('english-shipping', ['user', '我拍了三件，你们 ship 几件给我？'], ['agent', '亲，稍等帮您查看'], ['user', '是一起 send 还是分开发']), '发货数量'],
  [dialogue('quantity-synonym', ['user', '这个坚果礼盒一盒的分量大概有几两啊']), '商品规格'],
];

test('the shipped intent model handles a look-alike typo, English words and an unusual quantity word', async () => {
  const model = await IntentRecognizer.load(MODEL_DIR);
  const predictions = await model.predictMany(CASES.map(([s]) => s));
  const wrong = predictions.map((p, i) => ({ id: CASES[i][0].id, want: CASES[i][1], got: p.label, confidence: p.confidence })).filter((r) => r.got !== r.want);
  assert.deepEqual(wrong, [], `misread: ${JSON.stringify(wrong)}`);
});
