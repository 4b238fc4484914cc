// Mapping a model's free answer back to a label, and the prompt both inference and export share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchLabel } from '../../src/backends/mllm/answer.js';
import { editDistance } from '../../src/data/edit-distance.js';
import { choiceGrammar, constraintFields } from '../../src/backends/mllm/constrain.js';
import { buildLabelPrompt, userTextWithTags } from '../../src/backends/mllm/prompt.js';
import { chatCompletionsUrl, shownUrl } from '../../src/backends/mllm/client.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import type { Sample } from '../../src/types.js';

const intent = Taxonomy.default('intent');
const scene = Taxonomy.default('scene');

test('exact, hierarchical, wrapped and JSON answers map to the fine label', () => {
  const label = '是否会生锈';
  const pair = intent.hierarchical(label);
  for (const answer of [label, pair, ` ${pair}\n`, `“${label}”`, `分类标签：${label}。`, `{"label": "${pair}"}`, pair.replace('-', '—'), `${label}\n因为用户问了生锈`]) {
    assert.equal(matchLabel(answer, intent)?.label, label, answer);
  }
  assert.equal(matchLabel(label, intent)?.kind, 'exact');
});

test('a label inside a sentence, a one-character slip, and nothing else', () => {
  assert.deepEqual(matchLabel('我认为用户在问商品材质的问题', intent), { label: '商品材质', kind: 'contained' });
  assert.deepEqual(matchLabel('是否生锈', intent), { label: '是否会生锈', kind: 'fuzzy' });
  assert.equal(matchLabel('天气不错', intent), undefined);
  assert.equal(matchLabel('', intent), undefined);
  // Two labels named: ambiguous, no guess.
  assert.equal(matchLabel('商品材质还是商品规格', intent), undefined);
});

test('a label the answer denies is not taken from it', () => {
  for (const answer of ['不是商品材质', '这并非商品材质的问题', 'not 商品材质']) assert.equal(matchLabel(answer, intent), undefined, answer);
  assert.equal(matchLabel('不是退货页面', scene), undefined);
  // Denied once and named again, or another label named beside the denied one.
  assert.deepEqual(matchLabel('不是商品规格，是商品材质', intent), { label: '商品材质', kind: 'contained' });
  // A long label with a negation in front is within the edit distance the fuzzy rule allows: not taken either.
  assert.equal(matchLabel('不是下单过程中出现异常（显示购买失败浮窗）', scene), undefined);
});

test('scene labels holding the separator read back whole', () => {
  assert.equal(matchLabel('物流页面-物流列表页面', scene)?.label, '物流页面-物流列表页面');
  assert.equal(matchLabel(scene.hierarchical('物流页面-物流列表页面'), scene)?.label, '物流页面-物流列表页面');
});

test('edit distance', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('是否生锈', '是否会生锈'), 1);
  assert.equal(editDistance('', 'ab'), 2);
});

test('constraint fields per engine dialect', () => {
  assert.deepEqual(constraintFields('guided_choice', ['a', 'b']), { guided_choice: ['a', 'b'] });
  assert.deepEqual(constraintFields('none', ['a']), {});
  assert.equal(choiceGrammar(['a"b', 'c']), 'root ::= "a\\"b" | "c"');
});

test('endpoint forms resolve to the chat-completions URL', () => {
  assert.equal(chatCompletionsUrl('http://h:8000'), 'http://h:8000/v1/chat/completions');
  assert.equal(chatCompletionsUrl('http://h:8000/v1/'), 'http://h:8000/v1/chat/completions');
  assert.equal(chatCompletionsUrl('https://h/api/v1/chat/completions'), 'https://h/api/v1/chat/completions');
});

test('an endpoint with a user name or password is refused without printing it; messages show URLs without their query', () => {
  assert.throws(() => chatCompletionsUrl('http://alice:hunter2pass@127.0.0.1:8000/v1'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ECM_ERR_BAD_OPTION');
    assert.ok(!err.message.includes('hunter2pass') && !err.message.includes('alice'), err.message);
    assert.match(err.message, /ECOMMIR_MLLM_API_KEY/);
    return true;
  });
  assert.throws(() => chatCompletionsUrl('ftp://bob:secret@h/x?key=1'), (err: Error) => !/secret|bob|key=1/.test(err.message));
  assert.equal(shownUrl('http://127.0.0.1:8000/v1/chat/completions?api-key=SECRET#frag'), 'http://127.0.0.1:8000/v1/chat/completions');
  assert.equal(shownUrl('not a url?api-key=SECRET'), 'not a url');
});

test('the prompt: cleaned dialogue, images in place of their markers, the label list, the image limit', () => {
  const a = { name: 'a.jpg' };
  const b = { name: 'b.jpg' };
  const sample: Sample = {
    id: 'x', index: 0, task: 'intent', candidates: [], images: [a, b],
    turns: [
      { role: 'user', text: '<image> 这个会生锈吗', images: [a] },
      { role: 'agent', text: '抱歉哦，小富目前还不能识别图片，您可以简单描述一下遇到的问题吗？', images: [] },
      { role: 'user', text: '<image>', images: [b] },
    ],
  };
  const prompt = buildLabelPrompt(sample, intent, { hierarchical: true });
  for (const label of intent.labels) assert.ok(prompt.system.includes(intent.hierarchical(label)));
  const { text, images } = userTextWithTags(prompt.user);
  assert.deepEqual(images, [a, b]);
  assert.match(text, /^<用户与客服的对话 START>\n用户: <image>/);
  assert.doesNotMatch(text, /不能识别图片/);
  assert.equal(text.split('<image>').length - 1, 2);
  const limited = userTextWithTags(buildLabelPrompt(sample, intent, { maxImages: 1 }).user);
  assert.deepEqual(limited.images, [b], 'the last image is kept');
  assert.match(limited.text, /\[图片\]/);
});
