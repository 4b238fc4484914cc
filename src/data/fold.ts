// Punctuation folding for matching instruction wording. Instructions in the wild mix ASCII and
// full-width punctuation (，vs , ；：vs :), so keywords and markers are matched on a folded copy.
// The fold maps one UTF-16 unit to one UTF-16 unit, so an offset found in the folded text is also
// an offset in the original, and slices taken from the original keep the author's exact characters
// (label strings such as `实物拍摄(含售后)` and `下单过程中出现异常（显示购买失败浮窗）` differ only in this).

const EXTRA_FOLDS: Readonly<Record<string, string>> = {
  '\u3000': ' ', // ideographic space
  '\u00a0': ' ', // no-break space
  '【': '[',
  '】': ']',
  '〔': '[',
  '〕': ']',
  '「': '"',
  '」': '"',
  '『': '"',
  '』': '"',
  '“': '"',
  '”': '"',
  '‘': "'",
  '’': "'",
  '、': ',',
  '。': '.',
  '《': '<',
  '》': '>',
  '〈': '<',
  '〉': '>',
};

/** Folds full-width ASCII variants (U+FF01–U+FF5E) and common CJK punctuation to ASCII, one unit per unit. */
export function foldPunctuation(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xff01 && code <= 0xff5e) out += String.fromCharCode(code - 0xfee0);
    else out += EXTRA_FOLDS[text[i]] ?? text[i];
  }
  return out;
}

/** Folded punctuation and every whitespace run collapsed to one space: for keyword matching only. */
export function foldForMatching(text: string): string {
  return foldPunctuation(text).replace(/\s+/g, ' ').trim();
}
