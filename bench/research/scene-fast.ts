// Fast screening harness for scene features: loads every dev scene sample's cached features once,
// then runs 5-fold CV of many configurations with the union, scaler and softmax fitted inside each
// fold (as SceneRecognizer.fit does), without the 9:1 validation split or soups. Numbers here rank
// ideas; finalists are re-measured with bench/scene-probe.ts through the real recogniser.
// Usage: node --import tsx bench/research/scene-fast.ts <configs.json|inline JSON> [seeds]
import { readFileSync } from 'node:fs';
import { loadSamples } from '../../src/data/load.js';
import { stratifiedKFold } from '../../src/data/split.js';
import { f1Score } from '../../src/eval/metrics.js';
import type { ImageFeatures } from '../../src/features/extract.js';
import { StandardScaler, l2NormalisedRows } from '../../src/features/standard-scaler.js';
import { FeatureUnion, type MultiViewDoc, type TextViewSpec } from '../../src/features/text/feature-union.js';
import { defaultLexiconPath, loadCueLexicon, matchCues } from '../../src/features/text/cue-lexicon.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { hstack, sliceRows, type HstackBlock } from '../../src/learn/csr.js';
import { MlpClassifier, type MlpOptions } from '../../src/learn/mlp.js';
import { SoftmaxRegression, type SoftmaxRegressionOptions } from '../../src/learn/softmax-regression.js';
import { DEFAULT_SCENE_FUSION, DEFAULT_SCENE_HEAD } from '../../src/tasks/scene/recognizer.js';
import { SceneImageFeaturizer } from '../../src/tasks/scene/image-features.js';
import { sceneDocExtras } from '../../src/tasks/scene/extra-views.js';
import { LAYOUT_BLOCKS } from '../../src/vision/layout.js';

interface FastConfig {
  name: string;
  views?: TextViewSpec[];
  layoutWeight?: number;
  /** Layout blocks kept (default all). */
  layoutBlocks?: string[];
  embeddingWeight?: number;
  gridWeight?: number;
  head?: SoftmaxRegressionOptions;
  balanced?: boolean;
  /** Late fusion: an MLP on the dense (layout + embedding + grid) features, probabilities averaged. */
  denseMlp?: MlpOptions & { weight: number };
  /** Late fusion: kNN (cosine on the fused rows), probabilities averaged. */
  knn?: { k: number; weight: number };
  /** MLP head on the fused features instead of the softmax. */
  mlpHead?: MlpOptions;
}

const { samples } = await loadSamples('../shared/data/www2025-mir/train.json');
const scene = samples.filter((s) => s.task === 'scene');
const taxonomy = Taxonomy.default('scene');
const labels = taxonomy.labels;
const coarseOf = labels.map((l) => taxonomy.coarseLabels.indexOf(taxonomy.coarseOf(l)));
const arg = process.argv[2] ?? '[]';
const configs: FastConfig[] = JSON.parse(arg.trim().startsWith('[') ? arg : readFileSync(arg, 'utf8'));
const seeds = (process.argv[3] ?? '0').split(',').map(Number);

const featurizer = new SceneImageFeaturizer({ layout: true, embedding: true, augmentCopies: 0 });
const lexicon = loadCueLexicon(defaultLexiconPath('scene'));
const feats: ImageFeatures[] = [];
for (const s of scene) feats.push(await featurizer.features(s.images[0], { id: s.id, index: s.index }));
const docs: MultiViewDoc[] = feats.map((f) => {
  const extra = sceneDocExtras(f);
  const doc: MultiViewDoc = { ...extra };
  doc.lexicon = [...matchCues(extra.title as string, lexicon).map((m) => `title:${m.label}`), ...matchCues(extra.all as string, lexicon).map((m) => `page:${m.label}`)];
  return doc;
});
const gold = scene.map((s) => s.label!);
const y = Int32Array.from(gold, (l) => labels.indexOf(l));

function blockMask(names?: string[]): number[] {
  const keep: number[] = [];
  let o = 0;
  for (const b of LAYOUT_BLOCKS) {
    if (!names || names.includes(b.name)) for (let i = 0; i < b.length; i++) keep.push(o + i);
    o += b.length;
  }
  return keep;
}

function denseBlocks(idx: number[], cfg: FastConfig, scaler: StandardScaler | undefined, mask: number[]): HstackBlock[] {
  const blocks: HstackBlock[] = [];
  if (scaler) blocks.push({ kind: 'dense', data: scaler.transform(idx.map((i) => Float32Array.from(mask, (j) => feats[i].layout![j]))), nCols: mask.length, weight: cfg.layoutWeight! });
  if ((cfg.embeddingWeight ?? 0) > 0) blocks.push({ kind: 'dense', data: l2NormalisedRows(idx.map((i) => feats[i].embedding!)), nCols: 1280, weight: cfg.embeddingWeight });
  if ((cfg.gridWeight ?? 0) > 0) blocks.push({ kind: 'dense', data: l2NormalisedRows(idx.map((i) => feats[i].embeddingGrid!)), nCols: 4 * 1280, weight: cfg.gridWeight });
  return blocks;
}

