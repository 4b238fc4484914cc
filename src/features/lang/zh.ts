// The Chinese language pack (nlp.js style): normaliser, word tokeniser and stop words in one place,
// so that feature code never branches on a language code. jieba's dictionary is loaded lazily,
// once per process, on the first word cut (it takes a few hundred milliseconds).

import { createRequire } from 'node:module';
import type { Jieba as JiebaType } from '@node-rs/jieba';
import { normaliseText, type NormaliseOptions } from '../text/normalise.js';

export interface LanguagePack {
  readonly name: string;
  normalise(text: string, options?: NormaliseOptions): string;
  /** Word tokens of (normalised) text, with whitespace and punctuation-only tokens dropped. */
  words(text: string): string[];
  readonly stopWords: ReadonlySet<string>;
}

const require = createRequire(import.meta.url);
let jieba: JiebaType | null = null;

function getJieba(): JiebaType {
  if (!jieba) {
    const { Jieba } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    jieba = Jieba.withDict(dict);
  }
  return jieba;
}

// Function words that carry no intent on their own; deliberately short (negations such as 不/没 stay).
const STOP_WORDS = new Set(['的', '了', '吗', '呢', '吧', '啊', '呀', '哦', '嗯', '哈', '是', '在', '我', '你', '这', '那', '就', '也', '都', '和', '给']);

const PUNCTUATION_ONLY = /^[\s\p{P}\p{S}]+$/u;

export const zh: LanguagePack = {
  name: 'zh',
  normalise: normaliseText,
  words(text: string): string[] {
    return getJieba()
      .cut(text, true)
      .filter((w) => !PUNCTUATION_ONLY.test(w));
  },
  stopWords: STOP_WORDS,
};
