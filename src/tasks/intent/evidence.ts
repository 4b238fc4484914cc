// Evidence a person can read for an intent answer: the features that pushed the winning label
// (x_j · w_jc of a linear head), found in the views the model read and traced back, through folding
// and denoising, to the characters the shopper typed. Overlapping finds merge into one span per
// phrase; each span says in a short sentence (Chinese and English) what it points to.
import { TrackedText, type SourceSpan } from '../../data/tracked-text.js';
import type { AnalyzerSpec } from '../../features/text/feature-union.js';
import { normaliseText } from '../../features/text/normalise.js';
import { pinyinRuns } from '../../features/text/pinyin.js';
import type { Evidence, EvidenceReason, SignalEvidence, TextEvidence, Turn } from '../../types.js';

/** One feature's share of the winning label's score. */
export interface Contribution {
  view: string;
  term: string;
  weight: number;
}

/** Where a token view's token came from: the text view it was matched in, and the strings that match. */
export interface TokenSource {
  view: 'user' | 'last' | 'first' | 'agent';
  needles: string[];
  kind: 'lexicon' | 'mined' | 'class';
}

export interface IntentEvidenceInput {
  contributions: readonly Contribution[];
  /** The text views as the model read them, with their origins. */
  views: Readonly<Record<string, TrackedText>>;
  /** Each view's analyser (which text view a view reads: `userPinyin` reads `user`, and so on). */
  analyzers: Readonly<Record<string, AnalyzerSpec>>;
  /** The text view a view name reads. */
  textViewOf: (view: string) => string | undefined;
  /** For a token view's token: what to look for. */
  tokenSource: (view: string, term: string) => TokenSource | undefined;
  /** The turns as parsed (their `source` says where their text sits in the turn as sent). */
  turns: readonly Turn[];
  label: string;
  /** A short English gloss of the label, when the taxonomy has one. */
  labelEnglish?: string;
  /** At most this many items. Default 5. */
  max?: number;
}

interface Find {
  feature: Contribution;
  span: SourceSpan;
  /** The folded text the model read there. */
  read: string;
  /** Share of the feature's weight this find carries. */
  weight: number;
}

/** The evidence items, heaviest first. */
/** The features that matter: a long tail of tiny n-gram weights would paint the whole dialogue. */
export const STRONG_SHARE = 0.12;
export const MAX_STRONG = 40;

export function intentEvidence(input: IntentEvidenceInput): Evidence[] {
  const positive = input.contributions.filter((c) => c.weight > 0).sort((a, b) => b.weight - a.weight);
  if (positive.length === 0) return [];
  const top = positive[0].weight;
  const strong = positive.filter((c) => c.weight >= STRONG_SHARE * top).slice(0, MAX_STRONG);
  const finds: Find[] = [];
  const unplaced: Contribution[] = [];
  const asRead = memoNormalised();
  for (const c of strong) {
    const found = locate(c, input, asRead);
    if (found.length === 0) {
      unplaced.push(c);
      continue;
    }
    for (const f of found) finds.push({ ...f, weight: c.weight / found.length });
  }
  const spans = mergeFinds(finds);
  const text: TextEvidence[] = spans.map((group) => textItem(group, input)).filter((e): e is TextEvidence => e !== undefined);
  const signals: SignalEvidence[] = unplaced.map((c) => signalItem(c, input));
  const all: Evidence[] = [...text, ...signals].sort((a, b) => b.weight - a.weight);
  const heaviest = all.length > 0 ? all[0].weight : 0;
  return all.filter((e) => e.weight >= 0.25 * heaviest).slice(0, input.max ?? 5);
}

/** The source spans of a feature's occurrences in the text its view read. */
function locate(c: Contribution, input: IntentEvidenceInput, asRead: Normalised): Omit<Find, 'weight'>[] {
  const analyzer = input.analyzers[c.view];
  if (!analyzer) return [];
  if (analyzer.kind === 'tokens') {
    const source = input.tokenSource(c.view, c.term);
    const text = source && input.views[source.view];
    if (!source || !text) return [];
    const normalised = asRead(text);
    for (const needle of source.needles) {
      const at = occurrences(normalised, needle.toLowerCase(), false, false);
      if (at.length > 0) return spansOf(normalised, at, needle.length, c);
    }
    return [];
  }
  const viewName = input.textViewOf(c.view);
  const text = viewName ? input.views[viewName] : undefined;
  if (!text) return [];
  const normalised = analyzer.kind === 'pinyin' ? asRead(text) : asRead(text, analyzer.normalise?.digits === 'collapse');
  if (analyzer.kind === 'pinyin') return spansOf(normalised, pinyinOccurrences(normalised.text, c.term.split('-')), 0, c);
  if (analyzer.kind === 'word') {
    const needle = c.term.split(' ').join('');
    return spansOf(normalised, occurrences(normalised, needle, false, false), needle.length, c);
  }
  // Character n-grams: a leading or trailing space marks the start or end of a space-separated chunk.
  const needle = c.term.trim();
  if (needle === '') return [];
  const wordBoundaries = analyzer.wordBoundaries ?? true;
  return spansOf(normalised, occurrences(normalised, needle, wordBoundaries && c.term.startsWith(' '), wordBoundaries && c.term.endsWith(' ')), needle.length, c);
}

