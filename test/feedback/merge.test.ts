// train --feedback's merge: matched by content, the newest human label wins, counts are right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNativeSample } from '../../src/data/native.js';
import { mergeFeedback } from '../../src/feedback/merge.js';

const intent = (text: string, label: string | undefined, index: number, extra = '') =>
  parseNativeSample({ id: `s${index}`, task: 'intent', dialogue: [{ role: 'user', text: text + extra }, { role: 'agent', text: '亲，在的' }], label }, index);

test('corrections replace the data file label, new samples are added, the newest duplicate wins', async () => {
  const data = [intent('会生锈吗', '是否会生锈', 0), intent('怎么用', '用法用量', 1), intent('什么材质', '商品材质', 2)];
  const feedback = [
    intent('怎么用', '是否好用', 0),
    intent('怎么用', '功效功能', 1), // the same dialogue, labelled later
    intent('  会生锈吗 ', '是否会生锈', 2), // spaces differ: the same content; confirms
    intent('发几个', '发货数量', 3),
    parseNativeSample({ task: 'scene', image: { base64: 'iVBORw0KGgo=' }, label: '订单详情页面' }, 4),
  ];
  const at = [Date.parse('2026-01-02'), Date.parse('2026-01-03'), Date.parse('2026-01-01'), Date.parse('2026-01-01'), NaN];
  const { samples, report } = await mergeFeedback('intent', data, feedback, at);
  assert.deepEqual(samples.map((s) => s.label), ['是否会生锈', '功效功能', '商品材质', '发货数量']);
  assert.deepEqual(report, { read: 4, otherTask: 1, superseded: 1, relabelled: 1, confirmed: 1, added: 1, total: 4 });

  // Without dates, the later record wins; a dated newer label beats a later undated one only when both are dated.
  const undated = await mergeFeedback('intent', data, [intent('怎么用', '功效功能', 0), intent('怎么用', '是否好用', 1)]);
  assert.equal(undated.samples[1].label, '是否好用');
  const older = await mergeFeedback('intent', data, [intent('怎么用', '功效功能', 0), intent('怎么用', '是否好用', 1)], [Date.parse('2026-02-01'), Date.parse('2026-01-01')]);
  assert.equal(older.samples[1].label, '功效功能', 'the record labelled later wins, wherever it is in the file');
  // A differently worded dialogue is another sample.
  const other = await mergeFeedback('intent', data, [intent('怎么用', '功效功能', 0, '呢')]);
  assert.equal(other.report.added, 1);
  assert.equal(other.samples[1].label, '用法用量');
});
