// Active learning, simulated on the dev intent dialogues: does asking people about what the
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
import { sampleContent } from '../../src/feedback/content.js';
import { orderForReview } from '../../src/feedback/review-order.js';
import { textTokens, type SimilaritySignature } from '../../src/feedback/similarity.js';
import { informativeness, uncertaintyOf } from '../../src/feedback/uncertainty.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { createRng } from '../../src/learn/random.js';
import { defaultIntentOptions } from '../../src/tasks/intent/default-recipe.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import type { Sample } from '../../src/types.js';
import type { BenchContext } from '../run.js';
import { devSamples, f4 } from './common.js';
import { linePlot } from './line-plot.js';

export const ROUND = 20;
const STRATEGIES = ['review queue (margin + diversity)', 'margin only', 'random'] as const;
type Strategy = (typeof STRATEGIES)[number];
const COLORS: Record<Strategy, string> = { 'review queue (margin + diversity)': '#d55e00', 'margin only': '#009e73', random: '#0072b2' };
const SVG_FILE = 'bench/results/active-learning-intent.svg';

interface Curve {
  labels: number[];
  f1: number[];
}

export async function runActiveLearningBench(ctx: BenchContext): Promise<string> {
  const intent = (await devSamples()).filter((s) => s.task === 'intent');
  const taxonomy = Taxonomy.default('intent');
  const signatures = new Map<Sample, SimilaritySignature>();
  for (const s of intent) {
    const content = await sampleContent(s);
    signatures.set(s, { content: content.contentHash, tokens: textTokens(content.turns.map((t) => t.text).join('\n'), content.turns.flatMap((t) => t.images)) });
  }
  // The recipe's 9:1 checkpoint split depends on the order of its rows: training sets are put in
  // the dev file's order, so two strategies with the same labels train the same model, and the
  // curves differ only by which dialogues were labelled.
  const position = new Map(intent.map((s, i) => [s, i]));
  const recipe = defaultIntentOptions();
  const fit = (train: readonly Sample[], seed: number) => IntentRecognizer.fit([...train].sort((a, b) => position.get(a)! - position.get(b)!), { ...recipe, taxonomy, seed });
  const score = async (model: IntentRecognizer, test: readonly Sample[]): Promise<number> => {
    const predicted = await Promise.all(test.map((s) => model.predict(s)));
    return f1Score(test.map((s) => s.label!), predicted.map((p) => p.label), { average: 'weighted' });
  };

  const curves: Record<Strategy, Curve[]> = { 'review queue (margin + diversity)': [], 'margin only': [], random: [] };
  const full: number[] = [];
  let poolSize = 0;
  let startSize = 0;
  let testSize = 0;
  for (const seed of ctx.seeds) {
    const outer = stratifiedSplit(intent.map((s) => s.label!), { testFraction: 1 / 3, seed });
    const test = outer.test.map((i) => intent[i]);
    const pool = outer.train.map((i) => intent[i]);
    const inner = stratifiedSplit(pool.map((s) => s.label!), { testFraction: 2 / 3, seed: seed + 1000 });
    [poolSize, startSize, testSize] = [pool.length, inner.train.length, test.length];
    full.push(await score(await fit(pool, seed), test));
    ctx.log(`  seed ${seed}: pool ${pool.length}, start ${inner.train.length}, held out ${test.length}; full-data F1 ${f4(full[full.length - 1])}`);
    for (const strategy of STRATEGIES) {
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
          const candidates = await Promise.all(
            unlabelled.map(async (s) => {
              const p = await model.predict(s);
              return { s, informativeness: informativeness(uncertaintyOf(p.ranked.map((r) => r.confidence), taxonomy.labels.length), 'margin'), signature: signatures.get(s)! };
            }),
          );
          const options = strategy === 'margin only' ? { limit: ROUND, diversity: 0, duplicateSimilarity: 2 } : { limit: ROUND, labelled: labelled.map((s) => signatures.get(s)!) };
          chosen = orderForReview(candidates, options).map((o) => o.item.s);
        }
        const picked = new Set(chosen);
        labelled.push(...chosen);
        unlabelled = unlabelled.filter((s) => !picked.has(s));
      }
      curves[strategy].push(curve);
      ctx.log(`    ${strategy}: ${curve.f1.map((x, i) => `${curve.labels[i]}:${x.toFixed(3)}`).join(' ')}`);
    }
  }

  const sizes = curves.random[0].labels;
  const meanAt = (strategy: Strategy, i: number): number => mean(curves[strategy].map((c) => c.f1[i]));
  const sdAt = (strategy: Strategy, i: number): number => sd(curves[strategy].map((c) => c.f1[i]));
  const fullMean = mean(full);

  const svg = linePlot({
    title: `Active learning on the dev intent dialogues (${ctx.seeds.length} seeds)`,
    xLabel: 'human labels (the labelled part of the pool)',
    yLabel: `weighted F1 on the held-out third (${testSize} dialogues)`,
    series: STRATEGIES.map((strategy) => ({
      name: strategy,
      color: COLORS[strategy],
      dashed: strategy === 'margin only',
      points: sizes.map((x, i) => ({ x, y: meanAt(strategy, i), spread: strategy === 'margin only' ? undefined : sdAt(strategy, i) })),
    })),
    references: [{ y: fullMean, label: `all ${poolSize} pool labels: ${f4(fullMean)}` }],
  });
  await writeFile(fileURLToPath(new URL(`../../${SVG_FILE}`, import.meta.url)), svg);

  const lines = [
    `${intent.length} dev intent dialogues; per seed (${ctx.seeds.join(', ')}) a stratified third (${testSize}) is held out for scoring — never queried, never trained on —`,
    `and the other two thirds are the pool (${poolSize}), of which a stratified third (${startSize}) starts labelled. Each round trains the shipped intent recipe`,
    `(\`defaultIntentOptions()\`: the synthetic knowledge rows at weight 0.1 plus the labelled dialogues, in the dev file's order) on the labelled dialogues, scores it on the held-out third, and reveals the gold label of ${ROUND} more pool`,
    'dialogues: the first 20 of the review queue (`GET /v1/review`: 1 − margin, minus the diversity penalty against what is chosen or labelled),',
    'the 20 smallest margins without the diversity term, or 20 at random. Weighted F1 as scikit-learn computes it; mean ± sd over seeds.',
    '',
    `![weighted F1 against the number of labels](${SVG_FILE})`,
    '',
    `| labels | ${STRATEGIES.join(' | ')} | queue − random |`,
    `|---:|${STRATEGIES.map(() => '---:').join('|')}|---:|`,
    ...sizes.map((n, i) => `| ${n} | ${STRATEGIES.map((s) => `${f4(meanAt(s, i))} ± ${f4(sdAt(s, i))}`).join(' | ')} | ${signed(meanAt(STRATEGIES[0], i) - meanAt('random', i))} |`),
    '',
    `Full-data score (all ${poolSize} pool labels, pool order): **${f4(fullMean)}** ± ${f4(sd(full))} (per seed ${full.map((x) => x.toFixed(3)).join(' ')}).`,
    '',
    '| strategy | mean F1 over the rounds (area under the curve) | labels to reach the full-data score: mean curve | per seed (— not before the pool ran out) |',
    '|---|---:|---:|---|',
    ...STRATEGIES.map((s) => {
      const meanCurve = sizes.map((_, i) => meanAt(s, i));
      const reach = firstReaching(sizes, meanCurve, fullMean);
      const perSeed = curves[s].map((c, k) => firstReaching(c.labels, c.f1, full[k]));
      return `| ${s} | ${f4(mean(meanCurve))} | ${reach ?? `— (${f4(Math.max(...meanCurve))} at best)`} | ${perSeed.map((x) => x ?? '—').join(', ')} |`;
    }),
  ];
  return lines.join('\n');
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
