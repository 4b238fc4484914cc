import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { EcommirError } from '../../src/errors.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { loadChallengeFile } from '../../src/data/challenge.js';
import { DEV_JSON, tempDir } from '../data/helpers.js';

test('the default taxonomies hold exactly the candidate labels of the dev instructions, in their order', async () => {
  const { samples } = await loadChallengeFile(DEV_JSON);
  for (const task of ['scene', 'intent'] as const) {
    const candidates = samples.find((s) => s.task === task)!.candidates;
    assert.deepEqual(Taxonomy.default(task).labels, candidates);
  }
  assert.equal(Taxonomy.default('scene').labels.length, 25);
  assert.equal(Taxonomy.default('intent').labels.length, 23);
  assert.ok(Taxonomy.default('scene').has('消费者与客服聊天页面'));
  assert.ok(Taxonomy.default('scene').has('个人信息页面'));
});

test('hierarchical labels round-trip for every default label, including fine labels that hold a dash', () => {
  for (const task of ['scene', 'intent'] as const) {
    const taxonomy = Taxonomy.default(task);
    for (const fine of taxonomy.labels) {
      const coarse = taxonomy.coarseOf(fine);
      assert.ok(taxonomy.coarseLabels.includes(coarse));
      const hierarchical = taxonomy.hierarchical(fine);
      assert.equal(hierarchical, `${coarse}-${fine}`);
      assert.deepEqual(taxonomy.parseHierarchical(hierarchical), { coarse, fine });
      assert.deepEqual(taxonomy.parseHierarchical(fine), { coarse, fine });
      assert.notEqual(taxonomy.describe(fine), '');
    }
  }
  const scene = Taxonomy.default('scene');
  assert.deepEqual(scene.parseHierarchical('物流-物流页面-物流列表页面'), { coarse: '物流', fine: '物流页面-物流列表页面' });
  assert.deepEqual(Taxonomy.default('intent').parseHierarchical('功能使用咨询—能否调光'), { coarse: '功能使用咨询', fine: '能否调光' });
  assert.equal(Taxonomy.default('intent').coarseOf('控制方式'), '功能使用咨询');
});

test('unknown labels and wrong pairs are ECM_ERR_UNKNOWN_LABEL naming the string', () => {
  const intent = Taxonomy.default('intent');
  const unknown = (fn: () => unknown, text: string): void =>
    assert.throws(fn, (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_UNKNOWN_LABEL' && err.message.includes(text));
  unknown(() => intent.coarseOf('是否会发霉'), '是否会发霉');
  unknown(() => intent.parseHierarchical('售后反馈-能否调光'), '售后反馈-能否调光');
  unknown(() => intent.describe('退款页面'), '退款页面');
});

test("a user's taxonomy file replaces the default", async () => {
  const dir = await tempDir({});
  const file = join(dir, 'mine.json');
  await writeFile(
    file,
    JSON.stringify({
      task: 'intent',
      labels: [
        { label: '尺码咨询', coarse: '商品-规格', description: '问尺码' },
        { label: '规格-尺寸', coarse: '商品', description: '问尺寸' },
        { label: '催发货', coarse: '物流' },
      ],
    }),
  );
  const mine = await Taxonomy.load(file, 'intent');
  assert.deepEqual(mine.labels, ['尺码咨询', '规格-尺寸', '催发货']);
  assert.deepEqual(mine.coarseLabels, ['商品-规格', '商品', '物流']);
  // Coarse and fine names that both hold dashes still read back unambiguously.
  for (const fine of mine.labels) assert.equal(mine.parseHierarchical(mine.hierarchical(fine)).fine, fine);
  assert.equal(mine.describe('催发货'), '');
  assert.equal(mine.has('商品材质'), false);
  await assert.rejects(Taxonomy.load(file, 'scene'), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_TAXONOMY');
});

test('a bad taxonomy is ECM_ERR_BAD_TAXONOMY naming the label at fault', () => {
  const bad = (value: unknown, pattern: RegExp): void =>
    assert.throws(() => Taxonomy.fromJSON(value, 'mine.json'), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_TAXONOMY' && pattern.test(err.message));
  bad({ task: 'intent', labels: [{ label: 'a', coarse: 'x' }, { label: 'a', coarse: 'y' }] }, /record #1.*duplicate label "a"/);
  bad({ task: 'intent', labels: [{ label: 'a', coarse: 'x' }, { label: 'b' }] }, /record #1.*"b" has no coarse/);
  bad({ task: 'intent', coarse: [{ label: 'x' }], labels: [{ label: 'a', coarse: 'y' }] }, /"a".*"y".*does not declare/);
  bad({ task: 'intent', coarse: [{ label: 'x' }, { label: 'z' }], labels: [{ label: 'a', coarse: 'x' }] }, /with no label: z/);
  bad({ task: 'intent', labels: [] }, /non-empty/);
  bad({ task: 'faces', labels: [{ label: 'a', coarse: 'x' }] }, /task/);
  // `a-b` + `c` and `a` + `b-c` would both be written `a-b-c`.
  bad({ task: 'intent', labels: [{ label: 'c', coarse: 'a-b' }, { label: 'b-c', coarse: 'a' }] }, /ambiguous/);
});

test('indexOf is a label\'s position in labels, -1 for a label not in the taxonomy', () => {
  const taxonomy = Taxonomy.default('intent');
  taxonomy.labels.forEach((label, i) => assert.equal(taxonomy.indexOf(label), i));
  assert.equal(taxonomy.indexOf('不存在的标签'), -1);
  assert.equal(taxonomy.indexOf(''), -1);
});

test('Taxonomy.default of a task that does not exist is ECM_ERR_UNKNOWN_TASK, not a file-system error', () => {
  assert.throws(() => Taxonomy.default('foo' as 'intent'), (err: Error & { code?: string }) => err.code === 'ECM_ERR_UNKNOWN_TASK' && /task "foo": the tasks are/.test(err.message));
});
