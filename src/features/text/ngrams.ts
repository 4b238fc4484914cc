// Token extractors for TF-IDF: character n-grams (the strongest cheap feature for short Chinese
// customer-service text) and word n-grams over a tokeniser's output.

export interface CharNgramOptions {
  min?: number;
  max?: number;
  /**
   * true (default): like scikit-learn's 'char_wb', n-grams stay inside whitespace-separated chunks,
   * each padded with one space so that chunk starts and ends are features. false: n-grams run over
   * the whole string.
   */
  wordBoundaries?: boolean;
}

/** Character n-grams by code point (emoji and astral CJK count as one character). */
export function charNgrams(text: string, options: CharNgramOptions = {}): string[] {
  const min = options.min ?? 1;
  const max = options.max ?? 3;
  const out: string[] = [];
  const chunks = options.wordBoundaries ?? true ? text.split(/\s+/).filter((w) => w.length > 0).map((w) => ` ${w} `) : [text];
  for (const chunk of chunks) {
    const chars = Array.from(chunk);
    for (let n = min; n <= max; n++) {
      for (let start = 0; start + n <= chars.length; start++) {
        // Concatenated rather than sliced and joined: two arrays fewer per n-gram, and this runs for every one.
        let gram = '';
        for (let k = start; k < start + n; k++) gram += chars[k];
        if (gram.trim().length > 0) out.push(gram);
      }
    }
  }
  return out;
}

/** Word n-grams from an already tokenised sequence, joined by a space. */
export function wordNgrams(words: readonly string[], min = 1, max = 1): string[] {
  const out: string[] = [];
  for (let n = min; n <= max; n++) {
    for (let start = 0; start + n <= words.length; start++) out.push(words.slice(start, start + n).join(' '));
  }
  return out;
}