type Normalised = (text: TrackedText, collapseDigits?: boolean) => TrackedText;

/** normalisedView once per text and digit mode in one answer: up to 40 features read the same few views. */
function memoNormalised(): Normalised {
  const memo = [new Map<TrackedText, TrackedText>(), new Map<TrackedText, TrackedText>()];
  return (text, collapseDigits = false) => {
    const seen = memo[collapseDigits ? 1 : 0];
    let out = seen.get(text);
    if (!out) {
      out = normalisedView(text, collapseDigits);
      seen.set(text, out);
    }
    return out;
  };
}

/** The view text as the analyser reads it (NFKC, lower case, spaces collapsed), still tracked. */
function normalisedView(text: TrackedText, collapseDigits = false): TrackedText {
  const expected = normaliseText(text.text, { digits: collapseDigits ? 'collapse' : 'keep' });
  if (expected === text.text) return text;
  let out = text.mapCodePoints((c) => c.normalize('NFKC'), text.text.normalize('NFKC'));
  out = out.mapCodePoints((c) => c.toLowerCase(), out.text.toLowerCase());
  if (collapseDigits) out = out.replace(/[0-9]+/g, () => '0');
  out = out.replace(/\s+/g, () => ' ').trim();
  return out.text === expected ? out : TrackedText.realign(out, expected);
}

/** Start offsets of `needle` in `text` (at a chunk start / end when asked). */
function occurrences(text: TrackedText, needle: string, atStart: boolean, atEnd: boolean): number[] {
  const out: number[] = [];
  const s = text.text;
  for (let at = s.indexOf(needle); at >= 0; at = s.indexOf(needle, at + 1)) {
    if (atStart && at > 0 && s[at - 1] !== ' ') continue;
    if (atEnd && at + needle.length < s.length && s[at + needle.length] !== ' ') continue;
    out.push(at);
  }
  return out;
}

/** Finds of syllables (`sheng`, `xiu`) in the Chinese runs of `text`: [start, end) pairs. */
function pinyinOccurrences(text: string, syllables: readonly string[]): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(/\p{Script=Han}+/gu)) {
    const chars = [...m[0]];
    const runs = pinyinRuns(m[0]);
    if (runs.length !== 1 || runs[0].length !== chars.length) continue; // no reliable one-syllable-per-character reading
    const sounds = runs[0];
    const offsets: number[] = [];
    let o = m.index;
    for (const ch of chars) {
      offsets.push(o);
      o += ch.length;
    }
    offsets.push(o);
    for (let i = 0; i + syllables.length <= sounds.length; i++) {
      if (syllables.every((s, k) => sounds[i + k] === s)) out.push([offsets[i], offsets[i + syllables.length]]);
    }
  }
  return out;
}

function spansOf(text: TrackedText, at: number[] | [number, number][], length: number, feature: Contribution): Omit<Find, 'weight'>[] {
  const out: Omit<Find, 'weight'>[] = [];
  for (const a of at) {
    const [start, end] = Array.isArray(a) ? a : [a, a + length];
    const span = text.sourceSpan(start, end);
    if (span) out.push({ feature, span, read: text.text.slice(start, end) });
  }
  return out;
}

/** Finds that overlap in the same turn become one group (one highlighted phrase). */
function mergeFinds(finds: Find[]): Find[][] {
  const byTurn = new Map<number, Find[]>();
  for (const f of finds) {
    const list = byTurn.get(f.span.turn) ?? [];
    list.push(f);
    byTurn.set(f.span.turn, list);
  }
  const groups: Find[][] = [];
  for (const list of byTurn.values()) {
    list.sort((a, b) => a.span.start - b.span.start || b.span.end - a.span.end);
    let current: Find[] = [];
    let end = -1;
    for (const f of list) {
      if (current.length > 0 && f.span.start < end) {
        current.push(f);
        end = Math.max(end, f.span.end);
      } else {
        if (current.length > 0) groups.push(current);
        current = [f];
        end = f.span.end;
      }
    }
    if (current.length > 0) groups.push(current);
  }
  return groups;
}

