// Image augmentation on RawImage (interleaved RGB), deterministic given a seed.
// - TrivialAugment (Müller & Hutter 2021) with torchvision's TrivialAugmentWide magnitudes: one op,
//   one strength drawn uniformly from 31 bins, a random sign for signed ops. Pixel ops follow PIL's
//   ImageEnhance/ImageOps definitions; geometric ops fill with black as torchvision does.
//   Translation is a fraction of the side (32/224, torchvision's 32 px on a 224 input), because our
//   images are screenshots of ~1000 px and an absolute 32 px would be no change at all.
// - The paper's e-commerce augmentation: random horizontal flip, small rotation, brightness and
//   contrast jitter, gaussian noise and a random crop.
import sharp from 'sharp';
import type { RawImage } from './decode.js';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TRIVIAL_AUGMENT_OPS = [
  'identity', 'shearX', 'shearY', 'translateX', 'translateY', 'rotate', 'brightness', 'color',
  'contrast', 'sharpness', 'posterize', 'solarize', 'autoContrast', 'equalize',
] as const;
export type TrivialOp = (typeof TRIVIAL_AUGMENT_OPS)[number];

const BINS = 31;
const linspace = (lo: number, hi: number, i: number) => lo + ((hi - lo) * i) / (BINS - 1);

/** Applies one op at magnitude bin 0..30 with sign ±1 (ignored by unsigned ops). */
export function applyTrivialOp(image: RawImage, op: TrivialOp, bin: number, sign: 1 | -1 = 1): RawImage {
  const b = Math.max(0, Math.min(BINS - 1, Math.round(bin)));
  switch (op) {
    case 'identity': return copy(image);
    case 'shearX': return affine(image, [1, sign * linspace(0, 0.99, b), 0, 0, 1, 0]);
    case 'shearY': return affine(image, [1, 0, 0, sign * linspace(0, 0.99, b), 1, 0]);
    case 'translateX': return affine(image, [1, 0, sign * linspace(0, 32 / 224, b) * image.width, 0, 1, 0]);
    case 'translateY': return affine(image, [1, 0, 0, 0, 1, sign * linspace(0, 32 / 224, b) * image.height]);
    case 'rotate': return rotate(image, sign * linspace(0, 135, b));
    case 'brightness': return brightness(image, 1 + sign * linspace(0, 0.99, b));
    case 'color': return colour(image, 1 + sign * linspace(0, 0.99, b));
    case 'contrast': return contrast(image, 1 + sign * linspace(0, 0.99, b));
    case 'sharpness': return sharpness(image, 1 + sign * linspace(0, 0.99, b));
    case 'posterize': return posterize(image, 8 - Math.round(b / ((BINS - 1) / 6)));
    case 'solarize': return solarize(image, linspace(255, 0, b));
    case 'autoContrast': return autoContrast(image);
    case 'equalize': return equalize(image);
  }
}

export interface AugmentResult {
  image: RawImage;
  op: TrivialOp;
  bin: number;
  sign: 1 | -1;
}

/** TrivialAugmentWide: one uniformly chosen op at a uniformly chosen strength. */
export function trivialAugment(image: RawImage, seed: number): AugmentResult {
  const rand = seededRandom(seed);
  const op = TRIVIAL_AUGMENT_OPS[Math.floor(rand() * TRIVIAL_AUGMENT_OPS.length)];
  const bin = Math.floor(rand() * BINS);
  const sign: 1 | -1 = rand() < 0.5 ? -1 : 1;
  return { image: applyTrivialOp(image, op, bin, sign), op, bin, sign };
}

/** Side augmented copies are made at: what the embedding network sees is 224 px anyway. */
export const AUGMENT_SIDE = 448;

/** A TrivialAugment copy for embedding: downscaled to AUGMENT_SIDE first (pixel ops on 2.6 MP are slow). */
export async function trivialAugmentCopy(image: RawImage, seed: number): Promise<RawImage> {
  return trivialAugment(await fitInside(image, AUGMENT_SIDE), seed).image;
}

