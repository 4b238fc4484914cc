// Screening harness for scene ideas, honest by construction: it only ever sees the develop part of
// the dev scene samples (src/eval/holdout.ts: the reserved 20% is never loaded here), and runs
// stratified k-fold CV on it with everything data-driven (TF-IDF vocabularies, scalers, mined cues,
// the head) fitted inside each training fold. No 9:1 split or soup: one softmax head per fold, so
// configurations are ranked quickly from cached features. Figures from here are SCREENING figures.
// Usage: node --import tsx bench/research/scene-screen.ts '<configs JSON or file>|shipped|shipped-transfer' [seeds] [--ocr '{"maxSide":1280}'] [--per-class]
// --per-class: per label F1, support and the label it is most often mistaken for (first seed's out-of-fold predictions).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { stratifiedKFold } from '../../src/data/split.js';
import { reservedHoldout } from '../../src/eval/holdout.js';
import { f1Score } from '../../src/eval/metrics.js';
import { sha256Hex } from '../../src/features/cache.js';
import { argmaxRows } from '../../src/learn/head.js';
import { selectPseudoLabels } from '../../src/learn/pseudo.js';
import type { ImageFeatures } from '../../src/features/extract.js';
import { StandardScaler, l2NormalisedRows } from '../../src/features/standard-scaler.js';
import { CueMiner, type CueMinerOptions } from '../../src/features/text/cue-miner.js';
import { defaultLexiconPath, loadCueLexicon, matchCues } from '../../src/features/text/cue-lexicon.js';
import { FeatureUnion, type MultiViewDoc, type TextViewSpec } from '../../src/features/text/feature-union.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { hstack, type HstackBlock } from '../../src/learn/csr.js';
import { SoftmaxRegression, type SoftmaxRegressionOptions } from '../../src/learn/softmax-regression.js';
import { createLearner, type LearnerSpec } from '../../src/learn/learner.js';
import '../../src/learn/stacking.js';
import '../../src/learn/ensemble-selection.js';
import '../../src/learn/row-subset.js';
import type { ColumnSlice } from './column-select.js';
import './column-select.js';
import { sceneDocExtras } from '../../src/tasks/scene/extra-views.js';
import { labelsOf } from '../../src/tasks/scene/recognizer.js';
import { SceneImageFeaturizer } from '../../src/tasks/scene/image-features.js';
import { DEFAULT_SCENE_FUSION, DEFAULT_SCENE_HEAD, DEFAULT_SCENE_LEARNER } from '../../src/tasks/scene/recognizer.js';
import { uiTokens } from '../../src/tasks/scene/ui-structure.js';
import type { OcrOptions } from '../../src/vision/ocr.js';
import { devSamples } from '../sections/common.js';
import { DEFAULT_SCENE_KNOWLEDGE, syntheticScenePageTexts, syntheticSceneImages } from '../../src/tasks/scene/knowledge.js';

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
  /** Knowledge rows in every training fold: rendered screenshots and page texts per label, their loss weight. */
  knowledge?: { images?: number; texts?: number; weight: number };
  /** Knowledge only: fit on the knowledge rows alone and score every develop sample (transfer). */
  transfer?: boolean;
  /** Another learner than the softmax head (src/learn registry). */
  learner?: LearnerSpec;
  /**
   * Pseudo-labels (the paper's semi-supervised step): in each fold, the fitted model labels the images
   * users sent in the dev intent dialogues (no scene label; none equal to a dev scene image); those it
   * gives at least `threshold` join the training rows at `weight`, and the model is fitted again.
   */
  pseudo?: { threshold: number; weight: number };
  /**
   * Rule Z: one more stack member that reads only the dense visual blocks, each rescaled to unit weight,
   * through softmax regression; `rows: 'real'` fits it on the real training rows only. An `embedding`
   * block the other members do not read is appended last and hidden from them.
   */
  visual?: { blocks: ('layout' | 'ui' | 'embedding')[]; rows?: 'all' | 'real' };
  /** Rule CB: `none` weighs rows by their sample weight only, so the real rows' label frequencies show. Default balanced, as shipped. */
  classWeight?: 'balanced' | 'none';
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { ocr: { type: 'string' }, 'per-label': { type: 'string' }, 'per-class': { type: 'boolean' } } });
const arg = positionals[0] ?? '[]';
// `shipped` and `shipped-transfer` stand for the shipped recipe (its views, dense weights, learner, lexicon and
// knowledge amount and weight, read from the source constants) in CV and in knowledge transfer.
const shipped = (): ScreenConfig => ({
  name: 'shipped',
  views: DEFAULT_SCENE_FUSION.views,
  layoutWeight: DEFAULT_SCENE_FUSION.layoutWeight,
  uiWeight: DEFAULT_SCENE_FUSION.uiWeight,
  embeddingWeight: DEFAULT_SCENE_FUSION.embeddingWeight,
  lexicon: defaultLexiconPath('scene'),
  knowledge: { images: DEFAULT_SCENE_KNOWLEDGE.images, texts: DEFAULT_SCENE_KNOWLEDGE.texts, weight: DEFAULT_SCENE_KNOWLEDGE.weight },
  learner: DEFAULT_SCENE_LEARNER,
});
// A config with `"extends": "shipped"` is the shipped recipe with its own fields on top.
const configs: ScreenConfig[] =
  arg === 'shipped'
    ? [shipped()]
    : arg === 'shipped-transfer'
      ? [{ ...shipped(), name: 'shipped-transfer', transfer: true }]
      : (JSON.parse(arg.trim().startsWith('[') ? arg : readFileSync(arg, 'utf8')) as (ScreenConfig & { extends?: 'shipped' })[]).map(({ extends: base, ...c }) => (base === 'shipped' ? { ...shipped(), ...c } : c));
