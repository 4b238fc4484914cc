// Multi-level denoising of a customer-service dialogue (EcomMIR): dialogue level (repeated agent
// replies, empty replies, consecutive user turns), sentence level (greetings, "cannot read images",
// ads, transfer-to-human, closings, too-short sentences), word level (forms of address, thanks,
// emoticons, particles, punctuation) and normalisation (links, long digit strings, cards, spacing).
// Every removal is recorded with its turn, level and rule, so a cleaned sample explains itself.
// `<image>` markers are never removed: they stay linked, in order, to the turn's images.
import type { ItemRef } from '../errors.js';
import { EcommirError } from '../errors.js';
import type { Role, Sample, Turn } from '../types.js';
import { loadDenoiseRules, type DenoiseLevel, type DenoiseRule, type DenoiseRules } from './rules.js';
import { TrackedText } from '../data/tracked-text.js';
import { turnName } from '../data/turn-names.js';

const IMAGE_MARKER = '<image>';
const LINK_MARKER = '<http>';

export interface Removal {
  /** Index of the turn in the input dialogue. */
  turn: number;
  level: DenoiseLevel;
  /** The rule id from the rules file, or one of the engine's own: repeated-agent-reply, empty-agent-reply, empty-user-turn, too-short, symbol-only, link-marker. */
  rule: string;
  /** The text that was removed (for a replacement, the text that was replaced). */
  text: string;
  /** What the text was replaced with, when it was replaced rather than removed. */
  replacement?: string;
}

export interface Merge {
  /** Index of the input turn that was joined on. */
  turn: number;
  /** Index of the input turn it was joined to. */
  into: number;
}

export interface CleanedDialogue {
  /** The cleaned turns, same shape as the input. */
  turns: Turn[];
  removed: Removal[];
  /** Consecutive user turns joined into one (nothing removed): `turn` was appended to the cleaned turn that starts at input turn `into`. */
  merged: Merge[];
  /** For each cleaned turn, the input turn indices it came from (several after a merge). */
  sources: number[][];
  /** For each cleaned turn, its text with the origin of every character in the dialogue as sent (see TrackedText). */
  tracked: TrackedText[];
}

export interface DenoiseOptions {
  /** Keep only the first occurrence of a repeated agent reply. Default true. */
  dedupeAgentReplies?: boolean;
  /** Merge consecutive user turns (after empty agent replies are gone). Default true. */
  mergeUserTurns?: boolean;
  /**
   * Remove `<http>` link markers too. Default false: the marker says that a link was sent (a user
   * sharing a product link, an agent recommending products), which can matter for intent; a
   * feature extractor that finds it noise (FINDINGS: user-only character n-grams) can drop it here.
   */
  dropLinkMarkers?: boolean;
  /** Names the sample in errors. */
  item?: ItemRef;
}

export interface CleanedSample extends CleanedDialogue {
  sample: Sample;
}

const HAN = /\p{Script=Han}/gu;
const LATIN_OR_DIGIT_RUN = /[A-Za-z0-9]+/g;
const CJK_PUNCTUATION = '。！？；，、：”’）】」』…';

function appliesTo(rule: DenoiseRule, role: Role): boolean {
  return !rule.roles || rule.roles.includes(role);
}

/** Replaces every match of a global rule, recording each change. */
function applyReplaceRule(text: TrackedText, rule: DenoiseRule, onChange: (match: string, replacement: string) => void): TrackedText {
  return text.replace(rule.pattern, (...args: unknown[]) => {
    const match = args[0] as string;
    const groups: string[] = [];
    for (let i = 1; i < args.length && typeof args[i] !== 'number'; i++) groups.push((args[i] as string | undefined) ?? '');
    const replacement = rule.replacement.replace(/\$(\d)/g, (_, d: string) => groups[Number(d) - 1] ?? '');
    if (match !== replacement) onChange(match, replacement);
    return replacement;
  });
}

function contentUnits(text: string, markers: readonly string[]): number {
  let t = text;
  for (const m of markers) t = t.split(m).join(' ');
  return (t.match(HAN)?.length ?? 0) + (t.match(LATIN_OR_DIGIT_RUN)?.length ?? 0);
}

function hasMarker(text: string, markers: readonly string[]): boolean {
  return markers.some((m) => text.includes(m));
}

const WHITESPACE = /\s+/gu;
// Whitespace is single spaces once WHITESPACE has run, so ` ?` is all it takes (and cannot backtrack).
const SPACE_AROUND_PUNCTUATION = new RegExp(` ?([${CJK_PUNCTUATION}]) ?`, 'gu');

/** Whitespace collapsed, no space next to Chinese punctuation, trimmed. */
function normaliseSpacing(text: TrackedText): TrackedText {
  return text
    .replace(WHITESPACE, () => ' ')
    .replace(SPACE_AROUND_PUNCTUATION, (_m: string, p: unknown) => p as string)
    .trim();
}

