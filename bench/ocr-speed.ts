// OCR speed vs text agreement on dev images.
//   node --import tsx bench/ocr-speed.ts [--n 20] [--configs '[{"maxSide":960},...]'] [--reference]
// The reference is @gutenye/ocr-node with its defaults (full-resolution detection), computed once
// per image and kept in $ECOMMIR_CACHE_DIR/bench (outside the repo: it is derived from the data).
//   --full also times decode + OCR + layout + embedding with the default options.
// Agreement = character recall: the share of the reference text's characters (as a multiset,
// whitespace ignored) that our text also contains.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cacheDir } from '../src/features/cache.js';
import { decodeRgb } from '../src/vision/decode.js';
import { OcrEngine, type OcrOptions } from '../src/vision/ocr.js';
import { quantile } from './sections/common.js';

const dataDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../shared/data/www2025-mir');
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20' },
    configs: { type: 'string', default: '[{"maxSide":640},{"maxSide":800},{"maxSide":960},{"maxSide":1280}]' },
    // Also time the whole per-image feature path of a scene prediction with default OCR options:
    // decode + OCR + layout vector + MobileNetV2 embedding (no cache).
    full: { type: 'boolean', default: false },
  },
});

const records = JSON.parse(await readFile(path.join(dataDir, 'train.json'), 'utf8')) as { image: string[] }[];
const all = records.flatMap((r) => r.image);
const n = Number(values.n);
const step = Math.max(1, Math.floor(all.length / n));
const files = all.filter((_, i) => i % step === 0).slice(0, n);

const refFile = path.join(cacheDir(), 'bench', 'ocr-reference.json');
const reference: Record<string, { ms: number; text: string[] }> = existsSync(refFile) ? JSON.parse(await readFile(refFile, 'utf8')) : {};
const missing = files.filter((f) => !reference[f]);
if (missing.length) {
  const { default: GutenOcr } = await import('@gutenye/ocr-node');
  const guten = await GutenOcr.create({ onnxOptions: { intraOpNumThreads: 2 } } as never);
  for (const f of missing) {
    const t = performance.now();
    const lines = (await guten.detect(path.join(dataDir, 'images', f))) as { text: string }[];
    reference[f] = { ms: performance.now() - t, text: lines.map((l) => l.text) };
    process.stderr.write(`reference ${f} ${reference[f].ms.toFixed(0)} ms\n`);
  }
  await mkdir(path.dirname(refFile), { recursive: true });
  await writeFile(refFile, JSON.stringify(reference));
}

function charRecall(ref: string, ours: string): number {
  const counts = new Map<string, number>();
  for (const ch of ours.replace(/\s+/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let hit = 0;
  let total = 0;
  for (const ch of ref.replace(/\s+/g, '')) {
    total++;
    const c = counts.get(ch) ?? 0;
    if (c > 0) { hit++; counts.set(ch, c - 1); }
  }
  return total ? hit / total : 1;
}

const refMs = files.map((f) => reference[f].ms);
console.log(`images: ${files.length}; reference (@gutenye defaults): median ${quantile(refMs, 0.5).toFixed(0)} ms, p90 ${quantile(refMs, 0.9).toFixed(0)} ms`);
console.log('config\tmedian ms (decode+ocr)\tp90 ms\tchar recall (pooled)\tmean per image\tlines/img');
for (const config of JSON.parse(values.configs!) as Partial<OcrOptions>[]) {
  const engine = await OcrEngine.create(config);
  // warm-up: the first ONNX run allocates
  await engine.read({ name: files[0], path: path.join(dataDir, 'images', files[0]) });
  const ms: number[] = [];
  const recalls: number[] = [];
  let hitChars = 0;
  let refChars = 0;
  let lineCount = 0;
  for (const f of files) {
    const t = performance.now();
    const image = await decodeRgb({ name: f, path: path.join(dataDir, 'images', f) }, {}, { maxSide: engine.options.decodeMaxSide });
    const result = await engine.read(image);
    ms.push(performance.now() - t);
    const refText = reference[f].text.join('');
    const ours = result.lines.map((l) => l.text).join('');
    const r = charRecall(refText, ours);
    recalls.push(r);
    const len = refText.replace(/\s+/g, '').length;
    hitChars += r * len;
    refChars += len;
    lineCount += result.lines.length;
  }
  const mean = recalls.reduce((a, b) => a + b, 0) / recalls.length;
  console.log(`${JSON.stringify(config)}\t${quantile(ms, 0.5).toFixed(0)}\t${quantile(ms, 0.9).toFixed(0)}\t${(hitChars / refChars).toFixed(3)}\t${mean.toFixed(3)}\t${(lineCount / files.length).toFixed(1)}`);
}

if (values.full) {
  const { layoutFeatures } = await import('../src/vision/layout.js');
  const { ImageEmbedder } = await import('../src/vision/embedding.js');
  const engine = await OcrEngine.create();
  const embedder = await ImageEmbedder.create({ pooling: 'global+grid2' });
  const stages = { decode: [] as number[], ocr: [] as number[], layout: [] as number[], embedding: [] as number[], total: [] as number[] };
  for (const f of files) {
    const t0 = performance.now();
    const image = await decodeRgb({ name: f, path: path.join(dataDir, 'images', f) }, {}, { maxSide: engine.options.decodeMaxSide });
    const t1 = performance.now();
    const ocr = await engine.read(image);
    const t2 = performance.now();
    await layoutFeatures(image, ocr);
    const t3 = performance.now();
    await embedder.embed(image);
    const t4 = performance.now();
    stages.decode.push(t1 - t0);
    stages.ocr.push(t2 - t1);
    stages.layout.push(t3 - t2);
    stages.embedding.push(t4 - t3);
    stages.total.push(t4 - t0);
  }
  console.log(`full feature path (${embedder.backendInfo().backend}, wasm threads ${embedder.backendInfo().threads ? 'on' : 'off'}), median / p90 ms:`);
  for (const [stage, ms] of Object.entries(stages)) console.log(`  ${stage}\t${quantile(ms, 0.5).toFixed(0)}\t${quantile(ms, 0.9).toFixed(0)}`);
}
