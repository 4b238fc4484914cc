// Extra text views of one image's OCR for the scene recogniser (opt-in, by view name):
// - `head`: the first lines below the phone's status bar, which usually name the page
//   ("订单详情", "物流详情", "优惠券"...), apart from the rest of the title-bar text;
// - `confident`: all text from lines the recogniser read with confidence ≥ CONFIDENT, so
//   garbled photo text (其他类别图片, product photos) does not look like a page's words;
// - `shape`: tokens of the text-box geometry per region (line counts, a tab bar's items in one row,
//   short vs long lines), which tell a list page from a detail page or an app's home screen.
import type { ImageFeatures } from '../../features/extract.js';
import type { MultiViewDoc } from '../../features/text/feature-union.js';
import type { OcrLine } from '../../vision/ocr.js';
import { linesByRegion } from '../../vision/layout.js';

/** Lines whose middle lies above this fraction of the height are the status bar. */
export const STATUS_BAR = 0.045;
/** How many lines below the status bar make up the `head` view. */
export const HEAD_LINES = 3;
/** Minimum OCR confidence of a line in the `confident` view. */
export const CONFIDENT = 0.9;

/** Clock, signal, battery and similar status-bar text. */
const STATUS_TEXT = /^[\d:.%\sA-Za-z]*$|^\d{1,2}:\d{2}/;

export const EXTRA_SCENE_VIEWS = ['head', 'confident', 'shape'] as const;

function isStatusBarLine(line: OcrLine): boolean {
  const mid = (line.box.y0 + line.box.y1) / 2;
  return mid < STATUS_BAR || (mid < 0.08 && STATUS_TEXT.test(line.text.trim()));
}

/** Lines whose vertical middles are within half a line height of each other form one row. */
function rows(lines: readonly OcrLine[]): OcrLine[][] {
  const sorted = [...lines].sort((a, b) => a.box.y0 + a.box.y1 - (b.box.y0 + b.box.y1));
  const out: OcrLine[][] = [];
  for (const line of sorted) {
    const mid = (line.box.y0 + line.box.y1) / 2;
    const last = out[out.length - 1];
    const ref = last?.[0];
    if (ref && Math.abs(mid - (ref.box.y0 + ref.box.y1) / 2) < (ref.box.y1 - ref.box.y0) / 2) last.push(line);
    else out.push([line]);
  }
  return out;
}

const bucket = (n: number): string => (n <= 3 ? String(n) : n <= 6 ? '4-6' : n <= 12 ? '7-12' : '13+');

/** Geometry tokens: counts per region, widest row of short items (tab bars), line-length mix. */
export function shapeTokens(lines: readonly OcrLine[]): string[] {
  const regions = linesByRegion(lines);
  const tokens: string[] = [];
  for (const [name, part] of Object.entries(regions) as [string, OcrLine[]][]) {
    tokens.push(`${name}:lines=${bucket(part.length)}`);
    const widest = Math.max(0, ...rows(part).map((r) => r.length));
    tokens.push(`${name}:row=${bucket(widest)}`);
    const short = part.filter((l: OcrLine) => l.text.length <= 4).length;
    if (part.length > 0) tokens.push(`${name}:short=${Math.round((4 * short) / part.length)}`);
  }
  tokens.push(`all:lines=${bucket(lines.length)}`);
  const lowConfidence = lines.filter((l) => l.confidence < 0.8).length;
  if (lines.length > 0) tokens.push(`lowconf=${Math.round((4 * lowConfidence) / lines.length)}`);
  return tokens;
}

/** The base views (all, title, body, bottom) and the extra ones, for one image. */
export function sceneDocExtras(features: Pick<ImageFeatures, 'ocr'>): MultiViewDoc {
  const lines = features.ocr.lines;
  const regions = linesByRegion(lines);
  const join = (ls: readonly OcrLine[]) => ls.map((l) => l.text).join(' ');
  return {
    all: join(lines),
    title: join(regions.title),
    body: join(regions.body),
    bottom: join(regions.bottom),
    head: join(lines.filter((l) => !isStatusBarLine(l)).slice(0, HEAD_LINES)),
    confident: join(lines.filter((l) => l.confidence >= CONFIDENT)),
    shape: shapeTokens(lines),
  };
}