function joinSentences(sentences: readonly TrackedText[]): TrackedText {
  // Parts and the last character kept aside: indexing or searching a string grown by `+=` flattens
  // it every time, which is quadratic in the number of sentences.
  const parts: TrackedText[] = [];
  let last = '';
  for (const s of sentences) {
    if (last === '' || CJK_PUNCTUATION.includes(last) || '。！？!?~～>'.includes(last)) parts.push(s);
    else parts.push(TrackedText.concat([SPACE, s]));
    if (s.length > 0) last = s.text[s.length - 1];
  }
  return TrackedText.concat(parts);
}
const SPACE = TrackedText.synthetic(' ');

function splitTrackedSentences(text: TrackedText, rules: DenoiseRules): TrackedText[] {
  return text
    .split(rules.sentenceBreak)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function splitSentences(text: string, rules: DenoiseRules): string[] {
  return splitTrackedSentences(TrackedText.synthetic(text), rules).map((s) => s.text);
}

function firstSentenceRule(sentence: string, role: Role, rules: DenoiseRules): DenoiseRule | undefined {
  return rules.sentence.find((r) => appliesTo(r, role) && r.pattern.test(sentence));
}

/** Sentence and word levels for one stretch of text between `<image>` markers. */
function cleanPiece(piece: TrackedText, role: Role, turn: number, rules: DenoiseRules, removed: Removal[]): TrackedText {
  const kept: TrackedText[] = [];
  for (const sentence of splitTrackedSentences(piece, rules)) {
    const dropRule = firstSentenceRule(sentence.text, role, rules);
    if (dropRule) {
      removed.push({ turn, level: 'sentence', rule: dropRule.id, text: sentence.text });
      continue;
    }
    let words = sentence;
    for (const rule of rules.word) {
      if (!appliesTo(rule, role)) continue;
      words = applyReplaceRule(words, rule, (text, replacement) =>
        removed.push({ turn, level: 'word', rule: rule.id, text, ...(replacement ? { replacement } : {}) }),
      );
    }
    words = normaliseSpacing(words);
    if (words.length === 0) continue;
    // A sentence can become a bare greeting or acknowledgement once its fillers are gone.
    const lateRule = firstSentenceRule(words.text, role, rules);
    if (lateRule) {
      removed.push({ turn, level: 'sentence', rule: lateRule.id, text: words.text });
      continue;
    }
    const marker = hasMarker(words.text, rules.markers);
    const units = contentUnits(words.text, rules.markers);
    if (!marker && units === 0) {
      removed.push({ turn, level: 'sentence', rule: 'symbol-only', text: words.text });
      continue;
    }
    if (!marker && units < rules.minContentChars[role]) {
      removed.push({ turn, level: 'sentence', rule: 'too-short', text: words.text });
      continue;
    }
    kept.push(words);
  }
  return joinSentences(kept);
}

/** All levels below the dialogue for one turn's text. */
function cleanTurnText(text: TrackedText, role: Role, turn: number, rules: DenoiseRules, options: DenoiseOptions, removed: Removal[]): TrackedText {
  let t = text;
  for (const rule of rules.normalise) {
    if (!appliesTo(rule, role)) continue;
    t = applyReplaceRule(t, rule, (match, replacement) =>
      removed.push({ turn, level: 'normalise', rule: rule.id, text: match, ...(replacement ? { replacement } : {}) }),
    );
  }
  // `<image>` markers split the text so that no rule can remove one or join text across it.
  const cleanPieces = (x: TrackedText) => normaliseSpacing(TrackedText.join(x.split(IMAGE_MARKER).map((piece) => cleanPiece(piece, role, turn, rules, removed)), ` ${IMAGE_MARKER} `));
  const start = removed.length;
  let cleaned = cleanPieces(t);
  // A removal can expose what another rule matches (a greeting that now starts the sentence, a
  // particle that now ends it, sentences rejoined and split anew): clean again until nothing changes,
  // so that cleaning a cleaned dialogue leaves it as it is. Passes only remove, so this settles; the
  // cap is a guard (the dev dialogues settle within two passes).
  for (let pass = 0; pass < 4 && removed.length > start; pass++) {
    const mark = removed.length;
    const again = cleanPieces(cleaned);
    if (again.text === cleaned.text) {
      removed.length = mark;
      break;
    }
    cleaned = again;
  }
  if (options.dropLinkMarkers && cleaned.text.includes(LINK_MARKER)) {
    const pieces = cleaned.split(LINK_MARKER);
    for (let i = 1; i < pieces.length; i++) removed.push({ turn, level: 'normalise', rule: 'link-marker', text: LINK_MARKER });
    cleaned = TrackedText.join(pieces, ' ');
  }
  return normaliseSpacing(cleaned);
}

function checkTurns(turns: unknown, item: ItemRef | undefined): asserts turns is Turn[] {
  if (!Array.isArray(turns)) throw new EcommirError('ECM_ERR_BAD_RECORD', 'dialogue turns must be an array', { item });
  turns.forEach((t: unknown, i) => {
    const turn = t as Partial<Turn> | null;
    const bad = !turn || typeof turn !== 'object'
      ? 'is not an object'
      : turn.role !== 'user' && turn.role !== 'agent'
        ? `has role ${JSON.stringify(turn.role)} (expected "user" or "agent")`
        : typeof turn.text !== 'string'
          ? 'has no text string'
          : !Array.isArray(turn.images)
            ? 'has no images array'
            : undefined;
    if (bad) throw new EcommirError('ECM_ERR_BAD_RECORD', `${turnName(i)} (turns[${i}]) ${bad}`, { item });
  });
}

/** A turn's text tracked back to the turn as sent (`source`: where a parser's trimmed text sits in it). */
export function trackTurn(turn: Turn, index: number): TrackedText {
  return TrackedText.fromTurn(turn.text, index, turn.source?.offset ?? 0, turn.source?.length ?? turn.text.length);
}

/** Denoises a dialogue. Rules default to the package's rules/denoise.json. */
export function cleanDialogue(turns: readonly Turn[], rules: DenoiseRules = loadDenoiseRules(), options: DenoiseOptions = {}): CleanedDialogue {
  checkTurns(turns, options.item);
  const removed: Removal[] = [];
  const seenRaw = new Set<string>();
  const seenClean = new Set<string>();
  const kept: { turn: Turn; tracked: TrackedText; sources: number[] }[] = [];

  turns.forEach((turn, i) => {
    const collapsed = turn.text.replace(/\s+/gu, ' ').trim();
    if (turn.role === 'agent' && options.dedupeAgentReplies !== false && collapsed !== '') {
      if (seenRaw.has(collapsed)) {
        removed.push({ turn: i, level: 'dialogue', rule: 'repeated-agent-reply', text: collapsed });
        return;
      }
      seenRaw.add(collapsed);
    }
    const before = removed.length;
    const tracked = cleanTurnText(trackTurn(turn, i), turn.role, i, rules, options, removed);
    const text = tracked.text;
    if (text === '' && turn.images.length === 0) {
      const rule = turn.role === 'agent' ? 'empty-agent-reply' : 'empty-user-turn';
      // The text is already accounted for by the sentence/word removals just recorded, if any.
      removed.push({ turn: i, level: 'dialogue', rule, text: removed.length > before ? '' : collapsed });
      return;
    }
    // Two wordings of the same boilerplate often clean to the same text.
    if (turn.role === 'agent' && options.dedupeAgentReplies !== false) {
      if (seenClean.has(text)) {
        removed.push({ turn: i, level: 'dialogue', rule: 'repeated-agent-reply', text });
        return;
      }
      seenClean.add(text);
    }
    kept.push({ turn: { role: turn.role, text, images: [...turn.images] }, tracked, sources: [i] });
  });

  const merged: { turn: Turn; tracked: TrackedText; sources: number[] }[] = [];
  const merges: Merge[] = [];
  for (const entry of kept) {
    const last = merged[merged.length - 1];
    if (options.mergeUserTurns !== false && last && last.turn.role === 'user' && entry.turn.role === 'user') {
      merges.push({ turn: entry.sources[0], into: last.sources[0] });
      last.tracked = normaliseSpacing(TrackedText.join([last.tracked, entry.tracked], ' '));
      last.turn = { role: 'user', text: last.tracked.text, images: [...last.turn.images, ...entry.turn.images] };
      last.sources.push(...entry.sources);
    } else {
      merged.push({ turn: entry.turn, tracked: entry.tracked, sources: [...entry.sources] });
    }
  }
  return { turns: merged.map((m) => m.turn), removed, merged: merges, sources: merged.map((m) => m.sources), tracked: merged.map((m) => m.tracked) };
}

/** Denoises a sample's dialogue; the returned sample is a copy with the cleaned turns. */
export function cleanSample(sample: Sample, rules?: DenoiseRules, options: DenoiseOptions = {}): CleanedSample {
  const cleaned = cleanDialogue(sample.turns, rules, { ...options, item: options.item ?? { id: sample.id, index: sample.index } });
  return { ...cleaned, sample: { ...sample, turns: cleaned.turns } };
}

// The lines count turns from 1, as people do; the records (`--json`) keep the 0-based positions.
/** One line per merge: `turn 3 joined to turn 1 (consecutive user turns; its text is kept)`. */
export function formatMerges(merged: readonly Merge[]): string[] {
  return merged.map((m) => `${turnName(m.turn)} joined to ${turnName(m.into)} (consecutive user turns; its text is kept)`);
}

/** One line per removal: `turn 4 sentence/cannot-read-image: 抱歉哦，…`. */
export function formatRemovals(removed: readonly Removal[]): string[] {
  return removed.map((r) => {
    const what = r.replacement !== undefined ? `${r.text} → ${r.replacement}` : r.text === '' ? '(turn dropped)' : r.text;
    return `${turnName(r.turn)} ${r.level}/${r.rule}: ${what}`;
  });
}
