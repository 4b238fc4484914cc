// What kind of screen an image is, from its structure rather than its words:
// - `uiTokens` (from the OCR lines alone, so free on a warm cache): a phone status bar, a centred
//   title, a row of short items at the top (order tabs) or bottom (tab bar, buttons), lines that
//   start at the same x again and again (lists of repeated rows), how many prices / dates / times /
//   long numbers (order and tracking numbers) / percentages the page shows and where, big numbers
//   (the amount on a payment page), the recogniser's confidence (garbled photo text reads low);
// - `uiStructureVector` (from pixels, a cached extractor): a pop-up over a dimmed page (dark, flat
//   edges around a bright centre), rows that repeat (periodic brightness down the page), flat
//   background rows and separators, and the brightness of the top and bottom bands.
// Geometry is in fractions of the image's width and height, so the cues do not depend on its size.
import sharp from 'sharp';
import type { VectorExtractor } from '../../features/extract.js';
import type { RawImage } from '../../vision/decode.js';
import type { OcrLine } from '../../vision/ocr.js';

const CLOCK = /^\s*\d{1,2}[:：]\d{2}(?!\d)/;
const PRICE = /[¥￥]\s*\d|\d+(?:\.\d{1,2})?\s*元|^-?\+?\d{1,6}\.\d{2}$/;
const DATE = /\d{4}[-./年]\d{1,2}[-./月]\d{1,2}|\d{1,2}月\d{1,2}日|(?<!\d)\d{2}-\d{2}(?!\d)/;
const TIME = /(?<!\d)\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?!\d)/;
const LONG_NUMBER = /[A-Za-z]{0,4}\d{10,}/;
const PERCENT = /\d+(?:\.\d+)?\s*%|\d+(?:\.\d+)?折/;
const LATIN_WORD = /[A-Za-z]{3,}/;

const mid = (l: OcrLine) => (l.box.y0 + l.box.y1) / 2;
const height = (l: OcrLine) => l.box.y1 - l.box.y0;
const chars = (l: OcrLine) => [...l.text.replace(/\s+/g, '')].length;

/** Count bucket names: small counts exactly, then ranges. */
export function countBucket(n: number): string {
  return n <= 2 ? String(n) : n <= 4 ? '3-4' : n <= 8 ? '5-8' : n <= 16 ? '9-16' : '17+';
}

/** Lines grouped into rows by vertical overlap (middles within half a line height), each row left to right. */
export function lineRows(lines: readonly OcrLine[]): OcrLine[][] {
  const sorted = [...lines].sort((a, b) => mid(a) - mid(b));
  const rows: OcrLine[][] = [];
  for (const line of sorted) {
    const row = rows[rows.length - 1];
    if (row && Math.abs(mid(line) - mid(row[0])) < Math.max(height(row[0]), height(line)) / 2) row.push(line);
    else rows.push([line]);
  }
  for (const row of rows) row.sort((a, b) => a.box.x0 - b.box.x0);
  return rows;
}

/** Where a line's middle is: top (first 15%), bottom (last 12%), else body. */
function zone(l: OcrLine): 'top' | 'body' | 'bottom' {
  const m = mid(l);
  return m < 0.15 ? 'top' : m > 0.88 ? 'bottom' : 'body';
}

