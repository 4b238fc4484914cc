// From a cleaned dialogue to the named text views the intent head reads. The user's turns carry the
// intent (FINDINGS: agent boilerplate mixed in hurts), the latest user question most of all; the
// cleaned agent replies are a separate, lighter view; the cue lexicon and the user's images add
// tokens of their own.
import { cleanDialogue, trackTurn } from '../../clean/denoise.js';
import { TrackedText } from '../../data/tracked-text.js';
import type { DenoiseRules } from '../../clean/rules.js';
import type { MultiViewDoc } from '../../features/text/feature-union.js';
import type { Sample, Turn } from '../../types.js';
import { matchCues, type CueLexicon } from '../../features/text/cue-lexicon.js';
import type { TextFolder } from '../../features/text/variants.js';

/** Placeholders the denoiser leaves (`<image>`, `<http>`, `<num>`...), removed from n-gram text. */
const MARKER = /<[a-z]+>/g;

export interface IntentViewOptions {
  /** Run the multi-level denoiser first (the paper's ablation switches this off). Default true. */
  denoise?: boolean;
  /** Fold typing variation (traditional, width, emoji, Latin words, typos) before any view is read. */
  folder?: TextFolder;
  /** Also give each text view with the origin of its characters in the dialogue as sent (for evidence; slower). */
  track?: boolean;
  /**
   * The token views a model reads: `classes` and `lexicon` are left out unless named (matching the cue
   * lexicon was a tenth of a text-only prediction for models without that view). All when absent.
   */
  views?: ReadonlySet<string>;
}

/** What the user's images contributed: their OCR text and predicted scene labels. */
export interface ImageEvidence {
  ocrText: string;
  scenes: string[];
}

export interface IntentDocument {
  doc: MultiViewDoc;
  /** The turns the views were built from (cleaned or raw), for evidence. */
  turns: Turn[];
  /** With `track`: the text views (user, last, first, agent) as TrackedText, equal to the doc's strings. */
  tracked?: Record<'user' | 'last' | 'first' | 'agent', TrackedText>;
}

export function intentDocument(
  sample: Sample,
  lexicon: CueLexicon,
  rules: DenoiseRules | undefined,
  options: IntentViewOptions = {},
  images?: ImageEvidence,
): IntentDocument {
  const cleaned = options.denoise === false ? undefined : cleanDialogue(sample.turns, rules, { item: { id: sample.id, index: sample.index } });
  const turns = cleaned ? cleaned.turns : sample.turns;
  // With tracking on, the views are read off the tracked texts (each character knowing where it was
  // typed): one fold instead of two.
  const tracked = options.track ? trackedViews(sample, turns, cleaned, options) : undefined;
  const fold = options.folder ? (t: string) => options.folder!.fold(t) : (t: string) => t;
  const side = (role: Turn['role']) => turns.filter((t) => t.role === role).map((t) => fold(stripMarkers(t.text))).filter((t) => t !== '');
  const userTexts = tracked ? [] : side('user');
  const agentTexts = tracked ? [] : side('agent');
  const user = tracked ? tracked.user.text : userTexts.join(' ');
  const last = tracked ? tracked.last.text : userTexts.length > 0 ? userTexts[userTexts.length - 1] : '';
  const agent = tracked ? tracked.agent.text : agentTexts.join(' ');
  const first = tracked ? tracked.first.text : userTexts.length > 0 ? userTexts[0] : '';
  const wants = (view: string) => !options.views || options.views.has(view);
  const doc: MultiViewDoc = {
    user,
    last,
    first,
    // The pinyin views read the same text; their analyser (kind 'pinyin') turns it into syllables.
    userPinyin: user,
    lastPinyin: last,
    agentPinyin: agent,
    classes: options.folder && wants('classes') ? [...options.folder.classTokens(user).map((t) => `user:${t}`), ...options.folder.classTokens(last).map((t) => `last:${t}`)] : [],
    userWords: user,
    agent,
    lexicon: wants('lexicon')
      ? [
          ...matchCues(user, lexicon).map((m) => `lex:${m.label}`),
          ...matchCues(last, lexicon).map((m) => `last:${m.label}`),
          ...matchCues(agent, lexicon).map((m) => `agent:${m.label}`),
        ]
      : [],
    ocr: images?.ocrText ?? '',
    scene: images?.scenes.map((s) => `scene:${s}`) ?? [],
  };
  return tracked ? { doc, turns, tracked } : { doc, turns };
}

/** The user, last, first and agent views as tracked texts. */
function trackedViews(sample: Sample, turns: readonly Turn[], cleaned: ReturnType<typeof cleanDialogue> | undefined, options: IntentViewOptions) {
  const trackedTurns = cleaned ? cleaned.tracked : sample.turns.map((t, i) => trackTurn(t, i));
  const foldTracked = options.folder ? (t: TrackedText) => options.folder!.foldTracked(t) : (t: TrackedText) => t;
  const side = (role: Turn['role']) => trackedTurns.filter((_, k) => turns[k].role === role).map((t) => foldTracked(stripMarkersTracked(t))).filter((t) => t.length > 0);
  const userTracked = side('user');
  const agentTracked = side('agent');
  const none = TrackedText.synthetic('');
  return {
    user: TrackedText.join(userTracked, ' '),
    last: userTracked.length > 0 ? userTracked[userTracked.length - 1] : none,
    first: userTracked.length > 0 ? userTracked[0] : none,
    agent: TrackedText.join(agentTracked, ' '),
  };
}

function stripMarkers(text: string): string {
  return text.replace(MARKER, ' ').replace(/\s+/g, ' ').trim();
}

function stripMarkersTracked(text: TrackedText): TrackedText {
  return text.replace(MARKER, () => ' ').replace(/\s+/g, () => ' ').trim();
}
