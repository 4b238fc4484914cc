// k nearest neighbours by cosine similarity over sparse rows (TF-IDF rows are L2-normalised already;
// rows are normalised again here so any input works). A query's similarities to every training row
// come from an inverted index (column → training rows), so the cost is the postings its terms touch.
// The class scores are the (sample-weighted) votes of the k most similar rows — uniform or weighted
// by similarity — plus `smoothing`/k per class, normalised: scikit-learn's KNeighborsClassifier with
// metric='cosine' when smoothing is 0. Ties in similarity go to the earlier training row.
// A kNN model is its training rows, so their storage is the model's size: with valuePrecision
// 'float16' the normalised rows are rounded to half precision at fit (what is scored is exactly what
// is saved), and saved files keep column indices as delta varints.

import { EcommirError } from '../errors.js';
import { l2NormalizeRows, type CsrMatrix } from './csr.js';
import { argmaxRows, checkFitInput, checkPredictInput, notFitted, resolveSampleWeights, type FitOptions } from './head.js';
import { registerLearner, type Learner } from './learner.js';
import { checkOptions, stripUndefined, type OptionSchema } from './options.js';
import { f16round } from '@petamoriken/float16';
import { decodeDeltaVarint, decodeFloat16, decodeFloat32, decodeInt32, encodeDeltaVarint, encodeFloat16, encodeTypedArray, type EncodedTypedArray } from './typed-json.js';

export interface CosineKnnOptions {
  /** Neighbours that vote. Default 10. */
  k?: number;
  /** 'uniform' votes or votes weighted by similarity ('similarity', default). */
  weighting?: 'uniform' | 'similarity';
  /** Added to every class's vote share (in units of one neighbour) so no probability is exactly 0. Default 0. */
  smoothing?: number;
  /**
   * Precision of the stored training rows. 'float16' halves the values' share of the saved model; cosine
   * similarities move by about 1e-3 of their size. Default 'float32'.
   */
  valuePrecision?: 'float32' | 'float16';
  nClasses?: number;
}

const SCHEMA: OptionSchema = {
  k: { type: 'number', min: 1, integer: true, optional: true },
  weighting: { type: 'enum', values: ['uniform', 'similarity'], optional: true },
  smoothing: { type: 'number', min: 0, optional: true },
  valuePrecision: { type: 'enum', values: ['float32', 'float16'], optional: true },
  nClasses: { type: 'number', min: 1, integer: true, optional: true },
};

interface Fitted {
  nClasses: number;
  rows: CsrMatrix; // L2-normalised training rows
  labels: Int32Array;
  weights: Float32Array;
  // Inverted index: column j's postings are rowOf[colPtr[j]..colPtr[j+1]) with values valOf[...].
  colPtr: Int32Array;
  rowOf: Int32Array;
  valOf: Float32Array;
}

export class CosineKnn implements Learner {
  static readonly kind = 'CosineKnn';
  private readonly options: CosineKnnOptions;
  private fitted: Fitted | null = null;

  constructor(options: CosineKnnOptions = {}) {
    checkOptions(CosineKnn.kind, SCHEMA, options as Record<string, unknown>);
    this.options = { ...options };
  }

  getParams(): CosineKnnOptions {
    return { ...this.options };
  }

  get nClasses(): number {
    if (!this.fitted) throw notFitted(CosineKnn.kind);
    return this.fitted.nClasses;
  }

  fit(X: CsrMatrix, y: ArrayLike<number>, fitOptions: FitOptions = {}): this {
    const { labels, nClasses } = checkFitInput(CosineKnn.kind, X, y, this.options.nClasses);
    const weights = Float32Array.from(resolveSampleWeights(labels, nClasses, fitOptions));
    const rows = l2NormalizeRows(X);
    if (this.options.valuePrecision === 'float16') rows.values = rows.values.map(f16round);
    this.fitted = { nClasses, labels, weights, ...index(rows) };
    return this;
  }

  /** [n, k] neighbour vote shares. */
  predictProba(X: CsrMatrix): Float32Array {
    if (!this.fitted) throw notFitted(CosineKnn.kind);
    const f = this.fitted;
    checkPredictInput(CosineKnn.kind, X, f.rows.nCols);
    const Q = l2NormalizeRows(X);
    const k = f.nClasses;
    const nTrain = f.rows.nRows;
    const kNeighbours = Math.min(this.options.k ?? 10, nTrain);
    const bySimilarity = (this.options.weighting ?? 'similarity') === 'similarity';
    const smoothing = this.options.smoothing ?? 0;
    const out = new Float32Array(X.nRows * k);
    const sims = new Float64Array(nTrain);
    const seen = new Uint8Array(nTrain);
    const touched: number[] = [];
    for (let i = 0; i < Q.nRows; i++) {
      touched.length = 0;
      for (let p = Q.indptr[i]; p < Q.indptr[i + 1]; p++) {
        const j = Q.indices[p];
        const v = Q.values[p];
        for (let q = f.colPtr[j]; q < f.colPtr[j + 1]; q++) {
          const r = f.rowOf[q];
          if (!seen[r]) {
            seen[r] = 1;
            touched.push(r);
          }
          sims[r] += v * f.valOf[q];
        }
      }
      // Rows sharing no term have similarity 0; they still count as neighbours when fewer than k rows
      // overlap (as a dense cosine search would return them), in training order.
      const candidates = touched.slice().sort((a, b) => sims[b] - sims[a] || a - b);
      const chosen: number[] = candidates.slice(0, kNeighbours);
      if (chosen.length < kNeighbours) {
        const inChosen = new Set(chosen);
        for (let r = 0; r < nTrain && chosen.length < kNeighbours; r++) if (!inChosen.has(r)) chosen.push(r);
      }
      const votes = new Float64Array(k);
      for (const r of chosen) votes[f.labels[r]] += f.weights[r] * (bySimilarity ? Math.max(sims[r], 0) : 1);
      let total = 0;
      for (let c = 0; c < k; c++) total += votes[c];
      if (total === 0) {
        // No neighbour carries weight (all similarities 0): fall back to uniform votes of the chosen rows.
        for (const r of chosen) votes[f.labels[r]] += f.weights[r];
        total = votes.reduce((a, b) => a + b, 0);
      }
      const extra = smoothing / k;
      const denom = total + smoothing;
      for (let c = 0; c < k; c++) out[i * k + c] = denom > 0 ? (votes[c] + extra) / denom : 1 / k;
      for (const r of touched) {
        sims[r] = 0;
        seen[r] = 0;
      }
    }
    return out;
  }