/** Structure tokens of one image's OCR lines (see the file comment). */
export function uiTokens(lines: readonly OcrLine[]): string[] {
  const tokens: string[] = [];
  if (lines.length === 0) return ['no-text'];
  const text = (l: OcrLine) => l.text.trim();

  // status bar: a clock in the first 5% of the height
  const statusBar = lines.some((l) => mid(l) < 0.05 && CLOCK.test(text(l)));
  if (statusBar) tokens.push('status-bar');
  const content = lines.filter((l) => !(mid(l) < 0.05 && (CLOCK.test(text(l)) || /^[\d\s.%A-Za-z:]*$/.test(text(l)))));

  // a title: the first content line in the top band, centred, short
  const first = content.find((l) => mid(l) < 0.15);
  if (first) {
    const cx = (first.box.x0 + first.box.x1) / 2;
    tokens.push(Math.abs(cx - 0.5) < 0.08 && first.box.x1 - first.box.x0 < 0.6 ? 'title-centred' : 'title-left');
  } else tokens.push('no-title');

  // rows of short items: tabs at the top, a tab bar or buttons at the bottom
  for (const row of lineRows(content)) {
    const short = row.filter((l) => chars(l) >= 1 && chars(l) <= 5);
    const z = zone(row[0]);
    if (short.length >= 3 && short.length === row.length) tokens.push(`short-row-${z}-${short.length >= 5 ? '5+' : short.length}`);
    if (z === 'bottom' && row.some((l) => l.box.x0 > 0.55 && chars(l) >= 2 && chars(l) <= 6)) tokens.push('bottom-right-button');
    if (z === 'bottom' && row.length === 1 && Math.abs((row[0].box.x0 + row[0].box.x1) / 2 - 0.5) < 0.08) tokens.push('bottom-centred');
  }

  // lists: many lines starting at the same x; rows with a price at the right
  const starts = new Map<number, number>();
  for (const l of content) {
    if (zone(l) !== 'body') continue;
    const bin = Math.round(l.box.x0 * 50);
    starts.set(bin, (starts.get(bin) ?? 0) + 1);
  }
  const aligned = Math.max(0, ...starts.values());
  tokens.push(`aligned-${countBucket(aligned)}`);
  const rightNumbers = content.filter((l) => l.box.x1 > 0.85 && l.box.x0 > 0.5 && /\d/.test(l.text) && PRICE.test(text(l))).length;
  if (rightNumbers > 0) tokens.push(`right-prices-${countBucket(rightNumbers)}`);

  // text classes, counted and placed
  const classes: [string, RegExp][] = [
    ['price', PRICE],
    ['date', DATE],
    ['time', TIME],
    ['long-number', LONG_NUMBER],
    ['percent', PERCENT],
    ['latin', LATIN_WORD],
  ];
  for (const [name, re] of classes) {
    const hits = content.filter((l) => re.test(text(l)));
    if (hits.length === 0) continue;
    tokens.push(`${name}-${countBucket(hits.length)}`);
    for (const z of new Set(hits.map(zone))) tokens.push(`${name}@${z}`);
  }

  // big text: lines at least twice the median height (an amount, a product name on a banner)
  const heights = content.map(height).sort((a, b) => a - b);
  const median = heights[heights.length >> 1] ?? 0;
  const big = content.filter((l) => median > 0 && height(l) > 2 * median);
  if (big.length > 0) tokens.push(`big-${countBucket(big.length)}`);
  if (big.some((l) => /\d/.test(l.text) && /^[\s¥￥\d.,+-]+$/.test(text(l)))) tokens.push('big-number');

  // density and reading quality
  tokens.push(`lines-${countBucket(content.length)}`);
  const meanConfidence = lines.reduce((s, l) => s + l.confidence, 0) / lines.length;
  tokens.push(`confidence-${Math.min(9, Math.floor(meanConfidence * 10))}`);
  const low = lines.filter((l) => l.confidence < 0.75).length / lines.length;
  tokens.push(`low-confidence-${Math.round(low * 4)}`);
  const covered = content.reduce((s, l) => s + (l.box.x1 - l.box.x0) * height(l), 0);
  tokens.push(`coverage-${Math.min(6, Math.floor(covered * 20))}`);
  return tokens;
}

/** Side of the grey copy the pixel cues are measured on (width; height keeps the aspect, capped). */
const UI_WIDTH = 96;
const UI_MAX_HEIGHT = 320;

export const UI_VECTOR_NAMES = [
  'edge-luma', // mean brightness of the left and right 6% columns, middle 60% of the height
  'centre-luma', // mean brightness of the central 40% columns, same rows
  'centre-minus-edge',
  'edge-flatness', // 1 − std of the edge columns / 64: flat dimmed edges are ~1
  'dimmed-edges', // edges flat and mid-dark (a dimming layer) while the centre is bright
  'top-luma', // first 8% of the height
  'bottom-luma', // last 8%
  'dark-fraction', // pixels below 60
  'bright-fraction', // pixels above 230
  'flat-rows', // rows whose brightness std < 3 (plain background)
  'separators', // rows that differ from both neighbours and are flat themselves (/ 20)
  'periodicity', // highest autocorrelation of the row-brightness profile at lags 3%–25% of the height
  'period', // that lag, as a fraction of the height
  'bands', // switches between flat and busy rows (/ 40): cards and list rows
  'centre-box', // a bright box in the middle (rows where the centre is bright and edges darker), fraction of rows
  'aspect', // height / width / 3 (capped at 1)
] as const;

export const UI_VECTOR_LENGTH = UI_VECTOR_NAMES.length;

/** Bump when the vector changes for the same image. */
export const UI_VECTOR_VERSION = 1;

