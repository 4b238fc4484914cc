// A fixed-length dense description of how an image looks, from its pixels and its OCR boxes:
// where text sits (screens have a title bar, tab bars, dense lists), what colours dominate (the
// orange of an order page, the white of a chat), and whether it is a screenshot (flat areas, few
// colours, sharp edges) or a photo (many colours, soft gradients). Blocks are listed in
// LAYOUT_BLOCKS in vector order; values are roughly in [0, 1] so a linear head can use them as is.
import sharp from 'sharp';
import type { VectorExtractor } from '../features/extract.js';
import type { RawImage } from './decode.js';
import type { OcrLine, OcrResult } from './ocr.js';

/** The title bar is the first 12% of the height, the bottom bar the last 12%. */
export const TOP_BAR = 0.12;
export const BOTTOM_BAR = 0.12;
const GRID_ROWS = 16;
const GRID_COLS = 8;
const THUMB_W = 6;
const THUMB_H = 12;
const HUE_BINS = 12;
const SAT_BINS = 8;
const VAL_BINS = 8;
/** Side of the downscaled copy the pixel statistics are measured on. */
const STATS_SIDE = 256;

export interface LayoutBlock {
  name: string;
  length: number;
  description: string;
}

export const LAYOUT_BLOCKS: readonly LayoutBlock[] = Object.freeze([
  { name: 'geometry', length: 7, description: 'log(h/w), w/2000, h/3000, portrait flag, size class one-hot (max side <800, <1600, ≥1600)' },
  { name: 'text', length: 5, description: 'text-box area coverage, log1p(line count)/5, mean line height / image height ×10, mean OCR confidence, log1p(characters)/7' },
  { name: 'textGrid', length: GRID_ROWS * GRID_COLS, description: `${GRID_ROWS}×${GRID_COLS} grid (rows top to bottom), fraction of each cell covered by text boxes` },
  { name: 'regions', length: 6, description: 'for top bar, body, bottom bar: log1p(lines)/4, log1p(characters)/6' },
  { name: 'thumbnail', length: THUMB_W * THUMB_H * 3, description: `${THUMB_W}×${THUMB_H} RGB thumbnail, [row][col][rgb] / 255` },
  { name: 'hsv', length: HUE_BINS + SAT_BINS + VAL_BINS, description: `normalised histograms: hue (${HUE_BINS} bins, saturated pixels only), saturation (${SAT_BINS}), value (${VAL_BINS})` },
  {
    name: 'screenshotStats',
    length: 8,
    description:
      'log(distinct 15-bit colours)/log(32768), flat-pixel fraction (same as right and lower neighbour ±3), near-white fraction, near-black fraction, mean saturation, saturation std, mean gradient /64, strong-edge fraction',
  },
]);

export const LAYOUT_LENGTH = LAYOUT_BLOCKS.reduce((s, b) => s + b.length, 0);

/** The blocks measured from the pixels alone. They close the vector; `layoutFeatures` measures them while the OCR runs, as they need no lines. */
const PIXEL_BLOCK_NAMES = new Set(['thumbnail', 'hsv', 'screenshotStats']);
const PIXEL_BLOCKS_LENGTH = LAYOUT_BLOCKS.filter((b) => PIXEL_BLOCK_NAMES.has(b.name)).reduce((s, b) => s + b.length, 0);

/** Bump when the vector changes. */
export const LAYOUT_VERSION = 1;

export interface RegionLines {
  /** Lines whose vertical centre is in the top bar. */
  title: OcrLine[];
  body: OcrLine[];
  /** Lines whose centre is in the bottom bar (tab bars, buy buttons). */
  bottom: OcrLine[];
}

export function linesByRegion(lines: readonly OcrLine[]): RegionLines {
  const out: RegionLines = { title: [], body: [], bottom: [] };
  for (const line of lines) {
    const mid = (line.box.y0 + line.box.y1) / 2;
    if (mid < TOP_BAR) out.title.push(line);
    else if (mid > 1 - BOTTOM_BAR) out.bottom.push(line);
    else out.body.push(line);
  }
  return out;
}