const seeds = (positionals[1] ?? '0').split(',').map(Number);
const ocr = values.ocr ? (JSON.parse(values.ocr) as Partial<OcrOptions>) : undefined;

const scene = (await devSamples()).filter((s) => s.task === 'scene');
// --per-label n: only the first n develop samples of each label (by id), e.g. to compare OCR settings on a subset.
const perLabel = values['per-label'] ? Number(values['per-label']) : Infinity;
const rank = new Map<string, number>();
const develop = reservedHoldout(scene).develop.filter((s) => {
  const r = rank.get(s.label!) ?? 0;
  rank.set(s.label!, r + 1);
  return r < perLabel;
});
const taxonomy = Taxonomy.default('scene');
const labels = taxonomy.labels;
const coarseOf = labels.map((l) => taxonomy.coarseLabels.indexOf(taxonomy.coarseOf(l)));
const featurizer = new SceneImageFeaturizer({ layout: true, embedding: true, ui: true, augmentCopies: 0, ocr });
const feats: ImageFeatures[] = [];
for (const s of develop) feats.push(await featurizer.features(s.images[0], { id: s.id, index: s.index }));
const baseDocs: MultiViewDoc[] = feats.map((f) => ({ ...sceneDocExtras(f), ui: uiTokens(f.ocr.lines) }));
const gold = develop.map((s) => s.label!);
const K = labels.length;

// Knowledge rows, loaded once for the largest amount any configuration asks for.
const maxImages = Math.max(0, ...configs.map((c) => c.knowledge?.images ?? 0));
const maxTexts = Math.max(0, ...configs.map((c) => c.knowledge?.texts ?? 0));
const knImages = maxImages > 0 ? await syntheticSceneImages({ images: maxImages, progress: true }) : [];
const knFeats: ImageFeatures[] = [];
for (const s of knImages) knFeats.push(await featurizer.features(s.images[0], { id: s.id, index: s.index }));
const knTexts = maxTexts > 0 ? await syntheticScenePageTexts({ texts: maxTexts }) : [];
// Per label, the index of each knowledge row within its label (so a config can take the first n).
const rankInLabel = (list: { label?: string }[]) => {
  const seen = new Map<string, number>();
  return list.map((x) => {
    const r = seen.get(x.label!) ?? 0;
    seen.set(x.label!, r + 1);
    return r;
  });
};
const knImageRank = rankInLabel(knImages);
const knTextRank = rankInLabel(knTexts);
const knImageDocs: MultiViewDoc[] = knFeats.map((f) => ({ ...sceneDocExtras(f), ui: uiTokens(f.ocr.lines) }));
const knTextDocs: MultiViewDoc[] = knTexts.map((t) => {
  const all = [t.title ?? '', t.body, t.bottom ?? ''].filter((x) => x).join(' ');
  return { all, title: t.title ?? '', body: t.body, bottom: t.bottom ?? '', head: t.title ?? '', confident: all, shape: [], ui: [] };
});

