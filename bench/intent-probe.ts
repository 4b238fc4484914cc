// Quick probe: k-fold CV of intent view/weight settings on the dev intent samples (not the bench).
import { loadSamples } from '../src/data/load.js';
import { stratifiedKFold } from '../src/data/split.js';
import { f1Score } from '../src/eval/metrics.js';
import { FeatureUnion, type TextViewSpec } from '../src/features/text/feature-union.js';
import { SoftmaxRegression } from '../src/learn/softmax-regression.js';
import { loadDenoiseRules } from '../src/clean/rules.js';
import { defaultLexiconPath, loadCueLexicon } from '../src/features/text/cue-lexicon.js';
import { intentDocument } from '../src/tasks/intent/views.js';

const { samples } = await loadSamples('../shared/data/www2025-mir/train.json');
const intent = samples.filter((s) => s.task === 'intent');
const labels = [...new Set(intent.map((s) => s.label!))].sort();
const y = intent.map((s) => labels.indexOf(s.label!));
const lexicon = loadCueLexicon(defaultLexiconPath('intent'));
const rules = loadDenoiseRules();

type Config = { name: string; views: TextViewSpec[]; denoise?: boolean; l2?: number; epochs?: number; lr?: number };
const char = (min: number, max: number) => ({ kind: 'char' as const, min, max });
const configs: Config[] = JSON.parse(process.argv[2] ?? '[]');
const seeds = [0, 1, 2];
for (const cfg of configs) {
  const docs = intent.map((s) => intentDocument(s, lexicon, rules, { denoise: cfg.denoise }).doc);
  const scores: number[] = [];
  for (const seed of seeds) {
    const folds = stratifiedKFold(intent.map((s) => s.label!), { k: 5, seed });
    const pred: string[] = new Array(intent.length);
    for (const fold of folds) {
      const union = new FeatureUnion(cfg.views);
      const Xtr = union.fitTransform(fold.train.map((i) => docs[i]));
      const head = new SoftmaxRegression({ l2: cfg.l2 ?? 1e-4, epochs: cfg.epochs ?? 200, lr: cfg.lr ?? 0.05, nClasses: labels.length });
      head.fit(Xtr, fold.train.map((i) => y[i]), { classWeight: 'balanced' });
      const p = head.predict(union.transform(fold.test.map((i) => docs[i])));
      fold.test.forEach((i, j) => (pred[i] = labels[p[j]]));
    }
    scores.push(f1Score(intent.map((s) => s.label!), pred, { average: 'weighted' }) as number);
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  console.log(`${mean.toFixed(4)}  [${scores.map((s) => s.toFixed(3)).join(' ')}]  ${cfg.name}`);
}
void char;
