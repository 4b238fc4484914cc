// Evidence a person can read for a scene answer: the OCR lines whose words pushed the winning label
// (x_j · w_jc of a linear head), each with its box on the image and a short reason in Chinese and
// English; what has no place on the image (the layout, the pixel UI cues, the picture as a whole) as
// signals. The text views are joins of OCR lines, and character n-grams never cross the space that
// joins two lines, so every n-gram the model weighed sits inside one line: the lines holding it.
import type { AnalyzerSpec } from '../../features/text/feature-union.js';
import { normaliseText } from '../../features/text/normalise.js';
import type { Evidence, OcrEvidence, SignalEvidence } from '../../types.js';
import { linesByRegion } from '../../vision/layout.js';
import type { OcrLine } from '../../vision/ocr.js';

export interface SceneContribution {
  view: string;
  term: string;
  weight: number;
}

/** What a token of a token view stands for on the page: cue strings to find, in which lines. */
export interface SceneTokenSource {
  region: 'title' | 'page';
  needles: string[];
  kind: 'lexicon' | 'mined';
}

export interface SceneEvidenceInput {
  /** Text and token features with a positive share of the winning label's score. */
  contributions: readonly SceneContribution[];
  /** Dense blocks (layout, named pixel cues, the embedding) and their summed share. */
  dense: readonly { name: string; weight: number }[];
  lines: readonly OcrLine[];
  analyzers: Readonly<Record<string, AnalyzerSpec>>;
  /** A token view's token → what it stands for; undefined = no place (shape, ui tokens). */
  tokenSource: (view: string, term: string) => SceneTokenSource | undefined;
  label: string;
  labelEnglish?: string;
  /** Index of the image among the sample's images, and the turn holding it (a dialogue's). */
  image?: number;
  turn?: number;
  /** At most this many items. Default 6. */
  max?: number;
}

type Region = 'title' | 'body' | 'bottom';

/** The lines a text view reads: the title bar's, the bottom bar's, the first ones below the status bar, or all. */
function linesOfView(view: string, regionOf: Region[]): (i: number) => boolean {
  if (view === 'title') return (i) => regionOf[i] === 'title';
  if (view === 'bottom') return (i) => regionOf[i] === 'bottom';
  if (view === 'body') return (i) => regionOf[i] === 'body';
  return () => true;
}

const EDGES = /^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu;

