// PaddleOCR's DB text detector, pre- and post-processing only (the network is an ONNX session).
// We reimplement the small pieces @gutenye/ocr-common does with plain JS arrays and opencv-js:
// typed arrays end to end, a detection resolution that is a parameter (its default runs the
// network at full resolution, the main cost), and axis-aligned boxes from connected components
// (screenshots' text is horizontal; the rotated-rectangle fit buys nothing here).
import sharp from 'sharp';
import type { RawImage } from './decode.js';

/** An axis-aligned text box in source-image pixels: [x0, x1) × [y0, y1). */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Mean text probability inside the (un-expanded) component box. */
  score: number;
}

export interface DetectionOptions {
  /** Longest side the detector sees, pixels (rounded to a multiple of 32); the speed/recall knob. */
  maxSide: number;
  /** Probability above which a map pixel is text (PaddleOCR det_db_thresh). */
  pixelThreshold: number;
  /** Mean probability a box needs to be kept (PaddleOCR det_db_box_thresh). */
  boxThreshold: number;
  /** How far a shrunk DB kernel is grown back (PaddleOCR det_db_unclip_ratio). */
  unclipRatio: number;
}

// PaddleOCR feeds cv2 (BGR) images normalised with ImageNet statistics in that channel order.
const DET_MEAN = [0.485, 0.456, 0.406];
const DET_STD = [0.229, 0.224, 0.225];
const BASE = 32;

/** Detector input size: longest side ≤ maxSide, both sides multiples of 32. */
export function detectionSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return {
    width: Math.max(BASE, Math.round((width * scale) / BASE) * BASE),
    height: Math.max(BASE, Math.round((height * scale) / BASE) * BASE),
  };
}

/** Resizes and normalises to the detector's input. Returns data: [1, 3, h, w] planar BGR. */
export async function detectionInput(image: RawImage, maxSide: number): Promise<{ data: Float32Array; width: number; height: number }> {
  const size = detectionSize(image.width, image.height, maxSide);
  const resized = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill' })
    .raw()
    .toBuffer();
  const plane = size.width * size.height;
  const data = new Float32Array(3 * plane); // [3, h, w], channel 0 = B
  for (let c = 0; c < 3; c++) {
    const normalised = NORMALISED[c];
    const out = data.subarray(c * plane, (c + 1) * plane);
    for (let p = 0, q = 2 - c; p < plane; p++, q += 3) out[p] = normalised[resized[q]];
  }
  return { data, width: size.width, height: size.height };
}

// Each channel's 256 normalised values, computed as the detector's preprocessing does: a table
// look-up instead of two divisions per value (the same float32 values).
const NORMALISED = [0, 1, 2].map((c) => Float32Array.from({ length: 256 }, (_, v) => (v / 255 - DET_MEAN[c]) / DET_STD[c]));

/**
 * Turns the probability map into boxes in source pixels.
 * prob: [mapHeight, mapWidth] row-major, values in [0, 1].
 */
export function boxesFromProbabilityMap(
  prob: Float32Array,
  mapWidth: number,
  mapHeight: number,
  sourceWidth: number,
  sourceHeight: number,
  options: Pick<DetectionOptions, 'pixelThreshold' | 'boxThreshold' | 'unclipRatio'>,
): PixelBox[] {
  const n = mapWidth * mapHeight;
  // label: [mapHeight, mapWidth]; 0 = background, k > 0 = component k (filled by a flood fill).
  const label = new Int32Array(n);
  const stack = new Int32Array(n);
  const boxes: PixelBox[] = [];
  const sx = sourceWidth / mapWidth;
  const sy = sourceHeight / mapHeight;
  let next = 0;
  for (let start = 0; start < n; start++) {
    if (label[start] !== 0 || prob[start] <= options.pixelThreshold) continue;
    next++;
    let top = 0;
    stack[top++] = start;
    label[start] = next;
    let x0 = mapWidth, y0 = mapHeight, x1 = -1, y1 = -1;
    while (top > 0) {
      const p = stack[--top];
      const x = p % mapWidth;
      const y = (p - x) / mapWidth;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      // 4-neighbourhood: enough for DB kernels, and keeps touching lines apart.
      if (x > 0 && label[p - 1] === 0 && prob[p - 1] > options.pixelThreshold) { label[p - 1] = next; stack[top++] = p - 1; }
      if (x < mapWidth - 1 && label[p + 1] === 0 && prob[p + 1] > options.pixelThreshold) { label[p + 1] = next; stack[top++] = p + 1; }
      if (y > 0 && label[p - mapWidth] === 0 && prob[p - mapWidth] > options.pixelThreshold) { label[p - mapWidth] = next; stack[top++] = p - mapWidth; }
      if (y < mapHeight - 1 && label[p + mapWidth] === 0 && prob[p + mapWidth] > options.pixelThreshold) { label[p + mapWidth] = next; stack[top++] = p + mapWidth; }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (Math.min(w, h) < 3) continue; // PaddleOCR's min_size
    let sum = 0;
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) sum += prob[y * mapWidth + x];
    const score = sum / (w * h);
    if (score < options.boxThreshold) continue;
    // Unclip: a polygon offset by area·ratio/perimeter, which for a rectangle grows each side by d.
    const d = (w * h * options.unclipRatio) / (2 * (w + h));
    const box: PixelBox = {
      x0: clamp(Math.floor((x0 - d) * sx), 0, sourceWidth),
      y0: clamp(Math.floor((y0 - d) * sy), 0, sourceHeight),
      x1: clamp(Math.ceil((x1 + 1 + d) * sx), 0, sourceWidth),
      y1: clamp(Math.ceil((y1 + 1 + d) * sy), 0, sourceHeight),
      score,
    };
    if (box.x1 - box.x0 > 3 && box.y1 - box.y0 > 3) boxes.push(box);
  }
  return boxes;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