function textItem(group: Find[], input: IntentEvidenceInput): TextEvidence | undefined {
  const turnIndex = group[0].span.turn;
  const turn = input.turns[turnIndex];
  if (!turn) return undefined;
  const offset = turn.source?.offset ?? 0;
  const length = turn.source?.length ?? turn.text.length;
  let start = Math.min(...group.map((f) => f.span.start));
  let end = Math.max(...group.map((f) => f.span.end));
  if (start < offset || end > offset + length) return undefined;
  // Punctuation and spaces at the edges are read as word boundaries, not shown as words.
  while (start < end && EDGE.test(turn.text[start - offset])) start++;
  while (end > start && EDGE.test(turn.text[end - 1 - offset])) end--;
  if (start === end) return undefined;
  const byFeature = new Map<string, { c: Contribution; weight: number; find: Find }>();
  for (const f of group) {
    const key = `${f.feature.view}:${f.feature.term}`;
    const entry = byFeature.get(key);
    if (entry) entry.weight += f.weight;
    else byFeature.set(key, { c: f.feature, weight: f.weight, find: f });
  }
  const ranked = [...byFeature.entries()].sort((a, b) => b[1].weight - a[1].weight);
  const lead = ranked[0][1];
  // The cue named is the longest stretch the model read in the group (生锈 rather than its 锈), what was typed there beside it.
  const widest = [...group].sort((a, b) => b.span.end - b.span.start - (a.span.end - a.span.start) || b.read.length - a.read.length || b.weight - a.weight)[0];
  const typed = turn.text.slice(widest.span.start - offset, widest.span.end - offset);
  return {
    kind: 'text',
    turn: turnIndex,
    start,
    end,
    text: turn.text.slice(start - offset, end - offset),
    weight: ranked.reduce((s, [, e]) => s + e.weight, 0),
    reason: textReason(lead.c, widest.read.replace(EDGES, ''), typed.replace(EDGES, ''), turn.role, input),
    features: ranked.map(([key]) => key),
  };
}

const EDGE = /[\p{P}\p{S}\s]/u;
const EDGES = /^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu;

function labelPhrase(input: IntentEvidenceInput): { en: string; zh: string } {
  return { en: input.labelEnglish ? `${input.labelEnglish} (${input.label})` : input.label, zh: `“${input.label}”` };
}

function textReason(c: Contribution, read: string, typed: string, role: Turn['role'], input: IntentEvidenceInput): EvidenceReason {
  const label = labelPhrase(input);
  const cue = read.trim();
  // What the model read differs from what was typed beyond width and case: a typo, an English word, traditional characters.
  const readAs = normaliseText(typed) !== cue;
  const token = input.analyzers[c.view]?.kind === 'tokens' ? input.tokenSource(c.view, c.term) : undefined;
  const where =
    role === 'agent'
      ? { en: ' in the agent’s reply', zh: '（客服回复中）' }
      : (token ? token.view : input.textViewOf(c.view)) === 'last'
        ? { en: ' in the latest question', zh: '（最近一问）' }
        : { en: '', zh: '' };
  const source = token?.kind;
  const kind =
    source === 'lexicon'
      ? { en: 'lexicon cue', zh: '词典线索' }
      : source === 'mined'
        ? { en: 'cue learnt from training dialogues', zh: '训练对话中学到的线索' }
        : source === 'class'
          ? { en: 'word of its kind', zh: '同类词' }
          : input.analyzers[c.view]?.kind === 'pinyin'
            ? { en: 'sounds like a cue', zh: '读音线索' }
            : { en: 'cue', zh: '线索' };
  if (readAs) return { en: `“${typed}” read as the ${kind.en} “${cue}”${where.en} → ${label.en}`, zh: `“${typed}”按${kind.zh}“${cue}”理解${where.zh} → ${label.zh}` };
  return { en: `${kind.en} “${cue}”${where.en} → ${label.en}`, zh: `${kind.zh}“${cue}”${where.zh} → ${label.zh}` };
}

function signalItem(c: Contribution, input: IntentEvidenceInput): SignalEvidence {
  const label = labelPhrase(input);
  const term = c.term.replace(/^(user|last|agent|scene):/, '');
  const reason =
    c.view === 'scene'
      ? { en: `the screenshot looks like “${term}” → ${label.en}`, zh: `截图像“${term}” → ${label.zh}` }
      : c.view === 'ocr'
        ? { en: `the screenshot’s text “${term.trim()}” → ${label.en}`, zh: `截图文字“${term.trim()}” → ${label.zh}` }
        : { en: `${c.view} “${term.trim()}” → ${label.en}`, zh: `${c.view}“${term.trim()}” → ${label.zh}` };
  return { kind: 'signal', weight: c.weight, reason, features: [`${c.view}:${c.term}`] };
}
