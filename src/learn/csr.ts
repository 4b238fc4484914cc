// Compressed sparse row matrices: the one input format every head takes. Text views give tens of
// thousands of sparse columns, dense features (layout, embeddings) are just full rows, and both
// fuse into one matrix by a weighted horizontal stack.

import { EcommirError } from '../errors.js';

export interface CsrMatrix {
  nRows: number;
  nCols: number;
  /** [nRows + 1]: row r's entries are at indptr[r] .. indptr[r+1]-1. */
  indptr: Int32Array;
  /** [nnz]: column of each entry, increasing within a row. */
  indices: Int32Array;
  /** [nnz]: value of each entry. */
  values: Float32Array;
}

/** One sparse row: parallel column indices and values (any order; duplicates are summed). */
export interface SparseRow {
  indices: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** Builds a CSR matrix from sparse rows; sorts columns, sums duplicates, drops exact zeros. */
export function csrFromRows(rows: readonly SparseRow[], nCols: number): CsrMatrix {
  const indptr = new Int32Array(rows.length + 1);
  const colsOut: number[] = [];
  const valsOut: number[] = [];
  rows.forEach((row, r) => {
    if (row.indices.length !== row.values.length) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `sparse row has ${row.indices.length} indices but ${row.values.length} values`, { item: { index: r } });
    }
    const order = Array.from({ length: row.indices.length }, (_, k) => k).sort((a, b) => row.indices[a] - row.indices[b]);
    let lastCol = -1;
    for (const k of order) {
      const col = row.indices[k];
      if (!Number.isInteger(col) || col < 0 || col >= nCols) {
        throw new EcommirError('ECM_ERR_BAD_OPTION', `column ${col} outside [0, ${nCols})`, { item: { index: r } });
      }
      const value = row.values[k];
      if (!Number.isFinite(value)) {
        throw new EcommirError('ECM_ERR_BAD_OPTION', `non-finite value at column ${col}`, { item: { index: r } });
      }
      if (col === lastCol) valsOut[valsOut.length - 1] += value;
      else {
        colsOut.push(col);
        valsOut.push(value);
        lastCol = col;
      }
    }
    // Remove entries that summed to zero so nnz stays honest.
    const start = indptr[r];
    let write = start;
    for (let k = start; k < colsOut.length; k++) {
      if (valsOut[k] !== 0) {
        colsOut[write] = colsOut[k];
        valsOut[write] = valsOut[k];
        write++;
      }
    }
    colsOut.length = write;
    valsOut.length = write;
    indptr[r + 1] = write;
  });
  return { nRows: rows.length, nCols, indptr, indices: Int32Array.from(colsOut), values: Float32Array.from(valsOut) };
}

/** Dense row-major block [nRows, nCols] as CSR (zeros dropped). */
export function csrFromDense(data: ArrayLike<number>, nRows: number, nCols: number): CsrMatrix {
  if (data.length !== nRows * nCols) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `dense block has ${data.length} values, expected ${nRows}×${nCols}`);
  }
  const indptr = new Int32Array(nRows + 1);
  let nnz = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) nnz++;
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) {
      const v = data[r * nCols + c];
      if (!Number.isFinite(v)) {
        throw new EcommirError('ECM_ERR_BAD_OPTION', `non-finite value at column ${c}`, { item: { index: r } });
      }
      if (v !== 0) {
        indices[k] = c;
        values[k] = v;
        k++;
      }
    }
    indptr[r + 1] = k;
  }
  return { nRows, nCols, indptr, indices, values };
}

/** Dense row-major copy [nRows, nCols]; for tests and small matrices. */
export function csrToDense(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.nRows * m.nCols);
  for (let r = 0; r < m.nRows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) out[r * m.nCols + m.indices[k]] += m.values[k];
  }
  return out;
}

/** A block for hstack: a CSR matrix, or a dense row-major block, each scaled by `weight` (default 1). */
export type HstackBlock =
  | { kind?: 'csr'; matrix: CsrMatrix; weight?: number }
  | { kind: 'dense'; data: ArrayLike<number>; nCols: number; weight?: number };