/** The pixel cues of one image (UI_VECTOR_NAMES order), each roughly in [0, 1]. */
export async function uiStructureVector(image: RawImage): Promise<Float32Array> {
  const h = Math.max(8, Math.min(UI_MAX_HEIGHT, Math.round((UI_WIDTH * image.height) / image.width)));
  const w = UI_WIDTH;
  const grey = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .greyscale()
    .raw()
    .toBuffer();
  const at = (x: number, y: number) => grey[y * w + x];
  const v = new Float32Array(UI_VECTOR_LENGTH);
  const y0 = Math.floor(h * 0.2);
  const y1 = Math.ceil(h * 0.8);
  const edge = Math.max(1, Math.round(w * 0.06));
  const c0 = Math.floor(w * 0.3);
  const c1 = Math.ceil(w * 0.7);
  let edgeSum = 0, edgeSq = 0, edgeN = 0, centreSum = 0, centreN = 0, centreBoxRows = 0;
  for (let y = y0; y < y1; y++) {
    let rowEdge = 0, rowCentre = 0;
    for (let x = 0; x < edge; x++) {
      for (const xx of [x, w - 1 - x]) {
        const p = at(xx, y);
        edgeSum += p;
        edgeSq += p * p;
        edgeN++;
        rowEdge += p;
      }
    }
    for (let x = c0; x < c1; x++) {
      centreSum += at(x, y);
      centreN++;
      rowCentre += at(x, y);
    }
    if (rowCentre / (c1 - c0) > 200 && rowEdge / (2 * edge) < rowCentre / (c1 - c0) - 40) centreBoxRows++;
  }
  const edgeMean = edgeSum / edgeN;
  const edgeStd = Math.sqrt(Math.max(0, edgeSq / edgeN - edgeMean * edgeMean));
  const centreMean = centreSum / centreN;
  const bandMean = (from: number, to: number) => {
    let s = 0;
    for (let y = from; y < to; y++) for (let x = 0; x < w; x++) s += at(x, y);
    return s / Math.max(1, (to - from) * w);
  };
  const rowMean = new Float64Array(h);
  const rowStd = new Float64Array(h);
  let dark = 0, bright = 0;
  for (let y = 0; y < h; y++) {
    let s = 0, sq = 0;
    for (let x = 0; x < w; x++) {
      const p = at(x, y);
      s += p;
      sq += p * p;
      if (p < 60) dark++;
      if (p > 230) bright++;
    }
    rowMean[y] = s / w;
    rowStd[y] = Math.sqrt(Math.max(0, sq / w - rowMean[y] ** 2));
  }
  let flat = 0, separators = 0, bands = 0;
  for (let y = 0; y < h; y++) {
    const isFlat = rowStd[y] < 3;
    if (isFlat) flat++;
    if (y > 0 && y < h - 1 && isFlat && Math.abs(rowMean[y] - rowMean[y - 1]) > 6 && Math.abs(rowMean[y] - rowMean[y + 1]) > 6) separators++;
    if (y > 0 && isFlat !== rowStd[y - 1] < 3) bands++;
  }
  // autocorrelation of the mean-removed row profile
  const mean = rowMean.reduce((a, b) => a + b, 0) / h;
  const centred = rowMean.map((m) => m - mean);
  const energy = centred.reduce((s, x) => s + x * x, 0) || 1;
  let best = 0, bestLag = 0;
  for (let lag = Math.max(2, Math.round(h * 0.03)); lag <= Math.round(h * 0.25); lag++) {
    let s = 0;
    for (let y = 0; y + lag < h; y++) s += centred[y] * centred[y + lag];
    const r = s / energy;
    if (r > best) { best = r; bestLag = lag; }
  }
  const edgeFlatness = Math.max(0, 1 - edgeStd / 64);
  let o = 0;
  v[o++] = edgeMean / 255;
  v[o++] = centreMean / 255;
  v[o++] = (centreMean - edgeMean) / 255;
  v[o++] = edgeFlatness;
  v[o++] = edgeFlatness > 0.85 && edgeMean > 30 && edgeMean < 170 && centreMean > edgeMean + 40 ? 1 : 0;
  v[o++] = bandMean(0, Math.max(1, Math.round(h * 0.08))) / 255;
  v[o++] = bandMean(h - Math.max(1, Math.round(h * 0.08)), h) / 255;
  v[o++] = dark / (w * h);
  v[o++] = bright / (w * h);
  v[o++] = flat / h;
  v[o++] = Math.min(1, separators / 20);
  v[o++] = best;
  v[o++] = bestLag / h;
  v[o++] = Math.min(1, bands / 40);
  v[o++] = centreBoxRows / Math.max(1, y1 - y0);
  v[o++] = Math.min(1, image.height / image.width / 3);
  return v;
}

/** The pixel cues as a cacheable extractor for features/extract. */
export const uiStructureExtractor: VectorExtractor = {
  name: 'ui-structure',
  version: UI_VECTOR_VERSION,
  signature: `len=${UI_VECTOR_LENGTH}|w=${UI_WIDTH}|h<=${UI_MAX_HEIGHT}`,
  compute: (image: RawImage) => uiStructureVector(image),
};
