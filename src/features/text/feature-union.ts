// Several text views (OCR title, OCR body, user turns, agent turns...) each get their own analyser
// and TF-IDF vocabulary; the union stacks them into one CSR matrix with a weight per view.
// Everything here is data (analyser specs, options, vocabularies), so the union serialises whole.

import { EcommirError } from '../../errors.js';
import { hstack, type CsrMatrix } from '../../learn/csr.js';
import { zh, type LanguagePack } from '../lang/zh.js';
import { charNgrams, wordNgrams } from './ngrams.js';
import { pinyinNgrams } from './pinyin.js';
import type { NormaliseOptions } from './normalise.js';
import { TfidfVectorizer, type TfidfJson, type TfidfOptions } from './tfidf.js';

/** How a view's raw text becomes tokens. 'tokens' means the caller already gives a token list. */
export type AnalyzerSpec =
  | { kind: 'char'; min: number; max: number; wordBoundaries?: boolean; normalise?: NormaliseOptions }
  | { kind: 'word'; min: number; max: number; dropStopWords?: boolean; normalise?: NormaliseOptions }
  | { kind: 'pinyin'; min: number; max: number }
  | { kind: 'tokens' };

export interface TextViewSpec {
  name: string;
  /** Multiplies this view's (L2-normalised) block. Default 1. */
  weight?: number;
  analyzer: AnalyzerSpec;
  tfidf?: TfidfOptions;
}

/** One document: a value per view name (text, or tokens for 'tokens' views). Missing views count as empty. */
export type MultiViewDoc = Record<string, string | readonly string[] | undefined>;

const packs: Record<string, LanguagePack> = { zh };

/** Tokens of one view's value under an analyser spec. */
export function analyse(value: string | readonly string[] | undefined, analyzer: AnalyzerSpec, pack: LanguagePack = zh): string[] {
  if (value === undefined) return [];
  if (analyzer.kind === 'tokens') {
    if (!Array.isArray(value)) throw new EcommirError('ECM_ERR_BAD_OPTION', 'a tokens view expects a list of tokens');
    return [...value];
  }
  if (typeof value !== 'string') throw new EcommirError('ECM_ERR_BAD_OPTION', `a ${analyzer.kind} view expects text`);
  if (analyzer.kind === 'pinyin') return pinyinNgrams(pack.normalise(value), analyzer.min, analyzer.max);
  const text = pack.normalise(value, analyzer.normalise);
  if (analyzer.kind === 'char') return charNgrams(text, { min: analyzer.min, max: analyzer.max, wordBoundaries: analyzer.wordBoundaries });
  let words = pack.words(text);
  if (analyzer.dropStopWords) words = words.filter((w) => !pack.stopWords.has(w));
  return wordNgrams(words, analyzer.min, analyzer.max);
}

export class FeatureUnion {
  static readonly kind = 'FeatureUnion';
  private readonly views: TextViewSpec[];
  private readonly language: string;
  private vectorizers: TfidfVectorizer[] | null = null;

