// Prediction reads the intent views off the tracked texts (for evidence offsets), training reads them
// as plain strings: both must give the same document, or a model would be scored on other text than it
// learnt from. Checked on every dev dialogue and on hand-made turns that exercise folding and markers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intentDocument } from '../../../src/tasks/intent/views.js';
import { defaultLexiconPath, loadCueLexicon } from '../../../src/features/text/cue-lexicon.js';
import { TextFolder } from '../../../src/features/text/variants.js';
import { loadSamples } from '../../../src/data/load.js';
import type { Sample } from '../../../src/types.js';

const DEV = new URL('../../../../shared/data/www2025-mir/train.json', import.meta.url).pathname;

test('the tracked views are the plain views, character for character, on every dev dialogue and on folded text', async () => {
  const lexicon = loadCueLexicon(defaultLexiconPath('intent'));
  const folder = TextFolder.default();
  const dev = (await loadSamples(DEV)).samples.filter((s) => s.task === 'intent');
  const made: Sample = {
    id: 'made',
    index: 0,
    task: 'intent',
    candidates: [],
    images: [],
    turns: [
      { role: 'user', text: '你好<image>', images: [] },
      { role: 'agent', text: '亲，请问有什么可以帮您', images: [] },
      { role: 'user', text: '這個會不會生銹 RUST？？ 😊  ＡＢＣ', images: [] },
      { role: 'user', text: '嗯嗯好的', images: [] },
    ],
  };
  let compared = 0;
  for (const sample of [...dev, made]) {
    for (const options of [{ folder }, {}, { folder, denoise: false }]) {
      const plain = intentDocument(sample, lexicon, undefined, options).doc;
      const tracked = intentDocument(sample, lexicon, undefined, { ...options, track: true });
      assert.ok(tracked.tracked, 'tracking gives the tracked views');
      assert.deepEqual(tracked.doc, plain, `dialogue ${sample.id}`);
      for (const name of ['user', 'last', 'first', 'agent'] as const) assert.equal(tracked.tracked[name].text, plain[name]);
      compared++;
    }
  }
  assert.equal(compared, 3 * (dev.length + 1));
});

test('only the token views a model reads are built: the lexicon and word classes when named, nothing else changed', () => {
  const lexicon = loadCueLexicon(defaultLexiconPath('intent'));
  const folder = TextFolder.default();
  const sample: Sample = {
    id: 'views',
    index: 0,
    task: 'intent',
    candidates: [],
    images: [],
    turns: [{ role: 'user', text: '这个保温杯会不会生锈，多久能到', images: [] }],
  };
  const all = intentDocument(sample, lexicon, undefined, { folder }).doc;
  assert.ok((all.lexicon as string[]).length > 0 && (all.classes as string[]).length > 0, 'the sample has lexicon cues and word classes');
  const textOnly = intentDocument(sample, lexicon, undefined, { folder, views: new Set(['user', 'last', 'agent']) }).doc;
  assert.deepEqual(textOnly, { ...all, lexicon: [], classes: [] });
  const named = intentDocument(sample, lexicon, undefined, { folder, views: new Set(['user', 'lexicon', 'classes']) }).doc;
  assert.deepEqual(named, all);
});
