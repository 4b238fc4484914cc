// The in-process lanes hand the request's signal to the recogniser, so that one that calls a server
// (mllm) drops its calls when the request is past its deadline instead of making them later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessLanes } from '../../src/runtime/lanes.js';
import type { PredictOptions, Recognizer } from '../../src/tasks/recognizer.js';
import { FakeIntentRecognizer } from '../server/fakes.js';

test('InProcessLanes passes the request signal to the recogniser', async () => {
  const fake = new FakeIntentRecognizer();
  const seen: (AbortSignal | undefined)[] = [];
  const intent: Recognizer = { task: 'intent', labels: fake.labels, predict: (s, o?: PredictOptions) => (seen.push(o?.signal), fake.predict(s, o)) };
  const lanes = new InProcessLanes({ intent });
  const controller = new AbortController();
  const sample = { id: 'x', index: 0, task: 'intent' as const, candidates: [], turns: [{ role: 'user' as const, text: '会生锈吗', images: [] }], images: [] };
  await lanes.predict(sample, {}, controller.signal);
  assert.equal(seen[0], controller.signal);
  await lanes.close();
});
