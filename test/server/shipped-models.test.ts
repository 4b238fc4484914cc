// The shipped models behind the real HTTP API: what a fresh clone serves (README's main job).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRecognizers } from '../../src/tasks/default-models.js';
import { startServer } from './helpers.js';

// An empty feature cache: the scene request runs OCR, layout and embedding for real.
process.env.ECOMMIR_CACHE_DIR = await mkdtemp(join(tmpdir(), 'ecommir-shipped-'));
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const recognizers = await loadRecognizers();
const server = await startServer({ recognizers });
after(() => server.close());

test('the shipped models load and the service is ready', async () => {
  assert.ok(recognizers.scene && recognizers.intent, 'models/scene and models/intent are in the repo');
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 200);
});

test('a project-made dialogue about rust gets 是否会生锈, with evidence in its turns', async () => {
  const dialogue = JSON.parse(await readFile(join(examples, 'dialogues', 'rust.json'), 'utf8'));
  const { status, json } = await server.post('/v1/intent', dialogue);
  assert.equal(status, 200);
  assert.equal(json.prediction.label, '是否会生锈');
  assert.equal(json.prediction.hierarchical, '商品信息咨询-是否会生锈');
  // The words that decided, where they were sent: a span with 生锈 (e.g. 会生锈) in turn 2 (not in a denoised turn 0), with a reason.
  const spans = json.prediction.evidence.filter((e: { kind: string }) => e.kind === 'text') as { turn: number; start: number; end: number; text: string; reason: { en: string; zh: string } }[];
  assert.ok(spans.some((e) => e.turn === 2 && e.text.includes('生锈')), JSON.stringify(json.prediction.evidence));
  for (const e of spans) {
    assert.equal(dialogue.dialogue[e.turn].text.slice(e.start, e.end), e.text);
    assert.ok(e.reason.en.length > 0 && e.reason.zh.length > 0);
  }
});

test('a project-made logistics screenshot is read as a logistics page', async () => {
  const png = await readFile(join(examples, 'screenshots', 'logistics.png'));
  const { status, json } = await server.post('/v1/scene', { image: png.toString('base64') });
  assert.equal(status, 200);
  assert.equal(json.prediction.coarse, '物流', JSON.stringify(json.prediction.ranked.slice(0, 3)));
  assert.ok(json.prediction.ranked.length >= 3 && json.prediction.confidence > 0);
});
