// test: long (one of the longest files: scripts/test.ts starts it first, so that it does not end the side-by-side phase alone)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OcrEngine, inReadingOrder, type OcrLine } from '../../src/vision/ocr.js';
import { decodeRgb } from '../../src/vision/decode.js';
import { linesByRegion } from '../../src/vision/layout.js';
import { runModuleScript } from '../module-script.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const images = fileURLToPath(new URL('../../../shared/data/www2025-mir/images/', import.meta.url));
// A logistics-tracking screenshot of the dev set: title bar "订单详情", a "联系快递员" button.
const LOGISTICS = 'eb6375e6-3963-4e27-b697-3b1ec9005ee8-1014-0.jpg';

test('OCR reads the title bar and a button of a logistics screenshot', async () => {
  const engine = await OcrEngine.create({ threads: 1 });
  const result = await engine.read({ name: LOGISTICS, path: images + LOGISTICS });
  assert.ok(result.width > 500 && result.height > result.width);
  const regions = linesByRegion(result.lines);
  assert.ok(regions.title.some((l) => l.text.includes('订单详情')), `title lines: ${regions.title.map((l) => l.text).join(' | ')}`);
  assert.ok(result.lines.some((l) => l.text.includes('联系快递员')));
  for (const line of result.lines) {
    assert.ok(line.confidence >= 0.5 && line.confidence <= 1);
    assert.ok(0 <= line.box.x0 && line.box.x0 < line.box.x1 && line.box.x1 <= 1);
    assert.ok(0 <= line.box.y0 && line.box.y0 < line.box.y1 && line.box.y1 <= 1);
  }
  // reading order: row centres never go back up by more than a line height
  for (let i = 1; i < result.lines.length; i++) {
    assert.ok(result.lines[i].box.y1 > result.lines[i - 1].box.y0, `line ${i} is above line ${i - 1}`);
  }
});

test('reading order groups a row and sorts it left to right', () => {
  const line = (text: string, x0: number, y0: number): OcrLine => ({ text, confidence: 1, box: { x0, y0, x1: x0 + 0.1, y1: y0 + 0.02 } });
  const ordered = inReadingOrder([line('c', 0.1, 0.5), line('b', 0.6, 0.101), line('a', 0.1, 0.1)]);
  assert.deepEqual(ordered.map((l) => l.text), ['a', 'b', 'c']);
});

