// Active learning, simulated on the dev data (intent dialogues; scene screenshots on cached
// features unless ECOMMIR_BENCH_AL_SCENE=0): does asking people about what the
// review queue (GET /v1/review) puts first teach the model more per label than asking at random?
// Per seed: a stratified third of the dialogues is held out for scoring (never queried, never
// trained on); of the other two thirds (the pool) a stratified third starts labelled. Each round
// trains the shipped intent recipe on the labelled set, scores weighted F1 on the held-out third,
// and then reveals the gold label of 20 more pool dialogues, chosen
//   - by the review queue's order: 1 − margin with the diversity term (src/feedback/review-order.ts),
//   - by margin alone (no diversity term), to show what that term does,
//   - at random,
// until the pool is labelled. The full-data score is the same recipe trained on the whole pool.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { stratifiedSplit } from '../../src/data/split.js';
import { f1Score } from '../../src/eval/metrics.js';
import { storableContent } from '../../src/feedback/content.js';
import { orderForReview } from '../../src/feedback/review-order.js';
import { textTokens, type SimilaritySignature } from '../../src/feedback/similarity.js';
import { imageDHash } from '../../src/vision/difference-hash.js';
import { informativeness, uncertaintyOf } from '../../src/feedback/uncertainty.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { createRng } from '../../src/learn/random.js';
import { defaultIntentOptions } from '../../src/tasks/intent/default-recipe.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import type { Recognizer } from '../../src/tasks/recognizer.js';
import { SceneImageFeaturizer } from '../../src/tasks/scene/image-features.js';
import { DEFAULT_SCENE_FUSION, featureOptionsFor, SceneRecognizer } from '../../src/tasks/scene/recognizer.js';
import type { Prediction, Sample, Task } from '../../src/types.js';
import type { BenchContext } from '../run.js';
import { devSamples, f4 } from './common.js';
import { linePlot } from './line-plot.js';

export const ROUND = 20;
const STRATEGIES = ['review queue (margin + diversity)', 'margin only', 'random'] as const;
type Strategy = (typeof STRATEGIES)[number];
const COLORS: Record<Strategy, string> = { 'review queue (margin + diversity)': '#d55e00', 'margin only': '#009e73', random: '#0072b2' };

interface Curve {
  labels: number[];
  f1: number[];
}

export async function runActiveLearningBench(ctx: BenchContext): Promise<string> {
  const dev = await devSamples();
  const intent = dev.filter((s) => s.task === 'intent');
  const intentTaxonomy = Taxonomy.default('intent');
  const recipe = defaultIntentOptions();
  const parts = [
    await simulate(ctx, {
      task: 'intent',
      samples: intent,
      seeds: ctx.seeds,
      strategies: STRATEGIES,
      labelCount: intentTaxonomy.labels.length,
      fit: (train, seed) => IntentRecognizer.fit(train, { ...recipe, taxonomy: intentTaxonomy, seed }),
      signature: async (s) => {
        const content = await storableContent(s);
        return { content: content.contentHash, tokens: textTokens(content.turns.map((t) => t.text).join('\n'), content.turns.flatMap((t) => t.images)) };
      },
      recipe: '`defaultIntentOptions()`: the synthetic knowledge rows at weight 0.1 plus the labelled dialogues',
    }),
  ];
  if (process.env.ECOMMIR_BENCH_AL_SCENE !== '0') {
    // Scene on the cached OCR, layout and embedding features (the shipped recipe, no augmentation):
    // fewer seeds and no margin-only row, a scene fit being slower.
    const scene = dev.filter((s) => s.task === 'scene');
    const sceneTaxonomy = Taxonomy.default('scene');
    const featurizer = new SceneImageFeaturizer(featureOptionsFor(DEFAULT_SCENE_FUSION, 0));
    parts.push(
      await simulate(ctx, {
        task: 'scene',
        samples: scene,
        seeds: ctx.sceneSeeds ?? [ctx.seeds[0]],
        strategies: [STRATEGIES[0], 'random'],
        labelCount: sceneTaxonomy.labels.length,
        fit: (train, seed) => SceneRecognizer.fit(train, { taxonomy: sceneTaxonomy, featurizer, seed }),
        signature: async (s) => {
          const content = await storableContent(s);
          return { content: content.contentHash, imageHashes: await Promise.all(content.images.map((b) => imageDHash(b))) };
        },
        recipe: 'the shipped scene recipe (`SceneRecognizer.fit` defaults: OCR text by region, cue lexicon, layout, embedding; cached features)',
      }),
    );
  }
  return parts.join('\n\n');
}

