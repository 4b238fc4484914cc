// Reading a challenge instruction: which task it asks for, the candidate labels it lists, and the
// dialogue it quotes. Matching is done on the punctuation-folded text (see fold.ts); every string
// returned is sliced from the original, so labels and turns keep their exact characters.
import { EcommirError, type ItemRef } from '../errors.js';
import type { Role, Task } from '../types.js';
import { foldForMatching, foldPunctuation } from './fold.js';

export const IMAGE_MARKER = '<image>';
export const LINK_MARKER = '<http>';

const DIALOGUE_START = /<\s*用户与客服的对话\s*START\s*>/i;
const DIALOGUE_END = /<\s*用户与客服的对话\s*END\s*>/i;

/**
 * The task an instruction asks for, told only by its wording: a quoted dialogue or the word 意图
 * (intent) means intent; 识图, 场景, 图片…分类 or a `Picture 1: <image>` prefix means scene.
 */
export function detectTask(instruction: string, item: ItemRef = {}): Task {
  const text = foldForMatching(instruction);
  if (DIALOGUE_START.test(text) || /意图/.test(text) || /多轮对话/.test(text)) return 'intent';
  if (/识图|场景|图片.{0,20}分类|^Picture \d+ ?: ?<image>/i.test(text)) return 'scene';
  throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `the instruction asks for neither image scene (识图/场景) nor dialogue intent (意图/对话): "${preview(instruction)}"`, { item });
}

const OPEN_QUOTES = new Set(['"', "'"]);

/**
 * The candidate labels listed after the last `分类标签` (or `标签`) of the instruction, written as a
 * JSON-ish list: `["a","b"]`, full-width brackets and curly quotes accepted, or unquoted `[a, b]`.
 * Returns [] when the instruction lists none.
 */
export function parseCandidates(instruction: string, item: ItemRef = {}): string[] {
  const folded = foldPunctuation(instruction);
  const end = findDialogueEnd(folded);
  let anchor = folded.lastIndexOf('分类标签');
  if (anchor < end) anchor = folded.lastIndexOf('标签');
  if (anchor < end) return [];
  const open = folded.indexOf('[', anchor);
  if (open < 0) return [];
  const labels: string[] = [];
  let i = open + 1;
  const skipSpaceAndCommas = (): void => {
    while (i < folded.length && (/\s/.test(folded[i]) || folded[i] === ',')) i++;
  };
  for (;;) {
    skipSpaceAndCommas();
    if (i >= folded.length) throw badList('the label list is not closed with ]');
    if (folded[i] === ']') break;
    if (OPEN_QUOTES.has(folded[i])) {
      // A quoted label ends at a quote followed by a comma or the closing bracket, so that a label
      // holding a quote of another kind survives.
      const start = i + 1;
      let close = -1;
      for (let j = start; j < folded.length; j++) {
        if (!OPEN_QUOTES.has(folded[j])) continue;
        let k = j + 1;
        while (k < folded.length && /\s/.test(folded[k])) k++;
        if (folded[k] === ',' || folded[k] === ']') {
          close = j;
          break;
        }
      }
      if (close < 0) throw badList(`a quoted label starting at "${preview(instruction.slice(start))}" is not closed`);
      labels.push(instruction.slice(start, close).trim());
      i = close + 1;
    } else {
      const start = i;
      while (i < folded.length && folded[i] !== ',' && folded[i] !== ']') i++;
      labels.push(instruction.slice(start, i).trim());
    }
  }
  const seen = new Set<string>();
  for (const label of labels) {
    if (label === '') throw badList('the label list holds an empty label');
    if (seen.has(label)) throw badList(`the label list holds "${label}" twice`);
    seen.add(label);
  }
  return labels;

  function badList(why: string): EcommirError {
    return new EcommirError('ECM_ERR_BAD_RECORD', `cannot read the candidate labels: ${why}`, { item });
  }
}

export interface RawTurn {
  role: Role;
  text: string;
}

const ROLE_PREFIXES: readonly { pattern: RegExp; role: Role }[] = [
  { pattern: /^\s*用户\s*:/, role: 'user' },
  { pattern: /^\s*客服\s*:/, role: 'agent' },
];

/**
 * The turns quoted between `<用户与客服的对话 START>` and `<用户与客服的对话 END>`. A line starting
 * with `用户:` or `客服:` opens a turn; any other line continues the turn before it. Returns
 * undefined when the instruction quotes no dialogue.
 */
export function parseDialogue(instruction: string, item: ItemRef = {}): RawTurn[] | undefined {
  const folded = foldPunctuation(instruction);
  const start = DIALOGUE_START.exec(folded);
  if (!start) return undefined;
  const bodyStart = start.index + start[0].length;
  const endMatch = DIALOGUE_END.exec(folded.slice(bodyStart));
  if (!endMatch) throw new EcommirError('ECM_ERR_BAD_RECORD', 'the dialogue has a START marker but no <用户与客服的对话 END>', { item });
  const bodyEnd = bodyStart + endMatch.index;
  const turns: RawTurn[] = [];
  let offset = bodyStart;
  for (const foldedLine of folded.slice(bodyStart, bodyEnd).split('\n')) {
    const line = instruction.slice(offset, offset + foldedLine.length).replace(/\r$/, '');
    offset += foldedLine.length + 1;
    const prefix = ROLE_PREFIXES.find((p) => p.pattern.test(foldedLine));
    if (prefix) {
      const head = prefix.pattern.exec(foldedLine)![0].length;
      turns.push({ role: prefix.role, text: line.slice(head) });
    } else if (turns.length > 0) {
      turns[turns.length - 1].text += '\n' + line;
    } else if (line.trim() !== '') {
      throw new EcommirError('ECM_ERR_BAD_RECORD', `dialogue text before the first 用户:/客服: turn: "${preview(line)}"`, { item });
    }
  }
  for (const turn of turns) turn.text = turn.text.trim();
  return turns;
}

/** Number of `<image>` markers in a text (full-width brackets accepted). */
export function countImageMarkers(text: string): number {
  return foldPunctuation(text).split(IMAGE_MARKER).length - 1;
}

function findDialogueEnd(folded: string): number {
  const end = DIALOGUE_END.exec(folded);
  return end ? end.index + end[0].length : -1;
}

function preview(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max) + '…' : flat;
}
