import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  accuracyScore,
  classificationReport,
  compareCodePoints,
  confusionMatrix,
  f1Score,
  precisionRecallFscoreSupport,
  uniqueLabels,
} from '../../src/eval/metrics.js';
import { evaluatePredictions, pooledWeightedF1 } from '../../src/eval/evaluate.js';
import type { Sample } from '../../src/types.js';

interface ReferenceCase {
  name: string;
  gold: string[];
  pred: string[];
  weightedF1: number;
  macroF1: number;
  microF1: number;
  accuracy: number;
  labels: string[];
  perClass: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  confusion: number[][];
}

const reference = JSON.parse(
  readFileSync(new URL('../../../shared/fixtures/f1/sklearn_reference.json', import.meta.url), 'utf8'),
) as { generator: string; cases: ReferenceCase[] };

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= 1e-9, `${what}: ${actual} vs sklearn ${expected}`);

test('the scorers used by `ecommir eval` and the bench give sklearn’s weighted F1 on every reference case', () => {
  assert.ok(reference.cases.length >= 5, 'the reference cases were read');
  for (const c of reference.cases) {
    // evaluatePredictions (by id, as `ecommir eval` scores a prediction file) …
    const gold: Sample[] = c.gold.map((label, i) => ({ id: `r${i}`, index: i, task: 'intent', candidates: [], turns: [], images: [], label }));
    const evaluation = evaluatePredictions(gold, new Map(c.pred.map((p, i) => [`r${i}`, p])));
    close(evaluation.all.weightedF1, c.weightedF1, `${c.name}: evaluatePredictions all.weightedF1`);
    close(evaluation.intent!.macroF1, c.macroF1, `${c.name}: evaluatePredictions macro F1`);
    // … and the pooled score of the bench, with the case cut into two parts (pooling is concatenation).
    const cut = Math.floor(c.gold.length / 3);
    const pooled = pooledWeightedF1([
      { gold: c.gold.slice(0, cut), predicted: c.pred.slice(0, cut) },
      { gold: c.gold.slice(cut), predicted: c.pred.slice(cut) },
    ]);
    close(pooled, c.weightedF1, `${c.name}: pooledWeightedF1`);
  }
});

for (const c of reference.cases) {
  test(`sklearn reference: ${c.name}`, () => {
    close(f1Score(c.gold, c.pred, { average: 'weighted' }), c.weightedF1, 'weighted F1');
    close(f1Score(c.gold, c.pred), c.weightedF1, 'default F1 average');
    close(f1Score(c.gold, c.pred, { average: 'macro' }), c.macroF1, 'macro F1');
    close(f1Score(c.gold, c.pred, { average: 'micro' }), c.microF1, 'micro F1');
    close(accuracyScore(c.gold, c.pred), c.accuracy, 'accuracy');
    const per = precisionRecallFscoreSupport(c.gold, c.pred);
    assert.deepEqual(per.labels, c.labels);
    per.labels.forEach((label, i) => {
      const ref = c.perClass[label];
      close(per.precision[i], ref.precision, `${label} precision`);
      close(per.recall[i], ref.recall, `${label} recall`);
      close(per.f1[i], ref.f1, `${label} f1`);
      assert.equal(per.support[i], ref.support, `${label} support`);
    });
    const cm = confusionMatrix(c.gold, c.pred);
    assert.deepEqual(cm.labels, c.labels);
    assert.deepEqual(cm.counts, c.confusion);
    const report = classificationReport(c.gold, c.pred);
    close(report.accuracy!, c.accuracy, 'report accuracy');
    close(report.weightedAvg.f1, c.weightedF1, 'report weighted avg');
    close(report.macroAvg.f1, c.macroF1, 'report macro avg');
    assert.equal(report.weightedAvg.support, c.gold.length);
  });
}

test('labels sort by code point like numpy, not by locale', () => {
  // 商 U+5546 < 支 U+652F < 退 U+9000 ; 'B' < 'a' ; an astral character sorts after U+FFxx.
  assert.deepEqual(uniqueLabels(['退款页面', 'a', '支付页面'], ['商品头图', 'B', '\u{20000}', '\uff01']), [
    'B',
    'a',
    '商品头图',
    '支付页面',
    '退款页面',
    '\uff01',
    '\u{20000}',
  ]);
  assert.ok(compareCodePoints('\u{20000}', '\uffff') > 0);
});