  /** Log of the vote shares (floored at 1e-6): softmax of this gives back predictProba up to the floor. */
  decisionFunction(X: CsrMatrix): Float32Array {
    return this.predictProba(X).map((p) => Math.log(Math.max(p, 1e-6)));
  }

  predict(X: CsrMatrix): Int32Array {
    return argmaxRows(this.predictProba(X), X.nRows, this.nClasses);
  }

  toJSON(): CosineKnnJson {
    if (!this.fitted) throw notFitted(CosineKnn.kind);
    const f = this.fitted;
    return {
      kind: CosineKnn.kind,
      version: 2,
      options: this.getParams(),
      fitted: {
        nClasses: f.nClasses,
        nRows: f.rows.nRows,
        nCols: f.rows.nCols,
        indptr: encodeTypedArray(f.rows.indptr),
        indices: encodeDeltaVarint(f.rows.indices),
        values: this.options.valuePrecision === 'float16' ? encodeFloat16(f.rows.values) : encodeTypedArray(f.rows.values),
        labels: encodeTypedArray(f.labels),
        weights: encodeTypedArray(f.weights),
      },
    };
  }

  static fromJSON(json: CosineKnnJson): CosineKnn {
    // Version 1 files (four-byte indices and values) still load.
    if (!json || json.kind !== CosineKnn.kind || (json.version !== 1 && json.version !== 2) || !json.fitted) throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${CosineKnn.kind} (version 1 or 2)`);
    const model = new CosineKnn(stripUndefined(json.options));
    const j = json.fitted;
    const rows: CsrMatrix = {
      nRows: j.nRows,
      nCols: j.nCols,
      indptr: decodeInt32(j.indptr, `${CosineKnn.kind}.indptr`),
      indices: json.version === 1 ? decodeInt32(j.indices, `${CosineKnn.kind}.indices`) : decodeDeltaVarint(j.indices, `${CosineKnn.kind}.indices`),
      values: j.values?.dtype === 'f16' ? decodeFloat16(j.values, `${CosineKnn.kind}.values`) : decodeFloat32(j.values, `${CosineKnn.kind}.values`),
    };
    const labels = decodeInt32(j.labels, `${CosineKnn.kind}.labels`);
    const weights = decodeFloat32(j.weights, `${CosineKnn.kind}.weights`);
    const nnz = rows.indices.length;
    for (let p = 0; p < nnz; p++) {
      if (rows.indices[p] < 0 || rows.indices[p] >= rows.nCols) throw new EcommirError('ECM_ERR_BAD_JSON', `${CosineKnn.kind}: column ${rows.indices[p]} outside [0, ${rows.nCols})`);
    }
    if (labels.length !== rows.nRows || weights.length !== rows.nRows || rows.indptr.length !== rows.nRows + 1 || rows.values.length !== nnz || rows.indptr[rows.nRows] !== nnz) throw new EcommirError('ECM_ERR_BAD_JSON', `${CosineKnn.kind}: row counts disagree`);
    model.fitted = { nClasses: j.nClasses, labels, weights, ...index(rows) };
    return model;
  }
}

function index(rows: CsrMatrix): { rows: CsrMatrix; colPtr: Int32Array; rowOf: Int32Array; valOf: Float32Array } {
  const colPtr = new Int32Array(rows.nCols + 1);
  for (let p = 0; p < rows.indices.length; p++) colPtr[rows.indices[p] + 1]++;
  for (let j = 0; j < rows.nCols; j++) colPtr[j + 1] += colPtr[j];
  const fill = colPtr.slice(0, rows.nCols);
  const rowOf = new Int32Array(rows.indices.length);
  const valOf = new Float32Array(rows.indices.length);
  for (let r = 0; r < rows.nRows; r++) {
    for (let p = rows.indptr[r]; p < rows.indptr[r + 1]; p++) {
      const at = fill[rows.indices[p]]++;
      rowOf[at] = r;
      valOf[at] = rows.values[p];
    }
  }
  return { rows, colPtr, rowOf, valOf };
}

export interface CosineKnnJson {
  kind: 'CosineKnn';
  version: 1 | 2;
  options: CosineKnnOptions;
  fitted: { nClasses: number; nRows: number; nCols: number; indptr: EncodedTypedArray; indices: EncodedTypedArray; values: EncodedTypedArray; labels: EncodedTypedArray; weights: EncodedTypedArray };
}

registerLearner(CosineKnn);
