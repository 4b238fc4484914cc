// Text normalisation before n-grams: NFKC folds full-width forms to half-width (ＡＢＣ１２３，→ ABC123,)
// and the ideographic space to a space; Latin is lower-cased so 'iPhone' and 'IPHONE' share features;
// digit runs can collapse to one placeholder so order numbers and prices do not explode the vocabulary.

export interface NormaliseOptions {
  /** 'keep' digits as they are, or 'collapse' each run of digits to a single '0'. Default 'keep'. */
  digits?: 'keep' | 'collapse';
  /** Lower-case letters. Default true. */
  lowercase?: boolean;
}

export function normaliseText(text: string, options: NormaliseOptions = {}): string {
  let out = text.normalize('NFKC');
  if (options.lowercase ?? true) out = out.toLowerCase();
  if (options.digits === 'collapse') out = out.replace(/[0-9]+/g, '0');
  return out.replace(/\s+/g, ' ').trim();
}
