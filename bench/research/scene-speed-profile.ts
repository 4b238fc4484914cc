// Where a new screenshot's time goes: read + hash, decode, OCR stages (detection input, detector,
// boxes, line crops, recogniser), layout vector, MobileNetV2 embedding. Several OCR configurations
// are run round-robin on each image (one image through every configuration, then the next), so
// their ratios hold even when the machine's load drifts during the run.
// Usage: node --import tsx bench/research/scene-speed-profile.ts [--n 24] [--configs '[{},{"recBatchSize":8}]'] [--no-embedding]
// A configuration may also say {"ocr": {...}, "embedding": false, "ui": true} to switch the other extractors per configuration.
import { parseArgs } from 'node:util';
import { devSamples } from '../sections/common.js';
import { sha256Hex } from '../../src/features/cache.js';
import { decodeRgb, readImageBytes } from '../../src/vision/decode.js';
import { OcrEngine, type OcrOptions, type OcrStageTimings } from '../../src/vision/ocr.js';
import { layoutFeatures } from '../../src/vision/layout.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '24' },
    configs: { type: 'string', default: '[{}]' },
    embedding: { type: 'boolean', default: true },
    'no-embedding': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const scenes = (await devSamples()).filter((s) => s.task === 'scene');
const step = Math.max(1, Math.floor(scenes.length / n));
const picked = scenes.filter((_, i) => i % step === 0).slice(0, n);
type ProfileConfig = Partial<OcrOptions> & { ocr?: Partial<OcrOptions>; embedding?: boolean; ui?: boolean };
const configs = JSON.parse(values.configs!) as ProfileConfig[];
const ocrOf = (c: ProfileConfig): Partial<OcrOptions> => {
  const { ocr, embedding: _e, ui: _u, ...rest } = c;
  return { ...rest, ...ocr };
};
const engines = await Promise.all(configs.map((c) => OcrEngine.create(ocrOf(c))));
const { uiStructureVector } = await import('../../src/tasks/scene/ui-structure.js');
const embedder = values['no-embedding'] ? undefined : await (await import('../../src/vision/embedding.js')).ImageEmbedder.create({ pooling: 'global+grid2' });

type Stage = keyof OcrStageTimings | 'read' | 'decode' | 'layout' | 'ui' | 'embedding' | 'total';
const times = configs.map(() => new Map<Stage, number[]>());
const lineCounts = configs.map(() => [] as number[]);
const push = (c: number, stage: Stage, ms: number) => {
  const list = times[c].get(stage) ?? [];
  list.push(ms);
  times[c].set(stage, list);
};

// warm-up: the first ONNX / tfjs runs allocate
{
  const image = await decodeRgb(picked[0].images[0], {}, { maxSide: 2560 });
  for (const e of engines) await e.read(image);
  await embedder?.embed(image);
}
for (const sample of picked.slice(1)) {
  for (let c = 0; c < engines.length; c++) {
    const engine = engines[c];
    const t0 = performance.now();
    const bytes = await readImageBytes(sample.images[0]);
    sha256Hex(bytes);
    const t1 = performance.now();
    const image = await decodeRgb({ name: 'profile', bytes }, {}, { maxSide: engine.options.decodeMaxSide });
    const t2 = performance.now();
    const timings: OcrStageTimings = {};
    const ocr = await engine.read(image, {}, timings);
    const t3 = performance.now();
    await layoutFeatures(image, ocr);
    const t4a = performance.now();
    if (configs[c].ui) await uiStructureVector(image);
    const t4 = performance.now();
    if (embedder && configs[c].embedding !== false) await embedder.embed(image);
    const t5 = performance.now();
    push(c, 'ui', t4 - t4a);
    push(c, 'read', t1 - t0);
    push(c, 'decode', t2 - t1);
    for (const [stage, ms] of Object.entries(timings)) push(c, stage as Stage, ms);
    push(c, 'layout', t4a - t3);
    push(c, 'embedding', t5 - t4);
    push(c, 'total', t5 - t0);
    lineCounts[c].push(ocr.lines.length);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const stages: Stage[] = ['read', 'decode', 'detectPrepare', 'detectRun', 'detectBoxes', 'recognisePrepare', 'recogniseRun', 'layout', 'ui', 'embedding', 'total'];
console.log(`${picked.length - 1} images (after one warm-up), mean ms per image (median in brackets); ${values['no-embedding'] ? 'no embedding' : 'embedding on'}`);
console.log(['stage', ...configs.map((c) => JSON.stringify(c))].join('\t'));
for (const stage of stages) console.log([stage, ...times.map((t) => `${mean(t.get(stage) ?? []).toFixed(1)} (${median(t.get(stage) ?? []).toFixed(1)})`)].join('\t'));
console.log(['lines', ...lineCounts.map((l) => mean(l).toFixed(1))].join('\t'));