export interface EcommerceAugmentOptions {
  flipProbability: number;
  /** Max rotation, degrees either way. */
  maxRotation: number;
  /** Brightness and contrast factors drawn from [1 - j, 1 + j]. */
  brightnessJitter: number;
  contrastJitter: number;
  /** Gaussian noise standard deviation drawn from [0, maxNoise], in 0..255 units. */
  maxNoise: number;
  /** The crop keeps a fraction of each side drawn from [minCropSide, 1]. */
  minCropSide: number;
}

export const DEFAULT_ECOMMERCE_AUGMENT: Readonly<EcommerceAugmentOptions> = Object.freeze({
  flipProbability: 0.5,
  maxRotation: 10,
  brightnessJitter: 0.2,
  contrastJitter: 0.2,
  maxNoise: 8,
  minCropSide: 0.85,
});

/** The paper's augmentation chain: crop, flip, rotate, brightness, contrast, noise. */
export function ecommerceAugment(image: RawImage, seed: number, options: Partial<EcommerceAugmentOptions> = {}): RawImage {
  const o = { ...DEFAULT_ECOMMERCE_AUGMENT, ...options };
  const rand = seededRandom(seed);
  const side = o.minCropSide + (1 - o.minCropSide) * rand();
  const cw = Math.max(1, Math.round(image.width * side));
  const ch = Math.max(1, Math.round(image.height * side));
  let out = crop(image, Math.floor(rand() * (image.width - cw + 1)), Math.floor(rand() * (image.height - ch + 1)), cw, ch);
  if (rand() < o.flipProbability) out = flipHorizontal(out);
  out = rotate(out, (rand() * 2 - 1) * o.maxRotation);
  out = brightness(out, 1 + (rand() * 2 - 1) * o.brightnessJitter);
  out = contrast(out, 1 + (rand() * 2 - 1) * o.contrastJitter);
  return gaussianNoise(out, rand() * o.maxNoise, rand);
}

// ---- the ops ----

function copy(image: RawImage): RawImage {
  return { data: image.data.slice(), width: image.width, height: image.height };
}

function mapPixels(image: RawImage, f: (v: number, i: number) => number): RawImage {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = clampByte(f(image.data[i], i));
  return { data: out, width: image.width, height: image.height };
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** PIL ImageEnhance: blend(degenerate, image, factor) = degenerate + factor·(image − degenerate). */
function blend(image: RawImage, degenerate: Uint8Array | number, factor: number): RawImage {
  return mapPixels(image, (v, i) => {
    const d = typeof degenerate === 'number' ? degenerate : degenerate[i];
    return d + factor * (v - d);
  });
}

export function brightness(image: RawImage, factor: number): RawImage {
  return blend(image, 0, factor);
}

function grey(image: RawImage): Uint8Array {
  const out = new Uint8Array(image.data.length); // [h, w, 3], the luma repeated
  for (let p = 0; p < out.length; p += 3) {
    const l = clampByte(0.299 * image.data[p] + 0.587 * image.data[p + 1] + 0.114 * image.data[p + 2]);
    out[p] = out[p + 1] = out[p + 2] = l;
  }
  return out;
}

export function colour(image: RawImage, factor: number): RawImage {
  return blend(image, grey(image), factor);
}

export function contrast(image: RawImage, factor: number): RawImage {
  const g = grey(image);
  let sum = 0;
  for (let p = 0; p < g.length; p += 3) sum += g[p];
  return blend(image, Math.round(sum / (g.length / 3)), factor);
}

/** PIL's SMOOTH kernel [[1,1,1],[1,5,1],[1,1,1]]/13 as the degenerate; borders stay as they are. */
export function sharpness(image: RawImage, factor: number): RawImage {
  const { width: w, height: h, data } = image;
  const smooth = data.slice();
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 4 * data[(y * w + x) * 3 + c];
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += data[((y + dy) * w + x + dx) * 3 + c];
        smooth[(y * w + x) * 3 + c] = clampByte(s / 13);
      }
    }
  }
  return blend(image, smooth, factor);
}

export function posterize(image: RawImage, bits: number): RawImage {
  const mask = (0xff << (8 - Math.max(1, Math.min(8, bits)))) & 0xff;
  return mapPixels(image, (v) => v & mask);
}

