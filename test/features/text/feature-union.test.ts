import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeatureUnion } from '../../../src/features/text/feature-union.js';
import { SoftmaxRegression } from '../../../src/learn/softmax-regression.js';

// A tiny made-up corpus, three intents: refund, logistics, invoice.
const TRAIN = [
  { user: '我要退款，东西不想要了', agent: '亲，您好' },
  { user: '申请退款怎么操作', agent: '亲，请稍等' },
  { user: '退货退款多久到账', agent: '您好' },
  { user: '钱什么时候退回来', agent: '亲' },
  { user: '快递到哪里了', agent: '亲，您好' },
  { user: '物流一直不更新', agent: '亲，请稍等' },
  { user: '怎么还没发货', agent: '您好' },
  { user: '包裹什么时候送到', agent: '亲' },
  { user: '能开发票吗', agent: '亲，您好' },
  { user: '发票抬头写错了', agent: '亲，请稍等' },
  { user: '我要开增值税专用发票', agent: '您好' },
  { user: '电子发票在哪里下载', agent: '亲' },
];
const LABELS = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
const TEST = [{ user: '退款申请一下' }, { user: '快递物流到哪了' }, { user: '开一张发票' }];

function makeUnion(): FeatureUnion {
  return new FeatureUnion([
    { name: 'user', analyzer: { kind: 'char', min: 1, max: 2 }, tfidf: { sublinearTf: true } },
    { name: 'userWords', analyzer: { kind: 'word', min: 1, max: 1 }, weight: 0.5 },
    { name: 'agent', analyzer: { kind: 'char', min: 1, max: 2 }, weight: 0.2 },
  ]);
}

test('TF-IDF views + SoftmaxRegression separate three intents; deterministic; save/load identical', () => {
  const docs = TRAIN.map((d) => ({ ...d, userWords: d.user }));
  const testDocs = TEST.map((d) => ({ ...d, userWords: d.user }));
  const union = makeUnion().fit(docs);
  const X = union.transform(docs);
  const ranges = union.columnRanges;
  assert.equal(ranges.user[0], 0);
  assert.equal(ranges.agent[1], union.nFeatures);
  assert.equal(X.nCols, union.nFeatures);

  const model = new SoftmaxRegression({ l2: 1e-3, epochs: 200, lr: 0.1, seed: 7 }).fit(X, LABELS);
  assert.deepEqual(Array.from(model.predict(X)), LABELS);
  assert.deepEqual(Array.from(model.predict(union.transform(testDocs))), [0, 1, 2]);

  const twin = new SoftmaxRegression(model.getParams()).fit(makeUnion().fit(docs).transform(docs), LABELS);
  assert.deepEqual(twin.parameters(), model.parameters());

  const unionBack = FeatureUnion.fromJSON(JSON.parse(JSON.stringify(union.toJSON())));
  const modelBack = SoftmaxRegression.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  assert.deepEqual(modelBack.predictProba(unionBack.transform(testDocs)), model.predictProba(union.transform(testDocs)));
});

test('view errors name the document', () => {
  const union = makeUnion();
  assert.throws(() => union.fit([{ user: 'a' }, { user: ['not', 'text'] }]), /record #1/);
  assert.throws(() => new FeatureUnion([{ name: 'a', analyzer: { kind: 'char', min: 2, max: 1 } }]), /min/);
  assert.throws(() => new FeatureUnion([{ name: 'a', analyzer: { kind: 'tokens' } }, { name: 'a', analyzer: { kind: 'tokens' } }]), /unique/);
});