// The unlabelled pool: every image of the dev intent dialogues, once by content, none equal to a dev scene image.
const poolFeats: ImageFeatures[] = [];
if (configs.some((c) => c.pseudo)) {
  const all = await devSamples();
  const hashOf = async (ref: { path?: string }) => sha256Hex(new Uint8Array(await readFile(ref.path!)));
  const seen = new Set(await Promise.all(all.filter((s) => s.task === 'scene').map((s) => hashOf(s.images[0]))));
  for (const s of all.filter((x) => x.task === 'intent')) {
    for (const [index, ref] of s.images.entries()) {
      const h = await hashOf(ref);
      if (seen.has(h)) continue;
      seen.add(h);
      poolFeats.push(await featurizer.features(ref, { id: s.id, index }));
    }
  }
  console.log(`pseudo-label pool: ${poolFeats.length} images from the dev intent dialogues`);
}
const poolDocs: MultiViewDoc[] = poolFeats.map((f) => ({ ...sceneDocExtras(f), ui: uiTokens(f.ocr.lines) }));

for (const cfg of configs) {
  const started = performance.now();
  const lexicon = cfg.lexicon ? loadCueLexicon(cfg.lexicon) : undefined;
  const withLexicon = (d: MultiViewDoc) => {
    if (!lexicon) return d;
    return { ...d, lexicon: [...matchCues(d.title as string, lexicon).map((m) => `title:${m.label}`), ...matchCues(d.all as string, lexicon).map((m) => `page:${m.label}`)] };
  };
  // Rows 0..n-1 are the develop samples, then the knowledge rows this configuration takes.
  const kn = cfg.knowledge;
  const knImageIdx = kn ? knImages.map((_, i) => i).filter((i) => knImageRank[i] < (kn.images ?? 0)) : [];
  const knTextIdx = kn ? knTexts.map((_, i) => i).filter((i) => knTextRank[i] < (kn.texts ?? 0)) : [];
  const pool = cfg.pseudo ? poolDocs : [];
  const docs = [...baseDocs, ...knImageIdx.map((i) => knImageDocs[i]), ...knTextIdx.map((i) => knTextDocs[i]), ...pool].map(withLexicon);
  const rowFeats: (ImageFeatures | undefined)[] = [...feats, ...knImageIdx.map((i) => knFeats[i]), ...knTextIdx.map(() => undefined), ...(cfg.pseudo ? poolFeats : [])];
  const rowLabels = [...gold, ...knImageIdx.map((i) => knImages[i].label!), ...knTextIdx.map((i) => knTexts[i].label)];
  const rowY = Int32Array.from(rowLabels, (l) => labels.indexOf(l));
  const knRows = Array.from({ length: rowLabels.length - develop.length }, (_, j) => develop.length + j);
  const poolRows = Array.from({ length: pool.length }, (_, j) => rowLabels.length + j);
  const taken: number[] = [];
  const seedF1: number[] = [];
  const seedMacro: number[] = [];
  for (const seed of seeds) {
    const pred: string[] = new Array(develop.length);
    const folds = cfg.transfer ? [{ train: [] as number[], test: develop.map((_, i) => i) }] : stratifiedKFold(gold, { k: 5, seed });
    for (const fold0 of folds) {
      const fold = { train: [...fold0.train, ...knRows], test: fold0.test };
      let foldDocs = docs;
      if (cfg.views.some((v) => v.name === 'mined')) {
        // Test rows: the miner of the whole training fold; training rows: cross-fitted (a miner that did not see them).
        const minedTokens = (miner: CueMiner, d: MultiViewDoc) => [...labelsOf(miner, d.title as string).map((l) => `title:${l}`), ...labelsOf(miner, d.all as string).map((l) => `page:${l}`)];
        const miner = new CueMiner(cfg.mined).fit(fold.train.map((i) => docs[i].all as string), fold.train.map((i) => rowLabels[i]));
        const minerOf = new Map<number, CueMiner>();
        for (const inner of stratifiedKFold(fold.train.map((i) => rowLabels[i]), { k: 5, seed })) {
          const m = new CueMiner(cfg.mined).fit(inner.train.map((j) => docs[fold.train[j]].all as string), inner.train.map((j) => rowLabels[fold.train[j]]));
          for (const j of inner.test) minerOf.set(fold.train[j], m);
        }
        foldDocs = docs.map((d, i) => ({ ...d, mined: minedTokens(minerOf.get(i) ?? miner, d) }));
      }
      const hiddenEmbedding = !!cfg.visual?.blocks.includes('embedding') && !((cfg.embeddingWeight ?? 0) > 0);
      const fitPredict = (train: number[], ytr: Int32Array, sampleWeight: Float32Array, test: number[]): Float32Array => {
        const dense = (i: number, name: 'layout' | 'ui') => (name === 'layout' ? rowFeats[i]?.layout : rowFeats[i]?.vectors?.['ui-structure']);
        const scalerOf = (name: 'layout' | 'ui') => new StandardScaler().fit(train.flatMap((i) => (dense(i, name) ? [dense(i, name)!] : [])));
        const layoutScaler = (cfg.layoutWeight ?? 0) > 0 ? scalerOf('layout') : undefined;
        const uiScaler = (cfg.uiWeight ?? 0) > 0 ? scalerOf('ui') : undefined;
        const union = cfg.views.length ? new FeatureUnion(cfg.views).fit(train.map((i) => foldDocs[i])) : undefined;
        const scaled = (idx: number[], scaler: StandardScaler, name: 'layout' | 'ui') => {
          const d = scaler.nFeatures;
          const out = new Float32Array(idx.length * d);
          idx.forEach((i, r) => {
            const v = dense(i, name);
            if (v) out.set(scaler.transform([v]), r * d);
          });
          return out;
        };
        // The dense blocks, in the order they follow the text columns; the visual member reads its slices from this list.
        const embeddingWeight = hiddenEmbedding ? 1 : (cfg.embeddingWeight ?? 0);
        const denseBlocks: DenseBlock[] = [
          ...(layoutScaler ? [{ name: 'layout' as const, nCols: layoutScaler.nFeatures, weight: cfg.layoutWeight!, rows: (idx: number[]) => scaled(idx, layoutScaler, 'layout') }] : []),
          ...(uiScaler ? [{ name: 'ui' as const, nCols: uiScaler.nFeatures, weight: cfg.uiWeight!, rows: (idx: number[]) => scaled(idx, uiScaler, 'ui') }] : []),
          ...(embeddingWeight > 0 ? [{ name: 'embedding' as const, nCols: 1280, weight: embeddingWeight, rows: (idx: number[]) => l2NormalisedRows(idx.map((i) => rowFeats[i]?.embedding ?? new Float32Array(1280))) }] : []),
        ];
        const X = (idx: number[]) => {
          const blocks: HstackBlock[] = union ? [{ matrix: union.transform(idx.map((i) => foldDocs[i])) }] : [];
          for (const b of denseBlocks) blocks.push({ kind: 'dense', data: b.rows(idx), nCols: b.nCols, weight: b.weight });
          return hstack(blocks);
        };
        const learnerSpec = cfg.learner && cfg.visual ? withVisualMember(cfg.learner, cfg.visual, denseBlocks, hiddenEmbedding) : cfg.learner;
        const head = learnerSpec
          ? createLearner({ kind: learnerSpec.kind, options: { ...learnerSpec.options, nClasses: K } }).fit(X(train), ytr, { classWeight: cfg.classWeight === 'none' ? undefined : 'balanced', sampleWeight, alwaysTrain: cfg.transfer ? undefined : Uint8Array.from(train, (i) => (i >= develop.length ? 1 : 0)) } as never)
          : new SoftmaxRegression({ ...DEFAULT_SCENE_HEAD, ...cfg.head, nClasses: K, seed, coarseOf }).fit(X(train), ytr, { classWeight: cfg.classWeight === 'none' ? undefined : 'balanced', sampleWeight });
        return head.predictProba(X(test));
      };
      let train = fold.train;
      let ytr = Int32Array.from(train, (i) => rowY[i]);
      let sampleWeight = Float32Array.from(train, (i) => (i >= develop.length ? kn!.weight : 1));
      if (cfg.pseudo) {
        const chosen = selectPseudoLabels(fitPredict(train, ytr, sampleWeight, poolRows), K, undefined, { threshold: cfg.pseudo.threshold });
        taken.push(chosen.indices.length);
        train = [...train, ...Array.from(chosen.indices, (j) => poolRows[j])];
        ytr = Int32Array.from([...ytr, ...chosen.labels]);
        sampleWeight = Float32Array.from([...sampleWeight, ...Array.from(chosen.indices, () => cfg.pseudo!.weight)]);
      }
      const predicted = argmaxRows(fitPredict(train, ytr, sampleWeight, fold.test), fold.test.length, K);
      fold.test.forEach((row, j) => (pred[row] = labels[predicted[j]]));
    }
    seedF1.push(f1Score(gold, pred, { average: 'weighted' }));
    if (values['per-class'] && seed === seeds[0]) printPerClass(gold, pred);
    seedMacro.push(f1Score(gold, pred, { average: 'macro' }));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  if (taken.length) console.log(`  pseudo-labels taken per fold: ${taken.join(' ')} of ${pool.length}`);
  console.log(`${mean(seedF1).toFixed(4)} macro ${mean(seedMacro).toFixed(4)} [${seedF1.map((s) => s.toFixed(3)).join(' ')}] ${((performance.now() - started) / 1000).toFixed(0)}s  ${cfg.name}`);
}

interface DenseBlock {
  name: 'layout' | 'ui' | 'embedding';
  nCols: number;
  weight: number;
  rows: (idx: number[]) => Float32Array;
}

/**
 * The stack of `learner` with one more member over some of the dense blocks (the last columns of the matrix, in
 * `dense` order), each scaled back to unit weight. A hidden embedding block (the last one) is cut from the other members.
 */
function withVisualMember(learner: LearnerSpec, visual: NonNullable<ScreenConfig['visual']>, dense: readonly DenseBlock[], hiddenEmbedding: boolean): LearnerSpec {
  // Positions counted from the end of the matrix; the last block runs to the end (no `end`).
  let end = 0;
  const slices = new Map<string, ColumnSlice>();
  for (const b of [...dense].reverse()) {
    slices.set(b.name, { start: end - b.nCols, ...(end === 0 ? {} : { end }), scale: 1 / b.weight });
    end -= b.nCols;
  }
  const chosen = visual.blocks.map((b) => {
    const slice = slices.get(b);
    if (!slice) throw new Error(`visual block ${b} is not in the matrix`);
    return slice;
  });
  const inner: LearnerSpec = { kind: 'ColumnSelect', options: { slices: chosen, learner: { kind: 'SoftmaxRegression', options: { l2: 1e-3, epochs: 300, lr: 0.05, lossScale: 'weights' } } } };
  const member = visual.rows === 'real' ? { kind: 'RowSubset', options: { rows: 'real', learner: inner } } : inner;
  const options = learner.options as { members: LearnerSpec[] };
  const members = hiddenEmbedding ? options.members.map((m) => ({ kind: 'ColumnSelect', options: { slices: [{ start: 0, end: -dense.at(-1)!.nCols }], learner: m } })) : options.members;
  return { kind: learner.kind, options: { ...options, members: [...members, member] } };
}

function printPerClass(gold: string[], pred: string[]): void {
  const rows = [...new Set(gold)].map((label) => {
    const f1 = f1Score(gold, pred, { labels: [label], average: 'macro' });
    const wrong = new Map<string, number>();
    gold.forEach((g, i) => g === label && pred[i] !== label && wrong.set(pred[i], (wrong.get(pred[i]) ?? 0) + 1));
    const top = [...wrong].sort((a, b) => b[1] - a[1])[0];
    return { label, f1, n: gold.filter((g) => g === label).length, top: top ? `${top[0]} ×${top[1]}` : '' };
  });
  for (const r of rows.sort((a, b) => a.f1 - b.f1)) console.log(`  ${r.f1.toFixed(2)}  n=${r.n}  ${r.label}  → ${r.top}`);
}