export function sceneEvidence(input: SceneEvidenceInput): Evidence[] {
  const { lines } = input;
  const regions = linesByRegion(lines);
  const regionOf: Region[] = lines.map((l) => (regions.title.includes(l) ? 'title' : regions.bottom.includes(l) ? 'bottom' : 'body'));
  const normalised = lines.map((l) => normaliseText(l.text));
  const positive = input.contributions.filter((c) => c.weight > 0).sort((a, b) => b.weight - a.weight);
  const top = Math.max(positive[0]?.weight ?? 0, ...input.dense.map((d) => d.weight));
  const perLine = new Map<number, { weight: number; features: Map<string, { weight: number; cue: string; c: SceneContribution }> }>();
  const signals: SignalEvidence[] = [];
  const unplaced = new Map<string, number>();
  for (const c of positive.filter((p) => p.weight >= 0.1 * top).slice(0, 60)) {
    const analyzer = input.analyzers[c.view];
    let needles: string[] = [];
    let where: (i: number) => boolean = () => true;
    if (analyzer?.kind === 'tokens') {
      const source = input.tokenSource(c.view, c.term);
      if (source) {
        needles = source.needles.map((n) => n.toLowerCase());
        where = source.region === 'title' ? (i) => regionOf[i] === 'title' : () => true;
      }
    } else if (analyzer && analyzer.kind !== 'pinyin') {
      needles = [analyzer.kind === 'word' ? c.term.split(' ').join('') : c.term.trim()];
      where = linesOfView(c.view, regionOf);
    }
    needles = needles.filter((n) => n !== '');
    const holding: { line: number; cue: string }[] = [];
    for (const needle of needles) {
      lines.forEach((_, i) => {
        if (where(i) && normalised[i].includes(needle)) holding.push({ line: i, cue: needle });
      });
      if (holding.length > 0) break; // the longest cue that is there
    }
    if (holding.length === 0) {
      // Shape and UI tokens, or a cue not found on a line: a signal of its view.
      unplaced.set(c.view, (unplaced.get(c.view) ?? 0) + c.weight);
      continue;
    }
    for (const { line, cue } of holding) {
      const entry = perLine.get(line) ?? { weight: 0, features: new Map() };
      const share = c.weight / holding.length;
      entry.weight += share;
      const key = `${c.view}:${c.term}`;
      const f = entry.features.get(key);
      if (f) f.weight += share;
      else entry.features.set(key, { weight: share, cue, c });
      perLine.set(line, entry);
    }
  }
  const label = { en: input.labelEnglish ? `${input.labelEnglish} (${input.label})` : input.label, zh: `“${input.label}”` };
  const ocr: OcrEvidence[] = [...perLine.entries()].map(([i, entry]) => {
    const ranked = [...entry.features.entries()].sort((a, b) => b[1].weight - a[1].weight);
    // The cue named is the longest one found on the line among its three strongest features.
    const cue = ranked
      .slice(0, 3)
      .map(([, f]) => f.cue.replace(EDGES, ''))
      .sort((a, b) => b.length - a.length)[0];
    const line = lines[i];
    const region = regionOf[i];
    const where = region === 'title' ? { en: ' in the title bar', zh: '标题栏' } : region === 'bottom' ? { en: ' in the bottom bar', zh: '底栏' } : { en: '', zh: '页面' };
    const kind = ranked[0][1].c.view === 'lexicon' ? { en: 'lexicon cue', zh: '词典线索' } : ranked[0][1].c.view === 'mined' ? { en: 'learnt cue', zh: '学到的线索' } : { en: 'text', zh: '文字' };
    return {
      kind: 'ocr',
      image: input.image ?? 0,
      ...(input.turn !== undefined ? { turn: input.turn } : {}),
      text: line.text,
      box: { x0: line.box.x0, y0: line.box.y0, x1: line.box.x1, y1: line.box.y1 },
      indicates: input.label,
      weight: entry.weight,
      reason: { en: `${kind.en} “${cue}”${where.en} → ${label.en}`, zh: `${where.zh}${kind.zh}“${cue}” → ${label.zh}` },
      features: ranked.map(([key]) => key),
    };
  });
  for (const d of input.dense) if (d.weight > 0) signals.push(denseSignal(d.name, d.weight, label));
  for (const [view, weight] of unplaced) signals.push(denseSignal(view, weight, label));
  const all: Evidence[] = [...ocr, ...signals].sort((a, b) => b.weight - a.weight);
  const heaviest = all[0]?.weight ?? 0;
  return all.filter((e) => e.weight >= 0.2 * heaviest).slice(0, input.max ?? 6);
}

const SIGNALS: Record<string, { en: string; zh: string }> = {
  layout: { en: 'the page layout', zh: '页面布局' },
  'image-embedding': { en: 'the picture as a whole', zh: '整体画面' },
  shape: { en: 'the arrangement of the text lines', zh: '文字行的排布' },
  ui: { en: 'the page’s controls', zh: '页面控件' },
  mined: { en: 'cues learnt from training pages', zh: '训练页面中学到的线索' },
  lexicon: { en: 'lexicon cues', zh: '词典线索' },
};

function denseSignal(name: string, weight: number, label: { en: string; zh: string }): SignalEvidence {
  const ui = name.startsWith('ui:') ? { en: `the page’s look (${name.slice(3)})`, zh: `页面外观（${name.slice(3)}）` } : undefined;
  const what = ui ?? SIGNALS[name] ?? { en: name, zh: name };
  return { kind: 'signal', weight, reason: { en: `${what.en} → ${label.en}`, zh: `${what.zh} → ${label.zh}` }, features: [name] };
}
