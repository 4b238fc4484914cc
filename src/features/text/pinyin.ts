// A pinyin reading of Chinese text, so that same-sound typos (秀 for 锈, 退 for 褪) share features
// with the intended word: toneless syllables from pinyin-pro (which resolves many polyphones by
// word context), one token per Chinese character; runs of other characters split the syllable
// stream, so n-grams never join across punctuation.
import { createRequire } from 'node:module';

type PinyinFn = (text: string, options: { toneType: 'none'; type: 'array'; nonZh: 'removed' | 'spaced' | 'consecutive' }) => string[];
let pinyinFn: PinyinFn | null = null;

function getPinyin(): PinyinFn {
  if (!pinyinFn) {
    const require = createRequire(import.meta.url);
    pinyinFn = (require('pinyin-pro') as { pinyin: PinyinFn }).pinyin;
  }
  return pinyinFn;
}

const HAN = /\p{Script=Han}/u;

/** Runs of toneless syllables, one run per stretch of consecutive Chinese characters. */
export function pinyinRuns(text: string): string[][] {
  const runs: string[][] = [];
  for (const stretch of text.match(/\p{Script=Han}+/gu) ?? []) {
    const syllables = getPinyin()(stretch, { toneType: 'none', type: 'array', nonZh: 'removed' }).filter((s) => s !== '');
    if (syllables.length) runs.push(syllables);
  }
  return runs;
}

/** Syllable n-grams (joined by '-') within each run. */
export function pinyinNgrams(text: string, min = 1, max = 2): string[] {
  const out: string[] = [];
  if (!HAN.test(text)) return out;
  for (const run of pinyinRuns(text)) {
    for (let n = min; n <= max; n++) for (let i = 0; i + n <= run.length; i++) out.push(run.slice(i, i + n).join('-'));
  }
  return out;
}
