// Cues learnt inside the training fold (the honest counterpart of a hand-written lexicon): character
// n-grams that pick out one label in the training rows — in at least `minDocs` of its documents and
// with P(label | n-gram) ≥ `minPrecision` — kept per label, up to `perLabel` by support. At predict
// time a cue matches by its characters or by its pinyin, so a same-sound typo (生秀 for 生锈) still
// fires it; look-alike typos are folded before (variants.ts). Matches become `mined:<label>` tokens.
import { EcommirError } from '../../errors.js';
import { charNgrams } from './ngrams.js';
import { pinyinRuns } from './pinyin.js';

export interface CueMinerOptions {
  /** n-gram sizes, in characters. Default 2..4. */
  min?: number;
  max?: number;
  /** Documents of the label an n-gram must occur in. Default 2. */
  minDocs?: number;
  /** Share of the n-gram's documents that carry the label. Default 0.8. */
  minPrecision?: number;
  /** Cues kept per label (most supported first). Default 30. */
  perLabel?: number;
}

export interface MinedCue {
  text: string;
  /** Toneless syllables joined by '-', '' when the cue has no Chinese characters. */
  pinyin: string;
  label: string;
  docs: number;
  precision: number;
}

export class CueMiner {
  static readonly kind = 'CueMiner';
  private cues: MinedCue[] | null = null;

  constructor(readonly options: CueMinerOptions = {}) {
    const { min = 2, max = 4, minDocs = 2, minPrecision = 0.8, perLabel = 30 } = options;
    if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${CueMiner.kind}: needs 1 ≤ min ≤ max`);
    if (!(minDocs >= 1 && minPrecision > 0 && minPrecision <= 1 && perLabel >= 1)) throw new EcommirError('ECM_ERR_BAD_OPTION', `${CueMiner.kind}: minDocs ≥ 1, 0 < minPrecision ≤ 1, perLabel ≥ 1`);
  }

  get mined(): readonly MinedCue[] {
    if (!this.cues) throw new EcommirError('ECM_ERR_NOT_FITTED', `${CueMiner.kind} is not fitted yet`);
    return this.cues;
  }

  /** Mines cues from texts and their labels (the training rows only). */
  fit(texts: readonly string[], labels: readonly string[], weights?: ArrayLike<number>): this {
    if (texts.length !== labels.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `${CueMiner.kind}: ${texts.length} texts but ${labels.length} labels`);
    const { min = 2, max = 4, minDocs = 2, minPrecision = 0.8, perLabel = 30 } = this.options;
    const byGram = new Map<string, Map<string, number>>(); // n-gram → label → weighted document count
    texts.forEach((text, i) => {
      const w = weights ? weights[i] : 1;
      for (const g of new Set(charNgrams(text, { min, max, wordBoundaries: false }))) {
        if (!/\p{Script=Han}/u.test(g) || /\s/.test(g)) continue;
        let m = byGram.get(g);
        if (!m) byGram.set(g, (m = new Map()));
        m.set(labels[i], (m.get(labels[i]) ?? 0) + w);
      }
    });
    const candidates = new Map<string, MinedCue[]>();
    for (const [g, m] of byGram) {
      let total = 0;
      for (const v of m.values()) total += v;
      for (const [label, docs] of m) {
        const precision = docs / total;
        if (docs < minDocs || precision < minPrecision) continue;
        let list = candidates.get(label);
        if (!list) candidates.set(label, (list = []));
        list.push({ text: g, pinyin: '', label, docs, precision });
      }
    }
    const cues: MinedCue[] = [];
    for (const label of [...candidates.keys()].sort()) {
      const list = candidates.get(label)!.sort((a, b) => b.docs - a.docs || b.precision - a.precision || b.text.length - a.text.length || (a.text < b.text ? -1 : 1));
      // Drop a cue contained in a kept cue of the same label with the same support: it adds nothing.
      const kept: MinedCue[] = [];
      for (const c of list) {
        if (kept.length >= perLabel) break;
        if (kept.some((k) => k.text.includes(c.text) && k.docs === c.docs)) continue;
        kept.push(c);
      }
      cues.push(...kept.map((c) => ({ ...c, pinyin: pinyinKey(c.text) })));
    }
    this.cues = cues;
    return this;
  }

  /** `mined:<label>` once per label with a cue in the text (by characters or by pinyin). */
  tokens(text: string): string[] {
    const cues = this.mined;
    if (cues.length === 0 || text === '') return [];
    const sound = `|${pinyinRuns(text).map((r) => r.join('-')).join('|')}|`;
    const labels = new Set<string>();
    for (const c of cues) {
      if (labels.has(c.label)) continue;
      if (text.includes(c.text) || (c.pinyin !== '' && soundContains(sound, c.pinyin))) labels.add(c.label);
    }
    return [...labels].map((l) => `mined:${l}`);
  }

  toJSON(): CueMinerJson {
    return { kind: CueMiner.kind, version: 1, options: this.options, cues: [...this.mined] };
  }

  static fromJSON(json: CueMinerJson): CueMiner {
    if (!json || json.kind !== CueMiner.kind || json.version !== 1 || !Array.isArray(json.cues)) throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${CueMiner.kind} (version 1)`);
    const m = new CueMiner(json.options);
    m.cues = json.cues;
    return m;
  }
}

function pinyinKey(text: string): string {
  const runs = pinyinRuns(text);
  return runs.length === 1 ? runs[0].join('-') : '';
}

/** Whether the syllable string `sound` ('|a-b-c|d-e|') holds the syllables of `key` ('b-c') whole. */
function soundContains(sound: string, key: string): boolean {
  let at = sound.indexOf(key);
  while (at >= 0) {
    const before = sound[at - 1];
    const after = sound[at + key.length];
    if ((before === '|' || before === '-') && (after === '|' || after === '-')) return true;
    at = sound.indexOf(key, at + 1);
  }
  return false;
}

export interface CueMinerJson {
  kind: 'CueMiner';
  version: 1;
  options: CueMinerOptions;
  cues: MinedCue[];
}
