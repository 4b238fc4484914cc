// TF-IDF over token lists, matching scikit-learn's TfidfVectorizer given the same tokens:
// vocabulary sorted by term, min_df/max_df (counts if ≥ 1 as integers, else fractions),
// max_features by corpus frequency, idf = ln((1+n)/(1+df)) + 1 when smooth, sublinear tf = 1 + ln tf,
// rows L2-normalised.

import { EcommirError } from '../../errors.js';
import { csrFromRows, type CsrMatrix } from '../../learn/csr.js';
import { checkOptions, type OptionSchema } from '../../learn/options.js';
import { decodeFloat64, encodeTypedArray, type EncodedTypedArray } from '../../learn/typed-json.js';

export interface TfidfOptions {
  /** Keep terms in at least this many documents (≥ 1) or this fraction of them (< 1). Default 1. */
  minDf?: number;
  /** Drop terms in more than this fraction of documents (≤ 1) or this many (> 1). Default 1 (keep all). */
  maxDf?: number;
  /** Keep only the most frequent terms (by total count). */
  maxFeatures?: number;
  sublinearTf?: boolean;
  smoothIdf?: boolean;
  useIdf?: boolean;
  norm?: 'l2' | 'none';
}

const SCHEMA: OptionSchema = {
  minDf: { type: 'number', min: 0, exclusiveMin: true, optional: true },
  maxDf: { type: 'number', min: 0, exclusiveMin: true, optional: true },
  maxFeatures: { type: 'number', min: 1, integer: true, optional: true },
  sublinearTf: { type: 'boolean', optional: true },
  smoothIdf: { type: 'boolean', optional: true },
  useIdf: { type: 'boolean', optional: true },
  norm: { type: 'enum', values: ['l2', 'none'], optional: true },
};

interface Fitted {
  vocabulary: Map<string, number>;
  terms: string[]; // [nTerms], column order
  idf: Float64Array; // [nTerms]
}

export class TfidfVectorizer {
  static readonly kind = 'TfidfVectorizer';
  private readonly options: TfidfOptions;
  private fitted: Fitted | null = null;

  constructor(options: TfidfOptions = {}) {
    checkOptions(TfidfVectorizer.kind, SCHEMA, options as Record<string, unknown>);
    this.options = { ...options };
  }

  getParams(): TfidfOptions {
    return { ...this.options };
  }

  get vocabularySize(): number {
    if (!this.fitted) throw notFitted();
    return this.fitted.terms.length;
  }

  /** Terms in column order. */
  get terms(): readonly string[] {
    if (!this.fitted) throw notFitted();
    return this.fitted.terms;
  }

  get idf(): Float64Array {
    if (!this.fitted) throw notFitted();
    return this.fitted.idf.slice();
  }

