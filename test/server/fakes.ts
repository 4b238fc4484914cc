// Small deterministic recognisers for the service tests and the load bench: the real ones plug in
// behind the same Recognizer face. The intent fake matches keywords in the user's turns; the scene
// fake decodes the image (as a real one would, so bad images fail the same way) and maps its mean
// colour to a label.
import type { PredictOptions, Recognizer } from '../../src/tasks/recognizer.js';
import type { Evidence, Prediction, RankedLabel, Sample } from '../../src/types.js';
import { decodeRgb } from '../../src/vision/decode.js';

export interface FakeOptions {
  /** Extra time each predict() takes, ms (to test queues and timeouts). */
  delayMs?: number;
  /**
   * A user turn containing this text (intent), or a mostly red image (scene), makes predict() spin
   * on the CPU forever: a stand-in for a runaway regular expression or a stuck decoder.
   */
  spinOn?: string;
  /** Intent: what the recogniser says of its reading the images (Recognizer.readsImages); by default nothing. */
  readsImages?: boolean;
}

/** Blocks the thread: no await, no timer can interrupt it. */
function spinForever(): never {
  for (;;) {
    // busy
  }
}

const SCENE_LABELS: ReadonlyArray<[fine: string, coarse: string]> = [
  ['订单详情页面', '订单'],
  ['物流页面-物流跟踪页面', '物流'],
  ['退款页面', '售后'],
  ['商品头图', '商品'],
  ['其他类别图片', '其他'],
];

const INTENT_KEYWORDS: ReadonlyArray<[fine: string, coarse: string, keywords: string[]]> = [
  ['是否会生锈', '商品信息咨询', ['生锈', '锈']],
  ['是否易褪色', '商品信息咨询', ['褪色', '掉色']],
  ['商品材质', '商品信息咨询', ['材质', '什么料']],
  ['商品规格', '商品信息咨询', ['多大', '容量', '重量', '规格']],
  ['用法用量', '功能与使用咨询', ['怎么用', '用法', '用量']],
  ['能否调光', '功能与使用咨询', ['调光', '亮度']],
  ['发货数量', '物流与发货', ['发几个', '几件', '发货数量']],
  ['何时上货', '物流与发货', ['补货', '上货', '什么时候有']],
  ['单品推荐', '推荐', ['推荐']],
];

export class FakeSceneRecognizer implements Recognizer {
  readonly task = 'scene' as const;
  readonly labels = SCENE_LABELS.map(([fine]) => fine);
  calls = 0;
  constructor(private readonly options: FakeOptions = {}) {}

  async predict(sample: Sample, options: PredictOptions = {}): Promise<Prediction> {
    this.calls++;
    await sleep(this.options.delayMs);
    const image = await decodeRgb(sample.images[0], { id: sample.id, index: sample.index }, { maxSide: 32 });
    // mean: [r, g, b] over the [height, width, 3] pixels
    const mean = [0, 0, 0];
    for (let i = 0; i < image.data.length; i++) mean[i % 3] += image.data[i];
    const pixels = image.width * image.height;
    const [r, g, b] = mean.map((sum) => sum / pixels / 255);
    if (this.options.spinOn && r > 0.8 && g < 0.2 && b < 0.2) spinForever();
    const scores = [r - b, b - r, g - (r + b) / 2, (r + g + b) / 3 - 0.5, 0.5 - (r + g + b) / 3];
    return toPrediction(sample, SCENE_LABELS, scores, options, []);
  }
}

export class FakeIntentRecognizer implements Recognizer {
  readonly task = 'intent' as const;
  readonly labels = INTENT_KEYWORDS.map(([fine]) => fine);
  calls = 0;
  constructor(private readonly options: FakeOptions = {}) {}

  get readsImages(): boolean | undefined {
    return this.options.readsImages;
  }

  async predict(sample: Sample, options: PredictOptions = {}): Promise<Prediction> {
    this.calls++;
    await sleep(this.options.delayMs);
    if (this.options.spinOn && sample.turns.some((t) => t.role === 'user' && t.text.includes(this.options.spinOn!))) spinForever();
    // evidence[label]: the keyword matches behind that label's score
    const evidence: Evidence[][] = INTENT_KEYWORDS.map(() => []);
    const scores = INTENT_KEYWORDS.map(([, , keywords], label) => {
      sample.turns.forEach((turn, t) => {
        if (turn.role !== 'user') return;
        for (const keyword of keywords) {
          const at = turn.text.indexOf(keyword);
          if (at < 0) continue;
          const offset = turn.source?.offset ?? 0;
          evidence[label].push({ kind: 'text', turn: t, start: offset + at, end: offset + at + keyword.length, text: keyword, weight: 1, features: [`keyword:${keyword}`], reason: { en: `keyword “${keyword}”`, zh: `关键词“${keyword}”` } });
        }
      });
      return evidence[label].length;
    });
    const best = scores.indexOf(Math.max(...scores));
    const winning = evidence[best];
    return toPrediction(
      sample,
      INTENT_KEYWORDS.map(([fine, coarse]) => [fine, coarse]),
      scores,
      options,
      winning,
    );
  }
}

function toPrediction(
  sample: Sample,
  labels: ReadonlyArray<readonly [string, string]>,
  scores: number[],
  options: PredictOptions,
  evidence: Evidence[],
): Prediction {
  // softmax over scores × 4, ties broken by label order
  const exp = scores.map((s) => Math.exp(4 * s));
  const total = exp.reduce((a, b) => a + b, 0);
  const ranked: RankedLabel[] = labels
    .map(([label, coarse], i) => ({ label, coarse, confidence: exp[i] / total, i }))
    .sort((a, b) => b.confidence - a.confidence || a.i - b.i)
    .map(({ label, coarse, confidence }) => ({ label, coarse, confidence }));
  const top = ranked[0];
  return {
    id: sample.id,
    task: sample.task,
    label: top.label,
    coarse: top.coarse,
    hierarchical: `${top.coarse}-${top.label}`,
    confidence: top.confidence,
    uncertain: top.confidence < (options.threshold ?? 0.5),
    ranked: ranked.slice(0, options.topK ?? ranked.length),
    evidence,
  };
}

function sleep(ms: number | undefined): Promise<void> {
  return ms ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

let lastSet: { scene: FakeSceneRecognizer; intent: FakeIntentRecognizer } | undefined;

/** The fakes as a worker source (runtime/source.ts): workers import this module and call it. */
export function createRecognizerSet(args: { scene?: FakeOptions; intent?: FakeOptions } = {}): { scene: Recognizer; intent: Recognizer } {
  lastSet = { scene: new FakeSceneRecognizer(args.scene), intent: new FakeIntentRecognizer(args.intent) };
  return lastSet;
}

/** How often the fakes this worker created last were called (RecognizerPool.run reads it from a worker). */
export function callCounts(): { scene: number; intent: number } {
  return { scene: lastSet?.scene.calls ?? 0, intent: lastSet?.intent.calls ?? 0 };
}

export const FAKES_MODULE = import.meta.url;