/**
 * The layout vector: LAYOUT_LENGTH float32 values, blocks in LAYOUT_BLOCKS order. `ocr` may still be
 * running: the pixel blocks are measured first, and only the text blocks wait for the lines.
 */
export async function layoutFeatures(image: RawImage, ocr: Pick<OcrResult, 'lines'> | Promise<Pick<OcrResult, 'lines'>>): Promise<Float32Array> {
  const pixelBlocks = await pixelLayoutBlocks(image);
  const { lines } = await ocr;
  const v = new Float32Array(LAYOUT_LENGTH);
  let o = 0;
  const { width: w, height: h } = image;

  // geometry
  const maxSide = Math.max(w, h);
  v[o++] = Math.log(h / w);
  v[o++] = Math.min(w / 2000, 2);
  v[o++] = Math.min(h / 3000, 2);
  v[o++] = h > w ? 1 : 0;
  v[o + (maxSide < 800 ? 0 : maxSide < 1600 ? 1 : 2)] = 1;
  o += 3;

  // text: coverage measured on a fine raster so overlapping boxes count once
  const RASTER_W = 64;
  const RASTER_H = 128;
  const raster = new Uint8Array(RASTER_W * RASTER_H); // [RASTER_H, RASTER_W], 1 = covered by text
  for (const l of lines) {
    const cx0 = clampInt(Math.floor(l.box.x0 * RASTER_W), 0, RASTER_W);
    const cx1 = clampInt(Math.ceil(l.box.x1 * RASTER_W), 0, RASTER_W);
    const cy0 = clampInt(Math.floor(l.box.y0 * RASTER_H), 0, RASTER_H);
    const cy1 = clampInt(Math.ceil(l.box.y1 * RASTER_H), 0, RASTER_H);
    for (let y = cy0; y < cy1; y++) raster.fill(1, y * RASTER_W + cx0, y * RASTER_W + cx1);
  }
  let covered = 0;
  for (let i = 0; i < raster.length; i++) covered += raster[i];
  const chars = (ls: readonly OcrLine[]) => ls.reduce((s, l) => s + [...l.text].length, 0);
  v[o++] = covered / raster.length;
  v[o++] = Math.log1p(lines.length) / 5;
  v[o++] = lines.length ? (lines.reduce((s, l) => s + (l.box.y1 - l.box.y0), 0) / lines.length) * 10 : 0;
  v[o++] = lines.length ? lines.reduce((s, l) => s + l.confidence, 0) / lines.length : 0;
  v[o++] = Math.log1p(chars(lines)) / 7;

  // textGrid: each grid cell is a (RASTER_H/GRID_ROWS)×(RASTER_W/GRID_COLS) block of the raster
  const rh = RASTER_H / GRID_ROWS;
  const rw = RASTER_W / GRID_COLS;
  for (let gy = 0; gy < GRID_ROWS; gy++) {
    for (let gx = 0; gx < GRID_COLS; gx++) {
      let s = 0;
      for (let y = gy * rh; y < (gy + 1) * rh; y++) for (let x = gx * rw; x < (gx + 1) * rw; x++) s += raster[y * RASTER_W + x];
      v[o++] = s / (rh * rw);
    }
  }

  // regions
  const regions = linesByRegion(lines);
  for (const part of [regions.title, regions.body, regions.bottom]) {
    v[o++] = Math.log1p(part.length) / 4;
    v[o++] = Math.log1p(chars(part)) / 6;
  }

  v.set(pixelBlocks, o);
  o += pixelBlocks.length;
  if (o !== LAYOUT_LENGTH) throw new Error(`layout vector filled ${o} of ${LAYOUT_LENGTH} values`);
  return v;
}