/** Concatenates blocks column-wise (all must have the same row count), multiplying each by its weight. */
export function hstack(blocks: readonly HstackBlock[]): CsrMatrix {
  if (blocks.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', 'hstack needs at least one block');
  const mats = blocks.map((b) => (b.kind === 'dense' ? csrFromDense(b.data, b.data.length / b.nCols, b.nCols) : b.matrix));
  const nRows = mats[0].nRows;
  mats.forEach((m, i) => {
    if (m.nRows !== nRows) throw new EcommirError('ECM_ERR_BAD_OPTION', `hstack block ${i} has ${m.nRows} rows, expected ${nRows}`);
  });
  let nCols = 0;
  let nnz = 0;
  for (const m of mats) {
    nCols += m.nCols;
    nnz += m.indptr[m.nRows];
  }
  const indptr = new Int32Array(nRows + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  for (let r = 0; r < nRows; r++) {
    let offset = 0;
    mats.forEach((m, b) => {
      const w = blocks[b].weight ?? 1;
      for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) {
        indices[k] = m.indices[j] + offset;
        values[k] = m.values[j] * w;
        k++;
      }
      offset += m.nCols;
    });
    indptr[r + 1] = k;
  }
  return { nRows, nCols, indptr, indices, values };
}

/** Returns a copy with every non-zero row scaled to unit L2 norm. */
export function l2NormalizeRows(m: CsrMatrix): CsrMatrix {
  const values = new Float32Array(m.values.length);
  for (let r = 0; r < m.nRows; r++) {
    let sq = 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) sq += m.values[k] * m.values[k];
    const scale = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) values[k] = m.values[k] * scale;
  }
  return { nRows: m.nRows, nCols: m.nCols, indptr: m.indptr.slice(), indices: m.indices.slice(), values };
}

/** The rows at `rowIndices`, in that order (indices may repeat). */
export function sliceRows(m: CsrMatrix, rowIndices: ArrayLike<number>): CsrMatrix {
  let nnz = 0;
  for (let i = 0; i < rowIndices.length; i++) {
    const r = rowIndices[i];
    if (!Number.isInteger(r) || r < 0 || r >= m.nRows) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `row ${r} outside [0, ${m.nRows})`, { item: { index: i } });
    }
    nnz += m.indptr[r + 1] - m.indptr[r];
  }
  const indptr = new Int32Array(rowIndices.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  for (let i = 0; i < rowIndices.length; i++) {
    const r = rowIndices[i];
    const start = m.indptr[r];
    const end = m.indptr[r + 1];
    indices.set(m.indices.subarray(start, end), k);
    values.set(m.values.subarray(start, end), k);
    k += end - start;
    indptr[i + 1] = k;
  }
  return { nRows: rowIndices.length, nCols: m.nCols, indptr, indices, values };
}

/** Throws unless `m` is structurally valid (used at head boundaries, where bad input must be named). */
export function assertCsr(m: CsrMatrix, what = 'matrix'): void {
  const ok =
    m &&
    m.indptr instanceof Int32Array &&
    m.indices instanceof Int32Array &&
    m.values instanceof Float32Array &&
    m.indptr.length === m.nRows + 1 &&
    m.indptr[0] === 0 &&
    m.indptr[m.nRows] === m.indices.length &&
    m.indices.length === m.values.length;
  if (!ok) throw new EcommirError('ECM_ERR_BAD_OPTION', `${what} is not a valid CSR matrix`);
  for (let r = 0; r < m.nRows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
      const c = m.indices[k];
      if (c < 0 || c >= m.nCols) throw new EcommirError('ECM_ERR_BAD_OPTION', `${what}: column ${c} outside [0, ${m.nCols})`, { item: { index: r } });
      if (!Number.isFinite(m.values[k])) throw new EcommirError('ECM_ERR_BAD_OPTION', `${what}: non-finite value at column ${c}`, { item: { index: r } });
    }
  }
}