// Hand-checked cases (numbers worked out on paper, sklearn 1.2 conventions).
test('a label only in yPred counts with support 0 and precision 0', () => {
  const yTrue = ['a', 'a', 'b'];
  const yPred = ['a', 'c', 'b'];
  const per = precisionRecallFscoreSupport(yTrue, yPred);
  assert.deepEqual(per.labels, ['a', 'b', 'c']);
  assert.deepEqual(per.precision, [1, 1, 0]);
  assert.deepEqual(per.recall, [0.5, 1, 0]);
  close(per.f1[0], 2 / 3, 'f1 a');
  assert.deepEqual(per.support, [2, 1, 0]);
  // macro includes c: (2/3 + 1 + 0) / 3 ; weighted ignores it (support 0): (2*2/3 + 1) / 3
  close(f1Score(yTrue, yPred, { average: 'macro' }), 5 / 9, 'macro');
  close(f1Score(yTrue, yPred, { average: 'weighted' }), 7 / 9, 'weighted');
});

test('zeroDivision: warn and 0 give 0, 1 gives 1 where the denominator is 0', () => {
  const yTrue = ['a', 'a', 'b'];
  const yPred = ['a', 'a', 'a']; // b is never predicted: precision(b) = 0/0
  assert.equal(precisionRecallFscoreSupport(yTrue, yPred).precision[1], 0);
  assert.equal(precisionRecallFscoreSupport(yTrue, yPred, { zeroDivision: 0 }).precision[1], 0);
  const one = precisionRecallFscoreSupport(yTrue, yPred, { zeroDivision: 1 });
  assert.equal(one.precision[1], 1);
  assert.equal(one.f1[1], 0); // recall(b) = 0, so F = 2*1*0/1 = 0
  // A requested label absent from both: P = R = F = 1 with zeroDivision 1, 0 otherwise.
  const z = precisionRecallFscoreSupport(yTrue, yPred, { labels: ['z'], zeroDivision: 1 });
  assert.deepEqual([z.precision[0], z.recall[0], z.f1[0], z.support[0]], [1, 1, 1, 0]);
  const w = precisionRecallFscoreSupport(yTrue, yPred, { labels: ['z'], average: 'weighted' });
  assert.deepEqual([w.precision, w.recall, w.f1], [0, 0, 0]);
});

test('labels argument restricts and orders the classes; micro sums only those', () => {
  const yTrue = ['a', 'b', 'c', 'c'];
  const yPred = ['a', 'c', 'c', 'b'];
  const per = precisionRecallFscoreSupport(yTrue, yPred, { labels: ['c', 'a'] });
  assert.deepEqual(per.labels, ['c', 'a']);
  assert.deepEqual(per.support, [2, 1]);
  close(per.precision[0], 0.5, 'precision c');
  // micro over {c, a}: tp = 2, predicted in {c, a} = 3, true in {c, a} = 3
  close(f1Score(yTrue, yPred, { labels: ['c', 'a'], average: 'micro' }), 2 / 3, 'micro');
  const cm = confusionMatrix(yTrue, yPred, { labels: ['c', 'a'] });
  assert.deepEqual(cm.counts, [[1, 0], [0, 1]]);
  const report = classificationReport(yTrue, yPred, { labels: ['c', 'a'] });
  assert.equal(report.accuracy, undefined);
  close(report.microAvg!.f1, 2 / 3, 'report micro');
});

test('bad inputs are named errors', () => {
  assert.throws(() => f1Score(['a'], ['a', 'b']), { code: 'ECM_ERR_BAD_OPTION' });
  assert.throws(() => f1Score(['a'], ['a'], { average: 'binary' as never }), { code: 'ECM_ERR_BAD_OPTION' });
  assert.throws(() => f1Score(['a'], ['a'], { zeroDivision: 2 as never }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('a string or null for the labels is named, not scored character by character', () => {
  assert.throws(() => f1Score('abc' as never, 'abd' as never, { average: 'weighted' }), { code: 'ECM_ERR_BAD_OPTION', message: /yTrue must be a list of labels, got string/ });
  assert.throws(() => f1Score(['a'], null as never, { average: 'weighted' }), { code: 'ECM_ERR_BAD_OPTION', message: /yPred must be a list of labels, got null/ });
});
