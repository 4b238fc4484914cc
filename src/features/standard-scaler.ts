// scikit-learn's StandardScaler for dense feature blocks (layout vectors): per column (x − mean) / std,
// fitted on training rows only; constant columns get std 1 so they map to 0 instead of NaN.
import { EcommirError } from '../errors.js';
import { decodeFloat32, encodeTypedArray, type EncodedTypedArray } from '../learn/typed-json.js';

export interface StandardScalerJson {
  kind: 'StandardScaler';
  version: 1;
  mean: EncodedTypedArray;
  scale: EncodedTypedArray;
}

export class StandardScaler {
  private fitted: { mean: Float32Array; scale: Float32Array } | null = null;

  get nFeatures(): number {
    if (!this.fitted) throw new EcommirError('ECM_ERR_NOT_FITTED', 'StandardScaler is not fitted yet');
    return this.fitted.mean.length;
  }

  fit(rows: readonly Float32Array[]): this {
    if (rows.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', 'StandardScaler: cannot fit on zero rows');
    const d = rows[0].length;
    const mean = new Float64Array(d);
    const sq = new Float64Array(d);
    for (const [i, r] of rows.entries()) {
      if (r.length !== d) throw new EcommirError('ECM_ERR_BAD_OPTION', `StandardScaler: row ${i} has ${r.length} values, row 0 has ${d}`);
      for (let j = 0; j < d; j++) mean[j] += r[j];
    }
    for (let j = 0; j < d; j++) mean[j] /= rows.length;
    for (const r of rows) for (let j = 0; j < d; j++) sq[j] += (r[j] - mean[j]) ** 2;
    const scale = Float32Array.from(sq, (s) => {
      const std = Math.sqrt(s / rows.length);
      return std > 1e-12 ? std : 1;
    });
    this.fitted = { mean: Float32Array.from(mean), scale };
    return this;
  }

  /** [rows, d] row-major, scaled. */
  transform(rows: readonly Float32Array[]): Float32Array {
    const d = this.nFeatures;
    const { mean, scale } = this.fitted!;
    const out = new Float32Array(rows.length * d);
    rows.forEach((r, i) => {
      if (r.length !== d) throw new EcommirError('ECM_ERR_BAD_OPTION', `StandardScaler: row ${i} has ${r.length} values, expected ${d}`);
      for (let j = 0; j < d; j++) out[i * d + j] = (r[j] - mean[j]) / scale[j];
    });
    return out;
  }

  toJSON(): StandardScalerJson {
    if (!this.fitted) throw new EcommirError('ECM_ERR_NOT_FITTED', 'StandardScaler is not fitted yet');
    const { mean, scale } = this.fitted;
    return { kind: 'StandardScaler', version: 1, mean: encodeTypedArray(mean), scale: encodeTypedArray(scale) };
  }

  static fromJSON(json: StandardScalerJson): StandardScaler {
    if (json?.kind !== 'StandardScaler' || json.version !== 1) throw new EcommirError('ECM_ERR_BAD_JSON', 'expected a saved StandardScaler (version 1)');
    const s = new StandardScaler();
    s.fitted = { mean: decodeFloat32(json.mean, 'StandardScaler.mean'), scale: decodeFloat32(json.scale, 'StandardScaler.scale') };
    return s;
  }
}

/** Rows scaled to unit L2 norm (embeddings), [rows, d] row-major. */
export function l2NormalisedRows(rows: readonly Float32Array[]): Float32Array {
  const d = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    let n = 0;
    for (let j = 0; j < d; j++) n += r[j] * r[j];
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let j = 0; j < d; j++) out[i * d + j] = r[j] * inv;
  });
  return out;
}
