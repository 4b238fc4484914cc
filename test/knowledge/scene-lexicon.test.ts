import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defaultLexiconPath, loadCueLexicon, matchCues } from '../../src/features/text/cue-lexicon.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { pageText, synthesizeScenePages } from '../../src/knowledge/scene-pages.js';

test('the clean-room scene lexicon covers every label and says how it was written', () => {
  const path = defaultLexiconPath('scene');
  const json = JSON.parse(readFileSync(path, 'utf8')) as { about?: string };
  assert.match(json.about ?? '', /clean-room/i);
  assert.match(json.about ?? '', /definitions/);
  const lexicon = loadCueLexicon(path);
  assert.deepEqual([...lexicon.cues.keys()].sort(), [...Taxonomy.default('scene').labels].sort());
  for (const [label, cues] of lexicon.cues) assert.ok(cues.length >= 5, `${label}: ${cues.length} cues`);
});

test('the lexicon agrees with the page knowledge: a label\'s cues fire on most of its own synthetic screens', () => {
  const lexicon = loadCueLexicon(defaultLexiconPath('scene'));
  const pages = synthesizeScenePages({ seed: 9, perLabel: 20 }).filter((p) => p.kind === 'screen');
  const byLabel = new Map<string, { hit: number; n: number }>();
  for (const p of pages) {
    const matched = new Set(matchCues(pageText(p).join(' '), lexicon).map((m) => m.label));
    const s = byLabel.get(p.label) ?? { hit: 0, n: 0 };
    s.n++;
    if (matched.has(p.label)) s.hit++;
    byLabel.set(p.label, s);
  }
  for (const [label, s] of byLabel) assert.ok(s.hit / s.n >= 0.6, `${label}: own cues fire on ${s.hit}/${s.n} pages`);
});
