// PaddleOCR's CRNN/SVTR line recogniser, pre- and post-processing: crop each detected box
// straight from the decoded RGB into the model's 48-pixel-high input (bilinear, no sharp round
// trip per line), batch lines of similar width together (padding is wasted compute), and decode
// the CTC output greedily.
import type { RawImage } from './decode.js';
import type { PixelBox } from './text-detection.js';

export const REC_HEIGHT = 48;

export interface LineInput {
  /** [3, 48, width] planar BGR, normalised to [-1, 1]. */
  data: Float32Array;
  width: number;
}

/**
 * Crops box from image and resamples it to height 48 keeping the aspect ratio times widthScale
 * (width capped at maxWidth). Output planar BGR in [-1, 1] (PaddleOCR's rec normalisation).
 */
export function cropLine(image: RawImage, box: PixelBox, maxWidth: number, widthScale = 1): LineInput {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const width = Math.max(REC_HEIGHT / 4, Math.min(maxWidth, Math.round((REC_HEIGHT * bw * widthScale) / bh)));
  const plane = REC_HEIGHT * width;
  const data = new Float32Array(3 * plane);
  const fx = bw / width;
  const fy = bh / REC_HEIGHT;
  const src = image.data;
  const stride = image.width * 3;
  for (let y = 0; y < REC_HEIGHT; y++) {
    const syf = box.y0 + (y + 0.5) * fy - 0.5;
    const sy0 = clampInt(Math.floor(syf), 0, image.height - 1);
    const sy1 = clampInt(sy0 + 1, 0, image.height - 1);
    const wy = Math.min(1, Math.max(0, syf - sy0));
    for (let x = 0; x < width; x++) {
      const sxf = box.x0 + (x + 0.5) * fx - 0.5;
      const sx0 = clampInt(Math.floor(sxf), 0, image.width - 1);
      const sx1 = clampInt(sx0 + 1, 0, image.width - 1);
      const wx = Math.min(1, Math.max(0, sxf - sx0));
      const a = sy0 * stride + sx0 * 3;
      const b = sy0 * stride + sx1 * 3;
      const c = sy1 * stride + sx0 * 3;
      const d = sy1 * stride + sx1 * 3;
      const o = y * width + x;
      for (let ch = 0; ch < 3; ch++) {
        const v = (src[a + ch] * (1 - wx) + src[b + ch] * wx) * (1 - wy) + (src[c + ch] * (1 - wx) + src[d + ch] * wx) * wy;
        // ch is RGB; the model wants BGR planes.
        data[(2 - ch) * plane + o] = v / 127.5 - 1;
      }
    }
  }
  return { data, width };
}

/** Packs lines into one zero-padded batch: [n, 3, 48, maxWidth]. */
export function packBatch(lines: LineInput[]): { data: Float32Array; width: number } {
  let width = 0;
  for (const l of lines) width = Math.max(width, l.width);
  const plane = REC_HEIGHT * width;
  const data = new Float32Array(lines.length * 3 * plane);
  lines.forEach((line, i) => {
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < REC_HEIGHT; y++) {
        const from = c * REC_HEIGHT * line.width + y * line.width;
        data.set(line.data.subarray(from, from + line.width), i * 3 * plane + c * plane + y * width);
      }
    }
  });
  return { data, width };
}

/**
 * Greedy CTC decoding of one batch. probs: [n, steps, classes]; class 0 is the blank,
 * class k ≥ 1 is dictionary[k - 1]. Confidence is the mean max-probability of the kept steps.
 */
export function decodeCtc(probs: Float32Array, n: number, steps: number, classes: number, dictionary: readonly string[]): { text: string; confidence: number }[] {
  const out: { text: string; confidence: number }[] = [];
  for (let i = 0; i < n; i++) {
    let text = '';
    let confSum = 0;
    let kept = 0;
    let previous = -1;
    for (let t = 0; t < steps; t++) {
      const base = (i * steps + t) * classes;
      let best = 0;
      let bestP = probs[base];
      for (let k = 1; k < classes; k++) {
        const p = probs[base + k];
        if (p > bestP) { bestP = p; best = k; }
      }
      if (best !== 0 && best !== previous) {
        text += dictionary[best - 1] ?? '';
        confSum += bestP;
        kept++;
      }
      previous = best;
    }
    out.push({ text, confidence: kept ? confSum / kept : 0 });
  }
  return out;
}

function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
