// The shipped scene model is what the recipe's defaults make: changing DEFAULT_SCENE_KNOWLEDGE (how many synthetic
// screenshots a label, their weight) without retraining models/scene would ship a model the bench never measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { SceneRecognizer } from '../../src/tasks/scene/recognizer.js';
import { DEFAULT_SCENE_KNOWLEDGE } from '../../src/tasks/scene/knowledge.js';

const dir = fileURLToPath(new URL('../../models/scene/', import.meta.url));

test('models/scene was trained with the default scene knowledge (screenshots a label, page texts, weight)', async () => {
  const model = await SceneRecognizer.load(dir);
  const { knowledge } = model.trainedOn;
  assert.ok(knowledge, 'the shipped scene model records the knowledge it was trained with');
  assert.deepEqual(knowledge, {
    images: DEFAULT_SCENE_KNOWLEDGE.images * model.taxonomy.labels.length,
    texts: DEFAULT_SCENE_KNOWLEDGE.texts * model.taxonomy.labels.length,
    weight: DEFAULT_SCENE_KNOWLEDGE.weight,
  });
});