  constructor(views: TextViewSpec[], options: { language?: string } = {}) {
    if (!Array.isArray(views) || views.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `${FeatureUnion.kind}: needs at least one view`);
    const names = new Set<string>();
    views.forEach((v, i) => {
      if (!v || typeof v.name !== 'string' || v.name === '' || names.has(v.name)) {
        throw new EcommirError('ECM_ERR_BAD_OPTION', `${FeatureUnion.kind}: view ${i} needs a unique non-empty name`);
      }
      names.add(v.name);
      if (v.weight !== undefined && !(v.weight >= 0)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${FeatureUnion.kind}: view "${v.name}" weight must be ≥ 0`);
      const a = v.analyzer;
      if (!a || !['char', 'word', 'pinyin', 'tokens'].includes(a.kind)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${FeatureUnion.kind}: view "${v.name}" has no valid analyzer`);
      if (a.kind !== 'tokens' && !(Number.isInteger(a.min) && Number.isInteger(a.max) && a.min >= 1 && a.max >= a.min)) {
        throw new EcommirError('ECM_ERR_BAD_OPTION', `${FeatureUnion.kind}: view "${v.name}" needs 1 ≤ min ≤ max n-gram sizes`);
      }
      new TfidfVectorizer(v.tfidf ?? {}); // validates the options now rather than at fit time
    });
    this.language = options.language ?? 'zh';
    if (!(this.language in packs)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${FeatureUnion.kind}: no language pack "${this.language}"`);
    this.views = views.map((v) => ({ ...v }));
  }

  get viewNames(): string[] {
    return this.views.map((v) => v.name);
  }

  /** The views' specifications (name, analyser, weight), as given. */
  get viewSpecs(): readonly TextViewSpec[] {
    return this.views;
  }

  /** Column range [start, end) of each view in the output. */
  get columnRanges(): Record<string, [number, number]> {
    if (!this.vectorizers) throw notFitted();
    const out: Record<string, [number, number]> = {};
    let start = 0;
    this.views.forEach((v, i) => {
      const size = this.vectorizers![i].vocabularySize;
      out[v.name] = [start, start + size];
      start += size;
    });
    return out;
  }

  get nFeatures(): number {
    if (!this.vectorizers) throw notFitted();
    return this.vectorizers.reduce((s, v) => s + v.vocabularySize, 0);
  }

  /** The view and term behind an output column (for explanations). */
  featureName(column: number): { view: string; term: string } {
    if (!this.vectorizers) throw notFitted();
    let start = 0;
    for (let i = 0; i < this.views.length; i++) {
      const terms = this.vectorizers[i].terms;
      if (column < start + terms.length) return { view: this.views[i].name, term: terms[column - start] };
      start += terms.length;
    }
    throw new EcommirError('ECM_ERR_BAD_OPTION', `${FeatureUnion.kind}: column ${column} is out of range (${start} features)`);
  }

  fit(docs: readonly MultiViewDoc[]): this {
    this.vectorizers = this.views.map((view) => new TfidfVectorizer(view.tfidf ?? {}).fit(this.tokensOf(docs, view)));
    return this;
  }

  transform(docs: readonly MultiViewDoc[]): CsrMatrix {
    if (!this.vectorizers) throw notFitted();
    return hstack(this.views.map((view, i) => ({ matrix: this.vectorizers![i].transform(this.tokensOf(docs, view)), weight: view.weight ?? 1 })));
  }

  fitTransform(docs: readonly MultiViewDoc[]): CsrMatrix {
    return this.fit(docs).transform(docs);
  }

  toJSON(): FeatureUnionJson {
    if (!this.vectorizers) throw notFitted();
    return { kind: FeatureUnion.kind, version: 1, language: this.language, views: this.views, vectorizers: this.vectorizers.map((v) => v.toJSON()) };
  }

  static fromJSON(json: FeatureUnionJson): FeatureUnion {
    if (!json || json.kind !== FeatureUnion.kind || json.version !== 1 || !Array.isArray(json.vectorizers) || json.vectorizers.length !== json.views?.length) {
      throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${FeatureUnion.kind} (version 1)`);
    }
    const union = new FeatureUnion(json.views, { language: json.language });
    union.vectorizers = json.vectorizers.map((v) => TfidfVectorizer.fromJSON(v));
    return union;
  }

  private tokensOf(docs: readonly MultiViewDoc[], view: TextViewSpec): string[][] {
    const pack = packs[this.language];
    return docs.map((doc, index) => {
      try {
        return analyse(doc?.[view.name], view.analyzer, pack);
      } catch (e) {
        if (e instanceof EcommirError) throw new EcommirError(e.code, `view "${view.name}": ${e.message}`, { item: { index } });
        throw e;
      }
    });
  }
}

export interface FeatureUnionJson {
  kind: 'FeatureUnion';
  version: 1;
  language: string;
  views: TextViewSpec[];
  vectorizers: TfidfJson[];
}

function notFitted(): EcommirError {
  return new EcommirError('ECM_ERR_NOT_FITTED', `${FeatureUnion.kind} is not fitted yet: call fit() first`);
}