/** The thumbnail, hsv and screenshotStats blocks, which need no OCR. */
async function pixelLayoutBlocks(image: RawImage): Promise<Float32Array> {
  const v = new Float32Array(PIXEL_BLOCKS_LENGTH);
  let o = 0;

  // thumbnail
  const thumb = await resizeRaw(image, THUMB_W, THUMB_H, 'fill');
  for (let i = 0; i < THUMB_W * THUMB_H * 3; i++) v[o++] = thumb.data[i] / 255;

  // hsv histograms + screenshot statistics, on a small copy
  const small = await resizeRaw(image, STATS_SIDE, STATS_SIDE, 'inside');
  const n = small.width * small.height;
  const hue = new Float32Array(HUE_BINS);
  const sat = new Float32Array(SAT_BINS);
  const val = new Float32Array(VAL_BINS);
  const colours = new Uint8Array(1 << 15); // seen flags, 5 bits per channel
  let distinct = 0, white = 0, black = 0, satSum = 0, satSq = 0, saturated = 0;
  const d = small.data;
  for (let p = 0; p < n; p++) {
    const r = d[3 * p], g = d[3 * p + 1], b = d[3 * p + 2];
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const s = max === 0 ? 0 : (max - min) / max;
    const value = max / 255;
    sat[Math.min(SAT_BINS - 1, Math.floor(s * SAT_BINS))]++;
    val[Math.min(VAL_BINS - 1, Math.floor(value * VAL_BINS))]++;
    if (s > 0.2 && max > 40) {
      hue[Math.min(HUE_BINS - 1, Math.floor((hueOf(r, g, b, max, min) / 360) * HUE_BINS))]++;
      saturated++;
    }
    satSum += s;
    satSq += s * s;
    if (min > 235) white++;
    if (max < 20) black++;
    const c = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
    if (!colours[c]) { colours[c] = 1; distinct++; }
  }
  for (let i = 0; i < HUE_BINS; i++) v[o++] = saturated ? hue[i] / saturated : 0;
  for (let i = 0; i < SAT_BINS; i++) v[o++] = sat[i] / n;
  for (let i = 0; i < VAL_BINS; i++) v[o++] = val[i] / n;

  // flat pixels and gradients on luma
  let flat = 0, gradSum = 0, strong = 0, counted = 0;
  const sw = small.width;
  const luma = (p: number) => 0.299 * d[3 * p] + 0.587 * d[3 * p + 1] + 0.114 * d[3 * p + 2];
  for (let y = 0; y < small.height - 1; y++) {
    for (let x = 0; x < sw - 1; x++) {
      const p = y * sw + x;
      const l = luma(p);
      const gx = luma(p + 1) - l;
      const gy = luma(p + sw) - l;
      if (Math.abs(gx) <= 3 && Math.abs(gy) <= 3) flat++;
      const g = Math.hypot(gx, gy);
      gradSum += g;
      if (g > 40) strong++;
      counted++;
    }
  }
  const satMean = satSum / n;
  v[o++] = Math.log(Math.max(1, distinct)) / Math.log(1 << 15);
  v[o++] = counted ? flat / counted : 0;
  v[o++] = white / n;
  v[o++] = black / n;
  v[o++] = satMean;
  v[o++] = Math.sqrt(Math.max(0, satSq / n - satMean * satMean));
  v[o++] = counted ? Math.min(1, gradSum / counted / 64) : 0;
  v[o++] = counted ? strong / counted : 0;
  return v;
}

/** The layout vector as a cacheable extractor for features/extract. */
export const layoutExtractor: VectorExtractor = {
  name: 'layout',
  version: LAYOUT_VERSION,
  signature: `len=${LAYOUT_LENGTH}`,
  usesOcr: true,
  compute: (image, ocr) => layoutFeatures(image, ocr),
};

async function resizeRaw(image: RawImage, width: number, height: number, fit: 'fill' | 'inside'): Promise<RawImage> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit, kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

function hueOf(r: number, g: number, b: number, max: number, min: number): number {
  const c = max - min;
  if (c === 0) return 0;
  let hdeg: number;
  if (max === r) hdeg = ((g - b) / c) % 6;
  else if (max === g) hdeg = (b - r) / c + 2;
  else hdeg = (r - g) / c + 4;
  hdeg *= 60;
  return hdeg < 0 ? hdeg + 360 : hdeg;
}

function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