interface Simulation {
  task: Task;
  samples: readonly Sample[];
  seeds: readonly number[];
  strategies: readonly Strategy[];
  labelCount: number;
  fit: (train: readonly Sample[], seed: number) => Promise<Recognizer>;
  signature: (s: Sample) => Promise<SimilaritySignature>;
  recipe: string;
}

async function simulate(ctx: BenchContext, sim: Simulation): Promise<string> {
  const { samples, strategies, seeds } = sim;
  const noun = sim.task === 'intent' ? 'dialogues' : 'screenshots';
  ctx.log(`  ${sim.task}: ${samples.length} ${noun}, seeds ${seeds.join(',')}`);
  const signatures = new Map<Sample, SimilaritySignature>();
  for (const s of samples) signatures.set(s, await sim.signature(s));
  // The recipes' 9:1 checkpoint split depends on the order of their rows: training sets are put in
  // the dev file's order, so two strategies with the same labels train the same model, and the
  // curves differ only by which samples were labelled.
  const position = new Map(samples.map((s, i) => [s, i]));
  const fit = (train: readonly Sample[], seed: number) => sim.fit([...train].sort((a, b) => position.get(a)! - position.get(b)!), seed);
  const score = async (model: Recognizer, test: readonly Sample[]): Promise<number> => {
    const predicted: Prediction[] = [];
    for (const s of test) predicted.push(await model.predict(s));
    return f1Score(test.map((s) => s.label!), predicted.map((p) => p.label), { average: 'weighted' });
  };

  const curves = new Map<Strategy, Curve[]>(strategies.map((s) => [s, []]));
  const full: number[] = [];
  let poolSize = 0;
  let startSize = 0;
  let testSize = 0;
  for (const seed of seeds) {
    const outer = stratifiedSplit(samples.map((s) => s.label!), { testFraction: 1 / 3, seed });
    const test = outer.test.map((i) => samples[i]);
    const pool = outer.train.map((i) => samples[i]);
    const inner = stratifiedSplit(pool.map((s) => s.label!), { testFraction: 2 / 3, seed: seed + 1000 });
    [poolSize, startSize, testSize] = [pool.length, inner.train.length, test.length];
    full.push(await score(await fit(pool, seed), test));
    ctx.log(`  seed ${seed}: pool ${pool.length}, start ${inner.train.length}, held out ${test.length}; full-data F1 ${f4(full[full.length - 1])}`);
    for (const strategy of strategies) {
      const rng = createRng(seed * 7919 + 17);
      const labelled = inner.train.map((i) => pool[i]);
      let unlabelled = inner.test.map((i) => pool[i]);
      const curve: Curve = { labels: [], f1: [] };
      for (;;) {
        const model = await fit(labelled, seed);
        curve.labels.push(labelled.length);
        curve.f1.push(await score(model, test));
        if (unlabelled.length === 0) break;
        let chosen: Sample[];
        if (strategy === 'random') {
          chosen = rng.shuffle([...unlabelled]).slice(0, ROUND);
        } else {
          const candidates = [];
          for (const s of unlabelled) {
            const p = await model.predict(s);
            candidates.push({ s, informativeness: informativeness(uncertaintyOf(p.ranked.map((r) => r.confidence), sim.labelCount), 'margin'), signature: signatures.get(s)! });
          }
          const options = strategy === 'margin only' ? { limit: ROUND, diversity: 0, duplicateSimilarity: 2 } : { limit: ROUND, labelled: labelled.map((s) => signatures.get(s)!) };
          chosen = orderForReview(candidates, options).map((o) => o.item.s);
        }
        const picked = new Set(chosen);
        labelled.push(...chosen);
        unlabelled = unlabelled.filter((s) => !picked.has(s));
      }
      curves.get(strategy)!.push(curve);
      ctx.log(`    ${strategy}: ${curve.f1.map((x, i) => `${curve.labels[i]}:${x.toFixed(3)}`).join(' ')}`);
    }
  }

  const sizes = curves.get('random')![0].labels;
  const at = (strategy: Strategy, i: number): number[] => curves.get(strategy)!.map((c) => c.f1[i]);
  const fullMean = mean(full);
  const svgFile = `bench/results/active-learning-${sim.task}.svg`;
  const svg = linePlot({
    title: `Active learning on the dev ${sim.task} ${noun} (${seeds.length} seed${seeds.length > 1 ? 's' : ''})`,
    xLabel: 'human labels (the labelled part of the pool)',
    yLabel: `weighted F1 on the held-out third (${testSize} ${noun})`,
    series: strategies.map((strategy) => ({
      name: strategy,
      color: COLORS[strategy],
      dashed: strategy === 'margin only',
      points: sizes.map((x, i) => ({ x, y: mean(at(strategy, i)), spread: strategy === 'margin only' || seeds.length < 2 ? undefined : sd(at(strategy, i)) })),
    })),
    references: [{ y: fullMean, label: `all ${poolSize} pool labels: ${f4(fullMean)}` }],
  });
  await writeFile(fileURLToPath(new URL(`../../${svgFile}`, import.meta.url)), svg);

  // The difference to random, seed by seed (the same split and start): its mean ± sd.
  const paired = (i: number): string => {
    const d = at(strategies[0], i).map((x, k) => x - at('random', i)[k]);
    return `${signed(mean(d))}${d.length > 1 ? ` ± ${f4(sd(d))}` : ''}`;
  };
  return [
    `### ${sim.task === 'intent' ? 'Intent' : 'Scene'}`,
    '',
    `${samples.length} dev ${sim.task} ${noun}; per seed (${seeds.join(', ')}) a stratified third (${testSize}) is held out for scoring — never queried, never trained on —`,
    `and the other two thirds are the pool (${poolSize}), of which a stratified third (${startSize}) starts labelled. Each round trains ${sim.recipe}`,
    `(rows in the dev file's order) on the labelled part, scores it on the held-out third, and reveals the gold label of ${ROUND} more pool ${noun}:`,
    `the first ${ROUND} of the review queue (\`GET /v1/review\`: 1 − margin, minus the diversity penalty against what is chosen or labelled)${strategies.includes('margin only') ? `, the ${ROUND} smallest margins without the diversity term,` : ''} or ${ROUND} at random.`,
    `Weighted F1 as scikit-learn computes it; mean ± sd over seeds, and the queue's gain over random seed by seed (same split, same start).`,
    '',
    `![weighted F1 against the number of labels, ${sim.task}](${svgFile})`,
    '',
    `| labels | ${strategies.join(' | ')} | queue − random (paired) |`,
    `|---:|${strategies.map(() => '---:').join('|')}|---:|`,
    ...sizes.map((n, i) => `| ${n} | ${strategies.map((s) => `${f4(mean(at(s, i)))}${seeds.length > 1 ? ` ± ${f4(sd(at(s, i)))}` : ''}`).join(' | ')} | ${paired(i)} |`),
    '',
    `Full-data score (all ${poolSize} pool labels): **${f4(fullMean)}**${seeds.length > 1 ? ` ± ${f4(sd(full))}` : ''} (per seed ${full.map((x) => x.toFixed(3)).join(' ')}).`,
    '',
    '| strategy | mean F1 over the rounds (area under the curve) | labels to reach the full-data score: mean curve | per seed (— not before the pool ran out) |',
    '|---|---:|---:|---|',
    ...strategies.map((s) => {
      const meanCurve = sizes.map((_, i) => mean(at(s, i)));
      const reach = firstReaching(sizes, meanCurve, fullMean);
      const perSeed = curves.get(s)!.map((c, k) => firstReaching(c.labels, c.f1, full[k]));
      return `| ${s} | ${f4(mean(meanCurve))} | ${reach ?? `— (${f4(Math.max(...meanCurve))} at best)`} | ${perSeed.map((x) => x ?? '—').join(', ')} |`;
    }),
  ].join('\n');
}

function firstReaching(sizes: readonly number[], f1: readonly number[], target: number): number | undefined {
  const i = f1.findIndex((x) => x >= target - 1e-12);
  return i < 0 ? undefined : sizes[i];
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]): number => {
  const m = mean(xs);
  return xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
};
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
