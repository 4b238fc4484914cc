// A cue lexicon learnt from labelled text instead of written by hand: the character n-grams that
// mark one label (seen in several of its documents, rarely in other labels' ones) become that
// label's cues, and a text then yields the labels whose cues it contains, like cue-lexicon.ts.
// It is fitted like any other feature — inside each training fold only — so the cues it finds
// never come from the samples a model is scored on.
import { EcommirError } from '../../errors.js';
import { checkOptions, type OptionSchema } from '../../learn/options.js';
import { zh } from '../lang/zh.js';
import { charNgrams } from './ngrams.js';

export interface CueMinerOptions {
  /** Shortest and longest n-gram (characters). Defaults 2 and 4. */
  min?: number;
  max?: number;
  /** Cues kept per label, best first. Default 20. */
  perLabel?: number;
  /** A cue must occur in at least this many documents of its label. Default 3. */
  minLabelDocs?: number;
  /**
   * Class-balanced precision a cue needs: its rate in its label's documents over the sum of its
   * rates in every label's documents (1 = only ever seen in that label). Default 0.6.
   */
  minPrecision?: number;
}

const SCHEMA: OptionSchema = {
  min: { type: 'number', integer: true, min: 1, optional: true },
  max: { type: 'number', integer: true, min: 1, optional: true },
  perLabel: { type: 'number', integer: true, min: 1, optional: true },
  minLabelDocs: { type: 'number', integer: true, min: 1, optional: true },
  minPrecision: { type: 'number', min: 0, max: 1, optional: true },
};

export interface MinedCue {
  cue: string;
  label: string;
  /** Share of the label's documents that contain the cue. */
  recall: number;
  precision: number;
}

export interface CueMinerJson {
  kind: 'CueMiner';
  version: 1;
  options: CueMinerOptions;
  cues: MinedCue[];
}

/** The distinct n-grams of a text (normalised as the TF-IDF views normalise it). */
function gramsOf(text: string, min: number, max: number): Set<string> {
  return new Set(charNgrams(zh.normalise(text), { min, max, wordBoundaries: true }).map((g) => g.trim()).filter((g) => [...g].length >= min));
}

export class CueMiner {
  static readonly kind = 'CueMiner';
  private readonly options: Required<CueMinerOptions>;
  private mined: MinedCue[] | null = null;

  constructor(options: CueMinerOptions = {}) {
    checkOptions(CueMiner.kind, SCHEMA, options as Record<string, unknown>);
    this.options = { min: 2, max: 4, perLabel: 20, minLabelDocs: 3, minPrecision: 0.6, ...options };
    if (this.options.max < this.options.min) throw new EcommirError('ECM_ERR_BAD_OPTION', `${CueMiner.kind}: max (${this.options.max}) must be ≥ min (${this.options.min})`);
  }

  get cues(): readonly MinedCue[] {
    if (!this.mined) throw notFitted();
    return this.mined;
  }

  /** Mines cues from texts and their labels (`labels[i]` is the label of `texts[i]`). */
  fit(texts: readonly string[], labels: readonly string[]): this {
    if (texts.length !== labels.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `${CueMiner.kind}: ${texts.length} texts but ${labels.length} labels`);
    const { min, max, perLabel, minLabelDocs, minPrecision } = this.options;
    const names = [...new Set(labels)].sort();
    const index = new Map(names.map((l, i) => [l, i]));
    const docsOf = new Float64Array(names.length);
    const df = new Map<string, Float64Array>(); // gram → [labels] document counts
    texts.forEach((text, i) => {
      const c = index.get(labels[i])!;
      docsOf[c]++;
      for (const g of gramsOf(text, min, max)) {
        let counts = df.get(g);
        if (!counts) df.set(g, (counts = new Float64Array(names.length)));
        counts[c]++;
      }
    });
    const byLabel: MinedCue[][] = names.map(() => []);
    for (const [cue, counts] of df) {
      let rateSum = 0;
      for (let c = 0; c < names.length; c++) rateSum += counts[c] / docsOf[c];
      for (let c = 0; c < names.length; c++) {
        if (counts[c] < minLabelDocs) continue;
        const recall = counts[c] / docsOf[c];
        const precision = recall / rateSum;
        if (precision >= minPrecision) byLabel[c].push({ cue, label: names[c], recall, precision });
      }
    }
    this.mined = byLabel.flatMap((list) => {
      // Best first: common in the label and specific to it; ties by the cue itself for determinism.
      list.sort((a, b) => b.recall * b.precision - a.recall * a.precision || b.cue.length - a.cue.length || (a.cue < b.cue ? -1 : a.cue > b.cue ? 1 : 0));
      const kept: MinedCue[] = [];
      for (const m of list) {
        if (kept.length >= perLabel) break;
        // A cue inside a kept longer one (or around a kept shorter one) with the same reach adds nothing.
        if (kept.some((k) => (k.cue.includes(m.cue) || m.cue.includes(k.cue)) && Math.abs(k.recall - m.recall) < 1e-9)) continue;
        kept.push(m);
      }
      return kept;
    });
    return this;
  }

  /** The labels whose cues occur in the text, once each, in the order of the cue list. */
  match(text: string): string[] {
    if (!this.mined) throw notFitted();
    const normalised = zh.normalise(text);
    const out = new Set<string>();
    for (const m of this.mined) if (!out.has(m.label) && normalised.includes(m.cue)) out.add(m.label);
    return [...out];
  }

  toJSON(): CueMinerJson {
    if (!this.mined) throw notFitted();
    return { kind: CueMiner.kind, version: 1, options: { ...this.options }, cues: this.mined.map((m) => ({ ...m })) };
  }

  static fromJSON(json: CueMinerJson): CueMiner {
    if (!json || json.kind !== CueMiner.kind || json.version !== 1 || !Array.isArray(json.cues)) throw new EcommirError('ECM_ERR_BAD_JSON', `expected a saved ${CueMiner.kind} (version 1)`);
    const miner = new CueMiner(json.options);
    miner.mined = json.cues.map((m) => ({ ...m }));
    return miner;
  }
}

function notFitted(): EcommirError {
  return new EcommirError('ECM_ERR_NOT_FITTED', `${CueMiner.kind} is not fitted yet: call fit() first`);
}