export function solarize(image: RawImage, threshold: number): RawImage {
  return mapPixels(image, (v) => (v >= threshold ? 255 - v : v));
}

export function autoContrast(image: RawImage): RawImage {
  const lo = [255, 255, 255];
  const hi = [0, 0, 0];
  for (let i = 0; i < image.data.length; i++) {
    const c = i % 3;
    if (image.data[i] < lo[c]) lo[c] = image.data[i];
    if (image.data[i] > hi[c]) hi[c] = image.data[i];
  }
  return mapPixels(image, (v, i) => {
    const c = i % 3;
    return hi[c] > lo[c] ? ((v - lo[c]) * 255) / (hi[c] - lo[c]) : v;
  });
}

/** PIL ImageOps.equalize, per channel. */
export function equalize(image: RawImage): RawImage {
  const luts: Uint8Array[] = [];
  const n = image.width * image.height;
  for (let c = 0; c < 3; c++) {
    const hist = new Uint32Array(256);
    for (let p = c; p < image.data.length; p += 3) hist[image.data[p]]++;
    const lut = new Uint8Array(256);
    let last = 255;
    while (last > 0 && hist[last] === 0) last--;
    const step = Math.floor((n - hist[last]) / 255);
    if (step === 0) {
      for (let i = 0; i < 256; i++) lut[i] = i;
    } else {
      let acc = Math.floor(step / 2);
      for (let i = 0; i < 256; i++) {
        lut[i] = Math.min(255, Math.floor(acc / step));
        acc += hist[i];
      }
    }
    luts.push(lut);
  }
  return mapPixels(image, (v, i) => luts[i % 3][v]);
}

/**
 * Affine warp about the image centre (torchvision's convention), bilinear, black fill.
 * m = [a, b, tx, c, d, ty] maps output→input offsets: in = A·(out − centre) + centre − t.
 */
function affine(image: RawImage, m: [number, number, number, number, number, number]): RawImage {
  const { width: w, height: h, data } = image;
  const [a, b, tx, c, d, ty] = m;
  const out = new Uint8Array(data.length);
  const cx = w / 2;
  const cy = h / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ox = x + 0.5 - cx;
      const oy = y + 0.5 - cy;
      const sx = a * ox + b * oy + cx - tx - 0.5;
      const sy = c * ox + d * oy + cy - ty - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      for (let ch = 0; ch < 3; ch++) {
        const px = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= w || yy >= h ? 0 : data[(yy * w + xx) * 3 + ch]);
        const v = (px(x0, y0) * (1 - fx) + px(x0 + 1, y0) * fx) * (1 - fy) + (px(x0, y0 + 1) * (1 - fx) + px(x0 + 1, y0 + 1) * fx) * fy;
        out[(y * w + x) * 3 + ch] = clampByte(v);
      }
    }
  }
  return { data: out, width: w, height: h };
}

/** Counter-clockwise by `degrees` (PIL/torchvision sign), same canvas size. */
export function rotate(image: RawImage, degrees: number): RawImage {
  if (degrees === 0) return copy(image);
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  // inverse of a counter-clockwise rotation in image coordinates (y down)
  return affine(image, [cos, -sin, 0, sin, cos, 0]);
}

export function flipHorizontal(image: RawImage): RawImage {
  const { width: w, height: h, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const from = (y * w + x) * 3;
      const to = (y * w + (w - 1 - x)) * 3;
      out[to] = data[from];
      out[to + 1] = data[from + 1];
      out[to + 2] = data[from + 2];
    }
  }
  return { data: out, width: w, height: h };
}

export function crop(image: RawImage, left: number, top: number, width: number, height: number): RawImage {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    out.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { data: out, width, height };
}

/** Adds N(0, sigma²) noise per value, from the given uniform source (Box–Muller). */
export function gaussianNoise(image: RawImage, sigma: number, rand: () => number): RawImage {
  if (sigma <= 0) return copy(image);
  return mapPixels(image, (v) => {
    const u = Math.max(rand(), 1e-12);
    return v + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  });
}

async function fitInside(image: RawImage, side: number): Promise<RawImage> {
  if (Math.max(image.width, image.height) <= side) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(side, side, { fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
