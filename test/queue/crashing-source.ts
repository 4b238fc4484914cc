// Recognisers for a queue worker's pool: the embedded ones of a selection, whose intent recogniser
// ends its worker thread on a dialogue that says 崩溃 (a stand-in for a crash), so that the pool
// starts a replacement, which loads the model folder again.
import { createRecognizers, type BackendSelection, type RecognizerSet } from '../../src/backends/select.js';

export const CRASHING_SOURCE_MODULE = import.meta.url;

export async function createRecognizerSet(selection: BackendSelection): Promise<RecognizerSet> {
  const { intent } = await createRecognizers(selection);
  if (!intent) throw new Error('no intent model in the selection');
  return {
    intent: {
      task: 'intent',
      labels: intent.labels,
      predict: (sample, options) => (sample.turns.some((t) => t.text.includes('崩溃')) ? process.exit(1) : intent.predict(sample, options)),
    },
  };
}
