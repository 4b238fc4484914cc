// Rule V's check: the OCR engine with the rewritten graphs (src/vision/ocr-graph-fusion.ts) against the models as
// shipped, on dev screenshots spread over the set: same text and boxes per line, the largest confidence difference,
// and both engines' times (alternating which goes first).
//   node --import tsx bench/research/ocr-fusion-check.ts [n = 560]
import { devSamples } from '../sections/common.js';
import { decodeRgb } from '../../src/vision/decode.js';
import { OcrEngine, type OcrResult } from '../../src/vision/ocr.js';
const n = Number(process.argv[2] ?? 560);
const scenes = (await devSamples()).filter((s) => s.task === 'scene');
const step = Math.max(1, Math.floor(scenes.length / n));
const picked = scenes.filter((_, i) => i % step === 0).slice(0, n);
const engines = [await OcrEngine.create({ fuseGraph: false }), await OcrEngine.create()];
const times = [[], []] as number[][];
let lines = 0, same = 0, boxesSame = 0, maxConf = 0, imgsSame = 0;
for (const [k, s] of picked.entries()) {
  const image = await decodeRgb(s.images[0], {}, { maxSide: 2560 });
  const out: OcrResult[] = [];
  for (const e of (k % 2 ? [1, 0] : [0, 1])) { const t = performance.now(); out[e] = await engines[e].read(image); times[e].push(performance.now() - t); }
  const [a, b] = out;
  if (JSON.stringify(a.lines.map((l) => [l.text, l.box])) === JSON.stringify(b.lines.map((l) => [l.text, l.box]))) imgsSame++;
  else console.log('differs:', s.id);
  lines += a.lines.length;
  for (let i = 0; i < Math.min(a.lines.length, b.lines.length); i++) { if (a.lines[i].text === b.lines[i].text) same++; if (JSON.stringify(a.lines[i].box) === JSON.stringify(b.lines[i].box)) boxesSame++; maxConf = Math.max(maxConf, Math.abs(a.lines[i].confidence - b.lines[i].confidence)); }
}
const med = (x: number[]) => x.slice().sort((p, q) => p - q)[x.length >> 1];
console.log(`images ${picked.length}, identical text and boxes ${imgsSame}; lines ${lines}, same text ${same}, same box ${boxesSame}, max |confidence diff| ${maxConf.toExponential(2)}`);
console.log(`median ms: unfused ${med(times[0]).toFixed(0)}, fused ${med(times[1]).toFixed(0)}, ratio of sums ${(times[1].reduce((p, q) => p + q) / times[0].reduce((p, q) => p + q)).toFixed(3)}`);
await Promise.all(engines.map((e) => e.close()));
