// `train --feedback FILE` says what it passed over and names a bad feedback record by its place in FILE:
// the other task's corrections were merged as "0" in silence, and a label outside --taxonomy was checked
// against the shipped label set (refused though the taxonomy has it) and numbered in the merged data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';

const dialogue = (id: string, text: string, label: string) => ({ id, task: 'intent', dialogue: [{ role: 'user', text }], label });
const lines = (records: object[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

test('train --feedback counts the other task\'s records and checks labels against --taxonomy in the feedback file', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-train-feedback-'));
  const data = join(dir, 'data.jsonl');
  await writeFile(data, lines([
    dialogue('a', '这个杯子会生锈吗', '是否会生锈'), dialogue('b', '不锈钢的会不会锈', '是否会生锈'), dialogue('c', '用久了生锈吗', '是否会生锈'),
    dialogue('d', '一共发几件', '发货数量'), dialogue('e', '拍两件发几个', '发货数量'), dialogue('f', '发货是几包', '发货数量'),
  ]));
  const feedback = join(dir, 'feedback.jsonl');
  await writeFile(feedback, lines([
    { ...dialogue('g', '锅会不会生锈啊', '是否会生锈'), labelledAt: '2026-12-01T00:00:00Z' },
    { id: 'h', task: 'scene', image: 'shot.png', label: '订单详情页面', labelledAt: '2026-12-01T00:00:00Z' },
  ]));
  const merged = await runCli(['train', 'intent', '--data', data, '--feedback', feedback, '--no-knowledge', '--out', join(dir, 'model')]);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stderr, /1 human intent labels from `.*feedback\.jsonl` merged: .*1 added.*; 1 scene record passed over \(train the scene model with them\)/);

  // A label set of one's own: a feedback label in it is taken, one outside it is named by its record in the feedback file.
  const taxonomy = join(dir, 'taxonomy.json');
  await writeFile(taxonomy, JSON.stringify({ task: 'intent', labels: [{ label: '是否会生锈', coarse: '商品' }, { label: '发货数量', coarse: '物流' }, { label: '锅具问题', coarse: '商品' }] }));
  const own = join(dir, 'own.jsonl');
  await writeFile(own, lines([dialogue('i', '锅底有点糊', '锅具问题'), dialogue('j', '锅柄松了', '锅具问题')]));
  const taken = await runCli(['train', 'intent', '--data', data, '--feedback', own, '--taxonomy', taxonomy, '--no-knowledge', '--out', join(dir, 'own-model')]);
  assert.equal(taken.code, 0, taken.stderr);
  assert.match(taken.stderr, /2 human intent labels .* 2 added/);
  const outside = join(dir, 'outside.jsonl');
  await writeFile(outside, lines([dialogue('k', '锅底有点糊', '锅具问题'), dialogue('l', '这是正品吗', '正品保障')]));
  const refused = await runCli(['train', 'intent', '--data', data, '--feedback', outside, '--taxonomy', taxonomy, '--no-knowledge', '--out', join(dir, 'refused-model')]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /outside\.jsonl.*record #1, id l: label "正品保障" is not one of the 3 intent labels|record #1, id l.*outside\.jsonl.*正品保障/s);
});
