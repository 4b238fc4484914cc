// The adapters trained on cached CLIP embeddings, mirroring the paper's Table 1 (which side of the
// dual encoder is tuned) without back-propagating into the encoders:
//   image: a low-rank residual adapter on the image embedding, u = x̂ + B·A·x̂ (B starts at zero, so
//          training starts exactly at zero-shot), label embeddings frozen;
//   text:  the label embeddings T themselves tuned (initialised from the zero-shot prompts), image side frozen;
//   joint: both.
// Scores: z_c = s · cos(u, t_c) + b_c, with s the model's logit scale and b a per-class bias (tuned in
// every mode). All modes share one parameter layout and one initialisation, so checkpoints can be souped.
//
// Parameter layout (one flat vector): [A: r×D | B: D×r | T: k×D | b: k], row-major.
import { EcommirError } from '../../errors.js';
import { createRng } from '../../learn/random.js';

export type AdapterMode = 'image' | 'text' | 'joint';
export const ADAPTER_MODES: readonly AdapterMode[] = ['image', 'text', 'joint'];

export interface AdapterShape {
  nClasses: number; // k
  dim: number; // D
  rank: number; // r
}

export function parameterCount(s: AdapterShape): number {
  return 2 * s.rank * s.dim + s.nClasses * s.dim + s.nClasses;
}

/** Offsets of the blocks in the flat vector. */
export function adapterLayout(s: AdapterShape): { A: number; B: number; T: number; b: number; end: number } {
  const A = 0;
  const B = A + s.rank * s.dim;
  const T = B + s.dim * s.rank;
  const b = T + s.nClasses * s.dim;
  return { A, B, T, b, end: b + s.nClasses };
}

/** The shared initialisation: A small random (seeded), B = 0, T = zero-shot label embeddings, b = 0. */
export function initialAdapter(shape: AdapterShape, labelEmbeddings: Float32Array, seed: number): Float64Array {
  const { dim, rank, nClasses } = shape;
  if (labelEmbeddings.length !== nClasses * dim) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `label embeddings have ${labelEmbeddings.length} values, expected ${nClasses}×${dim}`);
  }
  const at = adapterLayout(shape);
  const params = new Float64Array(at.end);
  const rng = createRng(seed);
  const scale = 1 / Math.sqrt(dim);
  for (let i = 0; i < rank * dim; i++) params[at.A + i] = rng.normal() * scale;
  params.set(labelEmbeddings, at.T);
  return params;
}

/** Which entries a mode trains (1) or freezes (0). */
export function trainableMask(shape: AdapterShape, mode: AdapterMode): Uint8Array {
  const at = adapterLayout(shape);
  const mask = new Uint8Array(at.end);
  if (mode === 'image' || mode === 'joint') mask.fill(1, at.A, at.T);
  if (mode === 'text' || mode === 'joint') mask.fill(1, at.T, at.b);
  mask.fill(1, at.b, at.end);
  return mask;
}

/**
 * Logits [n, k] for unit image embeddings X [n, D]. When `grad` is given, also accumulates into it the
 * gradient of the weighted mean cross-entropy for labels y (weights w, default 1), and returns the loss.
 */
export function adapterForward(
  params: ArrayLike<number>,
  shape: AdapterShape,
  scale: number,
  X: Float32Array, // [n, D], rows unit length
  n: number,
  target?: { y: Int32Array; rows: ArrayLike<number>; grad: Float64Array },
): { logits: Float32Array; loss: number } {
  const { dim: D, rank: r, nClasses: k } = shape;
  const at = adapterLayout(shape);
  // Unit label embeddings t̂ [k, D] and their norms.
  const tHat = new Float64Array(k * D);
  const tNorm = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += params[at.T + c * D + j] ** 2;
    tNorm[c] = Math.sqrt(s) || 1;
    for (let j = 0; j < D; j++) tHat[c * D + j] = params[at.T + c * D + j] / tNorm[c];
  }
  const rows = target ? target.rows : { length: n };
  const m = rows.length;
  const logits = new Float32Array(m * k); // [m, k]
  const h = new Float64Array(r);
  const u = new Float64Array(D);
  const z = new Float64Array(k);
  const dU = new Float64Array(D);
  const dH = new Float64Array(r);
  const dTHat = target ? new Float64Array(k * D) : null;
  let loss = 0;
  for (let i = 0; i < m; i++) {
    const row = target ? target.rows[i] : i;
    const x = X.subarray(row * D, (row + 1) * D);
    // h = A x̂ ; u = x̂ + B h ; û = u / |u|
    for (let q = 0; q < r; q++) {
      let s = 0;
      const off = at.A + q * D;
      for (let j = 0; j < D; j++) s += params[off + j] * x[j];
      h[q] = s;
    }
    let un = 0;
    for (let j = 0; j < D; j++) {
      let s = x[j];
      const off = at.B + j * r;
      for (let q = 0; q < r; q++) s += params[off + q] * h[q];
      u[j] = s;
      un += s * s;
    }
    un = Math.sqrt(un) || 1;
    for (let j = 0; j < D; j++) u[j] /= un; // u now holds û
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += u[j] * tHat[c * D + j];
      z[c] = scale * s + params[at.b + c];
      logits[i * k + c] = z[c];
      if (z[c] > max) max = z[c];
    }
    if (!target || !dTHat) continue;
    let sum = 0;
    for (let c = 0; c < k; c++) sum += (z[c] = Math.exp(z[c] - max));
    const yi = target.y[row];
    loss -= Math.log(Math.max(z[yi] / sum, 1e-300)) / m;
    // dz = (p - onehot) / m
    const grad = target.grad;
    dU.fill(0);
    for (let c = 0; c < k; c++) {
      const g = (z[c] / sum - (c === yi ? 1 : 0)) / m;
      grad[at.b + c] += g;
      const gs = g * scale;
      for (let j = 0; j < D; j++) {
        dU[j] += gs * tHat[c * D + j];
        dTHat[c * D + j] += gs * u[j];
      }
    }
    // Through the normalisation: du = (dû − û (û·dû)) / |u|
    let proj = 0;
    for (let j = 0; j < D; j++) proj += u[j] * dU[j];
    for (let j = 0; j < D; j++) dU[j] = (dU[j] - u[j] * proj) / un;
    // dB = du ⊗ h ; dh = Bᵀ du ; dA = dh ⊗ x̂
    dH.fill(0);
    for (let j = 0; j < D; j++) {
      const off = at.B + j * r;
      for (let q = 0; q < r; q++) {
        grad[off + q] += dU[j] * h[q];
        dH[q] += params[off + q] * dU[j];
      }
    }
    for (let q = 0; q < r; q++) {
      const off = at.A + q * D;
      for (let j = 0; j < D; j++) grad[off + j] += dH[q] * x[j];
    }
  }
  if (target && dTHat) {
    // dT_c = (dt̂_c − t̂_c (t̂_c·dt̂_c)) / |t_c|
    for (let c = 0; c < k; c++) {
      let proj = 0;
      for (let j = 0; j < D; j++) proj += tHat[c * D + j] * dTHat[c * D + j];
      for (let j = 0; j < D; j++) target.grad[at.T + c * D + j] += (dTHat[c * D + j] - tHat[c * D + j] * proj) / tNorm[c];
    }
  }
  return { logits, loss };
}