function cosineKnnProba(Xtr: ReturnType<typeof hstack>, ytr: Int32Array, Xte: ReturnType<typeof hstack>, k: number): Float32Array {
  const K = labels.length;
  const out = new Float32Array(Xte.nRows * K);
  const norm = (m: typeof Xtr, r: number) => {
    let s = 0;
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) s += m.values[p] ** 2;
    return Math.sqrt(s) || 1;
  };
  const dense = new Float64Array(Xtr.nCols);
  const trNorm = Array.from({ length: Xtr.nRows }, (_, r) => norm(Xtr, r));
  for (let t = 0; t < Xte.nRows; t++) {
    dense.fill(0);
    for (let p = Xte.indptr[t]; p < Xte.indptr[t + 1]; p++) dense[Xte.indices[p]] = Xte.values[p];
    const sims: [number, number][] = [];
    for (let r = 0; r < Xtr.nRows; r++) {
      let s = 0;
      for (let p = Xtr.indptr[r]; p < Xtr.indptr[r + 1]; p++) s += Xtr.values[p] * dense[Xtr.indices[p]];
      sims.push([s / trNorm[r], ytr[r]]);
    }
    sims.sort((a, b) => b[0] - a[0]);
    let total = 0;
    for (const [s, c] of sims.slice(0, k)) {
      const w = Math.max(s, 0) + 1e-6;
      out[t * K + c] += w;
      total += w;
    }
    for (let c = 0; c < K; c++) out[t * K + c] /= total;
  }
  return out;
}

for (const raw of configs) {
  const cfg: FastConfig = { layoutWeight: DEFAULT_SCENE_FUSION.layoutWeight, embeddingWeight: DEFAULT_SCENE_FUSION.embeddingWeight, views: DEFAULT_SCENE_FUSION.views, balanced: true, ...raw };
  const started = performance.now();
  const seedF1: number[] = [];
  const seedMacro: number[] = [];
  const mask = blockMask(cfg.layoutBlocks);
  for (const seed of seeds) {
    const pred: string[] = new Array(scene.length);
    for (const fold of stratifiedKFold(gold, { k: 5, seed })) {
      const union = cfg.views!.length ? new FeatureUnion(cfg.views!).fit(fold.train.map((i) => docs[i])) : undefined;
      const scaler = cfg.layoutWeight! > 0 ? new StandardScaler().fit(fold.train.map((i) => Float32Array.from(mask, (j) => feats[i].layout![j]))) : undefined;
      const X = (idx: number[]) => hstack([...(union ? [{ matrix: union.transform(idx.map((i) => docs[i])) }] : []), ...denseBlocks(idx, cfg, scaler, mask)]);
      const Xtr = X(fold.train);
      const Xte = X(fold.test);
      const ytr = Int32Array.from(fold.train, (i) => y[i]);
      const fitOpts = cfg.balanced ? { classWeight: 'balanced' as const } : {};
      const K = labels.length;
      const head = cfg.mlpHead
        ? new MlpClassifier({ nClasses: K, seed, coarseOf, ...cfg.mlpHead }).fit(Xtr, ytr, fitOpts)
        : new SoftmaxRegression({ ...DEFAULT_SCENE_HEAD, ...cfg.head, nClasses: K, seed, coarseOf }).fit(Xtr, ytr, fitOpts);
      const proba = head.predictProba(Xte);
      if (cfg.denseMlp) {
        const D = (idx: number[]) => hstack(denseBlocks(idx, { ...cfg, layoutWeight: cfg.layoutWeight! > 0 ? 1 : 0, embeddingWeight: 1, gridWeight: cfg.gridWeight ? 1 : 0 }, scaler, mask));
        const { weight, ...mo } = cfg.denseMlp;
        const p2 = new MlpClassifier({ nClasses: K, seed, coarseOf, ...mo }).fit(D(fold.train), ytr, fitOpts).predictProba(D(fold.test));
        for (let i = 0; i < proba.length; i++) proba[i] = (1 - weight) * proba[i] + weight * p2[i];
      }
      if (cfg.knn) {
        const p3 = cosineKnnProba(Xtr, ytr, Xte, cfg.knn.k);
        for (let i = 0; i < proba.length; i++) proba[i] = (1 - cfg.knn.weight) * proba[i] + cfg.knn.weight * p3[i];
      }
      fold.test.forEach((row, j) => {
        let best = 0;
        for (let c = 1; c < K; c++) if (proba[j * K + c] > proba[j * K + best]) best = c;
        pred[row] = labels[best];
      });
      void sliceRows;
    }
    seedF1.push(f1Score(gold, pred, { average: 'weighted' }));
    seedMacro.push(f1Score(gold, pred, { average: 'macro' }));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`${mean(seedF1).toFixed(4)} macro ${mean(seedMacro).toFixed(4)} [${seedF1.map((s) => s.toFixed(3)).join(' ')}] ${((performance.now() - started) / 1000).toFixed(0)}s  ${cfg.name}`);
}