  fit(docs: readonly (readonly string[])[]): this {
    checkDocs(docs);
    const n = docs.length;
    const df = new Map<string, number>();
    const total = new Map<string, number>();
    for (const doc of docs) {
      for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1);
      for (const t of doc) total.set(t, (total.get(t) ?? 0) + 1);
    }
    const minDf = minDocCount(this.options.minDf ?? 1, n);
    const maxDf = maxDocCount(this.options.maxDf ?? 1, n);
    if (maxDf < minDf) throw new EcommirError('ECM_ERR_BAD_OPTION', `${TfidfVectorizer.kind}: maxDf corresponds to fewer documents than minDf`);
    let terms = [...df.keys()].filter((t) => df.get(t)! >= minDf && df.get(t)! <= maxDf);
    if (this.options.maxFeatures !== undefined && terms.length > this.options.maxFeatures) {
      terms.sort((a, b) => total.get(b)! - total.get(a)! || compareTerms(a, b));
      terms = terms.slice(0, this.options.maxFeatures);
    }
    terms.sort(compareTerms);
    const smooth = this.options.smoothIdf ?? true;
    const idf = Float64Array.from(terms, (t) => Math.log((n + (smooth ? 1 : 0)) / (df.get(t)! + (smooth ? 1 : 0))) + 1);
    this.fitted = { vocabulary: new Map(terms.map((t, i) => [t, i])), terms, idf };
    return this;
  }

  /** [docs.length, vocabularySize] TF-IDF rows; unknown tokens are ignored. */
  transform(docs: readonly (readonly string[])[]): CsrMatrix {
    if (!this.fitted) throw notFitted();
    checkDocs(docs);
    const { vocabulary, idf } = this.fitted;
    const useIdf = this.options.useIdf ?? true;
    const sublinear = this.options.sublinearTf ?? false;
    const l2 = (this.options.norm ?? 'l2') === 'l2';
    const rows = docs.map((doc) => {
      const counts = new Map<number, number>();
      for (const t of doc) {
        const j = vocabulary.get(t);
        if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
      }
      const indices = [...counts.keys()];
      const values = indices.map((j) => {
        const tf = counts.get(j)!;
        return (sublinear ? 1 + Math.log(tf) : tf) * (useIdf ? idf[j] : 1);
      });
      if (l2) {
        const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0));
        if (norm > 0) for (let i = 0; i < values.length; i++) values[i] /= norm;
      }
      return { indices, values };
    });
    return csrFromRows(rows, idf.length);
  }

  fitTransform(docs: readonly (readonly string[])[]): CsrMatrix {
    return this.fit(docs).transform(docs);
  }

  toJSON(): TfidfJson {
    if (!this.fitted) throw notFitted();
    return { kind: TfidfVectorizer.kind, version: 1, options: this.getParams(), fitted: { terms: this.fitted.terms, idf: encodeTypedArray(this.fitted.idf) } };
  }

  static fromJSON(json: TfidfJson): TfidfVectorizer {
    if (!json || json.kind !== TfidfVectorizer.kind || json.version !== 1 || !Array.isArray(json.fitted?.terms)) {
      throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${TfidfVectorizer.kind} (version 1)`);
    }
    const v = new TfidfVectorizer(json.options);
    const idf = decodeFloat64(json.fitted.idf, `${TfidfVectorizer.kind}.idf`);
    if (idf.length !== json.fitted.terms.length) throw new EcommirError('ECM_ERR_BAD_JSON', `${TfidfVectorizer.kind}: ${json.fitted.terms.length} terms but ${idf.length} idf values`);
    v.fitted = { terms: json.fitted.terms, idf, vocabulary: new Map(json.fitted.terms.map((t, i) => [t, i])) };
    return v;
  }
}

export interface TfidfJson {
  kind: 'TfidfVectorizer';
  version: 1;
  options: TfidfOptions;
  fitted: { terms: string[]; idf: EncodedTypedArray };
}

/** Code-point order, like Python's sorted() on str. */
function compareTerms(a: string, b: string): number {
  const ca = Array.from(a);
  const cb = Array.from(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i].codePointAt(0)! - cb[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

/**
 * Document-count thresholds. JavaScript has no int/float distinction, so the rule is:
 * minDf ≥ 1 is a count and minDf < 1 a fraction; maxDf ≤ 1 is a fraction (1 = all documents) and
 * maxDf > 1 a count. This agrees with scikit-learn's defaults (min_df=1, max_df=1.0).
 */
function minDocCount(minDf: number, n: number): number {
  return minDf >= 1 ? minDf : minDf * n;
}
function maxDocCount(maxDf: number, n: number): number {
  return maxDf <= 1 ? maxDf * n : maxDf;
}

function checkDocs(docs: readonly (readonly string[])[]): void {
  if (!Array.isArray(docs)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${TfidfVectorizer.kind}: expected an array of token lists`);
  docs.forEach((doc, i) => {
    if (!Array.isArray(doc) || !doc.every((t) => typeof t === 'string')) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `${TfidfVectorizer.kind}: document is not a list of string tokens`, { item: { index: i } });
    }
  });
}

function notFitted(): EcommirError {
  return new EcommirError('ECM_ERR_NOT_FITTED', `${TfidfVectorizer.kind} is not fitted yet: call fit() first`);
}
