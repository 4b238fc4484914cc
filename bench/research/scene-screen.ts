// Screening harness for scene ideas, honest by construction: it only ever sees the develop part of
// the dev scene samples (src/eval/holdout.ts: the reserved 20% is never loaded here), and runs
// stratified k-fold CV on it with everything data-driven (TF-IDF vocabularies, scalers, mined cues,
// the head) fitted inside each training fold. No 9:1 split or soup: one softmax head per fold, so
// configurations are ranked quickly from cached features. Figures from here are SCREENING figures.
// Usage: node --import tsx bench/research/scene-screen.ts '<configs JSON or file>' [seeds] [--ocr '{"maxSide":1280}']
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stratifiedKFold } from '../../src/data/split.js';
import { reservedHoldout } from '../../src/eval/holdout.js';
import { f1Score } from '../../src/eval/metrics.js';
import type { ImageFeatures } from '../../src/features/extract.js';
import { StandardScaler, l2NormalisedRows } from '../../src/features/standard-scaler.js';
import { CueMiner, type CueMinerOptions } from '../../src/features/text/cue-miner.js';
import { loadCueLexicon, matchCues } from '../../src/features/text/cue-lexicon.js';
import { FeatureUnion, type MultiViewDoc, type TextViewSpec } from '../../src/features/text/feature-union.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { hstack, type HstackBlock } from '../../src/learn/csr.js';
import { SoftmaxRegression, type SoftmaxRegressionOptions } from '../../src/learn/softmax-regression.js';
import { sceneDocExtras } from '../../src/tasks/scene/extra-views.js';
import { SceneImageFeaturizer } from '../../src/tasks/scene/image-features.js';
import { DEFAULT_SCENE_HEAD } from '../../src/tasks/scene/recognizer.js';
import { uiTokens } from '../../src/tasks/scene/ui-structure.js';
import type { OcrOptions } from '../../src/vision/ocr.js';
import { devSamples } from '../sections/common.js';

export interface ScreenConfig {
  name: string;
  views: TextViewSpec[];
  layoutWeight?: number;
  embeddingWeight?: number;
  uiWeight?: number;
  /** Options of the fold-mined cues (used by a view named `mined`). */
  mined?: CueMinerOptions;
  /** A cue lexicon file (used by a view named `lexicon`). */
  lexicon?: string;
  head?: SoftmaxRegressionOptions;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { ocr: { type: 'string' } } });
const arg = positionals[0] ?? '[]';
const configs: ScreenConfig[] = JSON.parse(arg.trim().startsWith('[') ? arg : readFileSync(arg, 'utf8'));
const seeds = (positionals[1] ?? '0').split(',').map(Number);
const ocr = values.ocr ? (JSON.parse(values.ocr) as Partial<OcrOptions>) : undefined;

const scene = (await devSamples()).filter((s) => s.task === 'scene');
const { develop } = reservedHoldout(scene);
const taxonomy = Taxonomy.default('scene');
const labels = taxonomy.labels;
const coarseOf = labels.map((l) => taxonomy.coarseLabels.indexOf(taxonomy.coarseOf(l)));
const featurizer = new SceneImageFeaturizer({ layout: true, embedding: true, ui: true, augmentCopies: 0, ocr });
const feats: ImageFeatures[] = [];
for (const s of develop) feats.push(await featurizer.features(s.images[0], { id: s.id, index: s.index }));
const baseDocs: MultiViewDoc[] = feats.map((f) => ({ ...sceneDocExtras(f), ui: uiTokens(f.ocr.lines) }));
const gold = develop.map((s) => s.label!);
const y = Int32Array.from(gold, (l) => labels.indexOf(l));
const K = labels.length;

for (const cfg of configs) {
  const started = performance.now();
  const lexicon = cfg.lexicon ? loadCueLexicon(cfg.lexicon) : undefined;
  const docs = baseDocs.map((d) => {
    if (!lexicon) return d;
    return { ...d, lexicon: [...matchCues(d.title as string, lexicon).map((m) => `title:${m.label}`), ...matchCues(d.all as string, lexicon).map((m) => `page:${m.label}`)] };
  });
  const seedF1: number[] = [];
  const seedMacro: number[] = [];
  for (const seed of seeds) {
    const pred: string[] = new Array(develop.length);
    for (const fold of stratifiedKFold(gold, { k: 5, seed })) {
      let foldDocs = docs;
      if (cfg.views.some((v) => v.name === 'mined')) {
        const miner = new CueMiner(cfg.mined).fit(fold.train.map((i) => docs[i].all as string), fold.train.map((i) => gold[i]));
        foldDocs = docs.map((d) => ({ ...d, mined: [...miner.match(d.title as string).map((l) => `title:${l}`), ...miner.match(d.all as string).map((l) => `page:${l}`)] }));
      }
      const union = cfg.views.length ? new FeatureUnion(cfg.views).fit(fold.train.map((i) => foldDocs[i])) : undefined;
      const layoutScaler = (cfg.layoutWeight ?? 0) > 0 ? new StandardScaler().fit(fold.train.map((i) => feats[i].layout!)) : undefined;
      const uiScaler = (cfg.uiWeight ?? 0) > 0 ? new StandardScaler().fit(fold.train.map((i) => feats[i].vectors!['ui-structure'])) : undefined;
      const X = (idx: number[]) => {
        const blocks: HstackBlock[] = union ? [{ matrix: union.transform(idx.map((i) => foldDocs[i])) }] : [];
        if (layoutScaler) blocks.push({ kind: 'dense', data: layoutScaler.transform(idx.map((i) => feats[i].layout!)), nCols: layoutScaler.nFeatures, weight: cfg.layoutWeight });
        if (uiScaler) blocks.push({ kind: 'dense', data: uiScaler.transform(idx.map((i) => feats[i].vectors!['ui-structure'])), nCols: uiScaler.nFeatures, weight: cfg.uiWeight });
        if ((cfg.embeddingWeight ?? 0) > 0) blocks.push({ kind: 'dense', data: l2NormalisedRows(idx.map((i) => feats[i].embedding!)), nCols: 1280, weight: cfg.embeddingWeight });
        return hstack(blocks);
      };
      const head = new SoftmaxRegression({ ...DEFAULT_SCENE_HEAD, ...cfg.head, nClasses: K, seed, coarseOf }).fit(X(fold.train), Int32Array.from(fold.train, (i) => y[i]), { classWeight: 'balanced' });
      const predicted = head.predict(X(fold.test));
      fold.test.forEach((row, j) => (pred[row] = labels[predicted[j]]));
    }
    seedF1.push(f1Score(gold, pred, { average: 'weighted' }));
    seedMacro.push(f1Score(gold, pred, { average: 'macro' }));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`${mean(seedF1).toFixed(4)} macro ${mean(seedMacro).toFixed(4)} [${seedF1.map((s) => s.toFixed(3)).join(' ')}] ${((performance.now() - started) / 1000).toFixed(0)}s  ${cfg.name}`);
}