test('bad OCR options are refused with a code', async () => {
  await assert.rejects(OcrEngine.create({ maxSide: 0 }), { code: 'ECM_ERR_BAD_OPTION' });
  await assert.rejects(OcrEngine.create({ minConfidence: 2 }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('two recogniser workers read the same lines as one; a top-band pass keeps the title bar', async () => {
  const one = await OcrEngine.create({ threads: 1 });
  const two = await OcrEngine.create({ threads: 2, recWorkers: 2 });
  const banded = await OcrEngine.create({ threads: 1, topBand: { fraction: 0.15, maxSide: 1080 } });
  const ref = { name: LOGISTICS, path: images + LOGISTICS };
  const [a, b, c] = [await one.read(ref), await two.read(ref), await banded.read(ref)];
  assert.deepEqual(b.lines.map((l) => l.text), a.lines.map((l) => l.text));
  assert.ok(linesByRegion(c.lines).title.some((l) => l.text.includes('订单详情')));
  // below the band, the first pass's lines are kept as they were
  const below = (r: typeof a) => r.lines.filter((l) => l.box.y0 > 0.2).map((l) => l.text);
  assert.deepEqual(below(c), below(a));
  // The band's own pass found its boxes: the plain pass reads the title too, so the title alone could not
  // tell a band that never ran (an audit's mutation, returning the first pass's boxes, passed the checks above).
  const image = await decodeRgb(ref, { id: LOGISTICS, index: 0 }, {});
  assert.ok(image.height >= 1.3 * image.width, 'a tall screenshot, which the band applies to');
  const bandHeight = Math.round(image.height * 0.15);
  const inBand = (boxes: { x0: number; y0: number; x1: number; y1: number }[]) => boxes.filter((box) => (box.y0 + box.y1) / 2 < bandHeight).map((box) => [box.x0, box.y0, box.x1, box.y1].map(Math.round));
  const [plainBoxes, bandedBoxes] = [await one.detect(image), await banded.detect(image)];
  assert.ok(inBand(bandedBoxes).length > 0);
  assert.notDeepEqual(inBand(bandedBoxes), inBand(plainBoxes), 'the band\'s boxes come from its own, finer pass');
});

test('recognition threads: a missing model fails at creation, naming the cause; close() stops them', async () => {
  await assert.rejects(OcrEngine.create({ threads: 2, recWorkers: 2, models: { recognitionPath: '/nonexistent/rec.onnx' } }), { code: 'ECM_ERR_BACKEND', message: /cannot load the OCR models/ });
  await assert.rejects(OcrEngine.create({ threads: 1, recWorkers: 1, models: { recognitionPath: '/nonexistent/rec.onnx' } }), { code: 'ECM_ERR_BACKEND' });
  const engine = await OcrEngine.create({ threads: 2, recWorkers: 2 });
  const ref = { name: LOGISTICS, path: images + LOGISTICS };
  assert.ok((await engine.read(ref)).lines.length > 0);
  await engine.close();
});

test('an engine with recognition threads that nobody closes does not keep its process alive', async () => {
  const script = `import { OcrEngine } from './src/vision/ocr.ts';
const engine = await OcrEngine.create({ threads: 2, recWorkers: 2 });
const lines = (await engine.read({ name: 'x.jpg', path: ${JSON.stringify(images + LOGISTICS)} })).lines.length;
console.log('read', lines);`;
  const { code, stdout, timedOut } = await runModuleScript(script, { timeoutMs: 60_000, cwd: root });
  assert.equal(timedOut, false, 'the process was still running after 60 s');
  assert.equal(code, 0);
  assert.match(stdout, /^read [1-9]\d*$/m);
});

test('OCR cache signatures change with the options that change the text, and only then', async () => {
  const { ocrOutputSignature, DEFAULT_OCR_OPTIONS } = await import('../../src/vision/ocr.js');
  const base = ocrOutputSignature(DEFAULT_OCR_OPTIONS);
  assert.equal(ocrOutputSignature({ ...DEFAULT_OCR_OPTIONS, threads: 1, recWorkers: 2, recBatchSize: 4 }), base);
  assert.notEqual(ocrOutputSignature({ ...DEFAULT_OCR_OPTIONS, maxSide: 1280 }), base);
  assert.notEqual(ocrOutputSignature({ ...DEFAULT_OCR_OPTIONS, topBand: { fraction: 0.15, maxSide: 1080 } }), base);
  const scales = [0.75, 1, 1.25].map((recWidthScale) => ocrOutputSignature({ ...DEFAULT_OCR_OPTIONS, recWidthScale }));
  assert.equal(new Set(scales).size, 3);
  await assert.rejects(OcrEngine.create({ recWidthScale: 0 }), { code: 'ECM_ERR_BAD_OPTION' });
  await assert.rejects(OcrEngine.create({ recWidthScale: Number.NaN }), { code: 'ECM_ERR_BAD_OPTION' });
  await assert.rejects(OcrEngine.create({ topBand: { fraction: 1.5, maxSide: 1080 } }), { code: 'ECM_ERR_BAD_OPTION' });
  await assert.rejects(OcrEngine.create({ recWorkers: 0 }), { code: 'ECM_ERR_BAD_OPTION' });
  // the rewritten graphs' confidences differ in the fifth decimal: their results are cached apart
  assert.notEqual(ocrOutputSignature({ ...DEFAULT_OCR_OPTIONS, fuseGraph: false }), base);
});

test('the rewritten graphs read the same text and boxes as the models as shipped', async () => {
  const shipped = await OcrEngine.create({ threads: 1, fuseGraph: false });
  const fused = await OcrEngine.create({ threads: 1 });
  assert.equal(fused.options.fuseGraph, true);
  const ref = { name: LOGISTICS, path: images + LOGISTICS };
  const [a, b] = [await shipped.read(ref), await fused.read(ref)];
  assert.ok(a.lines.length > 10);
  assert.deepEqual(b.lines.map((l) => [l.text, l.box]), a.lines.map((l) => [l.text, l.box]));
  for (const [i, line] of b.lines.entries()) assert.ok(Math.abs(line.confidence - a.lines[i].confidence) < 1e-3, `line ${i}: ${line.confidence} vs ${a.lines[i].confidence}`);
  await assert.rejects(OcrEngine.create({ fuseGraph: 'yes' as never }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('a damaged cached rewrite is written again, not loaded: the engine still reads, and the entries are whole again', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ecommir-ocr-graph-'));
  const before = process.env.ECOMMIR_CACHE_DIR;
  process.env.ECOMMIR_CACHE_DIR = dir;
  try {
    await OcrEngine.create({ threads: 1 });
    const entries = async () => {
      const files = (await readdir(path.join(dir, 'ocr-graph'), { recursive: true })).filter((f) => f.endsWith('.onnx-sha256'));
      return Promise.all(files.map(async (f) => ({ file: path.join(dir, 'ocr-graph', f), size: (await stat(path.join(dir, 'ocr-graph', f))).size })));
    };
    const whole = await entries();
    assert.equal(whole.length, 2, 'one rewritten detector and one recogniser');
    // Half of each entry, as a full disk or an interrupted copy of the cache folder leaves it.
    for (const e of whole) await truncate(e.file, Math.floor(e.size / 2));
    const engine = await OcrEngine.create({ threads: 1 });
    const result = await engine.read({ name: LOGISTICS, path: images + LOGISTICS });
    assert.ok(result.lines.some((l) => l.text.includes('联系快递员')));
    assert.deepEqual((await entries()).map((e) => e.size).sort(), whole.map((e) => e.size).sort());
  } finally {
    if (before === undefined) delete process.env.ECOMMIR_CACHE_DIR;
    else process.env.ECOMMIR_CACHE_DIR = before;
    await rm(dir, { recursive: true, force: true });
  }
});

test('recognition threads whose model cannot load never surface as an uncaught error, only as the creation rejecting', async () => {
  // Two failures this guards against, in a child so that what it counts and how it ends are its own: a thread that
  // failed before its load task reached it was thrown as uncaught (about 6 of 15 creations on two busy cores), and
  // destroying the pool while the other thread was still creating its session aborted the process (1 of 60).
  // The model must fail in the threads, not before: a file that exists but is no model, passed to them unrewritten.
  const script = `import { OcrEngine } from './src/vision/ocr.ts';
import { writeFileSync } from 'node:fs';
const broken = ${JSON.stringify(path.join(tmpdir(), `ecommir-broken-rec-${process.pid}.onnx`))};
writeFileSync(broken, 'not an onnx model');
let uncaught = 0;
process.on('uncaughtException', () => { uncaught++; });
let rejected = 0;
for (let i = 0; i < 15; i++) {
  try { await OcrEngine.create({ threads: 2, recWorkers: 2, fuseGraph: false, models: { recognitionPath: broken } }); } catch (e) { if (e.code === 'ECM_ERR_BACKEND') rejected++; }
}
await new Promise((r) => setTimeout(r, 500));
console.log('rejected', rejected, 'uncaught', uncaught);`;
  const { code, stdout, timedOut } = await runModuleScript(script, { timeoutMs: 120_000, cwd: root });
  assert.equal(timedOut, false, 'the process was still running after 120 s');
  assert.equal(code, 0, 'the process did not end cleanly');
  assert.match(stdout, /^rejected 15 uncaught 0$/m);
});
