// Probe: softmax regression on character 1–2-gram TF-IDF of the user's turns, 5-fold stratified CV
// on the dev intent samples, weighted F1 (the FINDINGS floor for this view with a linear SVM: 0.65).
// Usage: node --import tsx bench/probe-intent-text.ts [--seeds 3] [--l2 1e-4,3e-4] [--epochs 100] [--lr 0.1] [--balanced] [--max-n 2]
import { resolve } from 'node:path';
import { loadSamples } from '../src/data/load.js';
import { stratifiedKFold } from '../src/data/split.js';
import { f1Score } from '../src/eval/metrics.js';
import { FeatureUnion } from '../src/features/text/feature-union.js';
import { SoftmaxRegression, type SoftmaxRegressionOptions } from '../src/learn/softmax-regression.js';

const args = process.argv.slice(2);
const argValue = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const nSeeds = Number(argValue('--seeds', '3'));
const l2Grid = argValue('--l2', '1e-4,3e-4,1e-3').split(',').map(Number);
const epochs = Number(argValue('--epochs', '100'));
const lr = Number(argValue('--lr', '0.1'));
const balanced = args.includes('--balanced');
const maxN = Number(argValue('--max-n', '2'));

const dataFile = resolve(import.meta.dirname, '../../shared/data/www2025-mir/train.json');
const { samples } = await loadSamples(dataFile);
const intents = samples.filter((s) => s.task === 'intent' && s.label);
// The user's turns carry the intent; markers and emoticon codes (/:068, ~~) are noise.
const userText = (turns: { role: string; text: string }[]): string =>
  turns
    .filter((t) => t.role === 'user')
    .map((t) => t.text.replace(/<image>|<http>/g, ' ').replace(/\/:[0-9a-z_]+/gi, ' ').replace(/~+/g, ' '))
    .join(' ');
const docs = intents.map((s) => ({ user: userText(s.turns) }));
const labelNames = intents.map((s) => s.label!);
const classes = [...new Set(labelNames)].sort();
const y = Int32Array.from(labelNames, (l) => classes.indexOf(l));
console.log(`intent samples: ${intents.length}, classes: ${classes.length}`);

for (const l2 of l2Grid) {
  const options: SoftmaxRegressionOptions = { l2, epochs, lr, nClasses: classes.length, seed: 0 };
  const scores: number[] = [];
  let fitMs = 0;
  for (let seed = 0; seed < nSeeds; seed++) {
    const folds = stratifiedKFold(labelNames, { k: 5, seed });
    const predicted = new Array<string>(intents.length);
    for (const fold of folds) {
      const union = new FeatureUnion([{ name: 'user', analyzer: { kind: 'char', min: 1, max: maxN }, tfidf: { sublinearTf: true } }]);
      const Xtrain = union.fitTransform(fold.train.map((i) => docs[i]));
      const Xtest = union.transform(fold.test.map((i) => docs[i]));
      const t = performance.now();
      const model = new SoftmaxRegression(options).fit(Xtrain, fold.train.map((i) => y[i]), balanced ? { classWeight: 'balanced' } : {});
      fitMs += performance.now() - t;
      model.predict(Xtest).forEach((c, j) => (predicted[fold.test[j]] = classes[c]));
    }
    scores.push(f1Score(labelNames, predicted, { average: 'weighted', zeroDivision: 0 }));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  console.log(JSON.stringify({ ...options, balanced, maxN, cvWeightedF1: Number(mean.toFixed(4)), perShuffle: scores.map((s) => Number(s.toFixed(4))), meanFitMs: Math.round(fitMs / (nSeeds * 5)) }));
}
