// A flag that does nothing with the others given is named on stderr (it used to be passed over, and
// the user believed it had applied); a flag that does apply is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

const notes = (stderr: string): string[] => stderr.split('\n').filter((line) => line.includes('does nothing here'));

test('train names the flags of the other task, --seeds without --cv and knowledge flags with --no-knowledge', async () => {
  const intent = await runCli(['train', 'intent', 'no-such-data.json', '--out', 'never', '--augment', '2', '--seeds', '1,2', '--knowledge-images', '3', '--legacy-head', '--knowledge-weight', '2']);
  assert.deepEqual(notes(intent.stderr), [
    'ecommir: --seeds does nothing here: it applies only with --cv (the seeds vary the folds)',
    'ecommir: --augment does nothing here: it applies with train scene only',
    'ecommir: --knowledge-images does nothing here: it applies with train scene only',
  ]);
  // --legacy-head ("intent: …; scene: …") and --knowledge-weight apply to both tasks.
  const scene = await runCli(['train', 'scene', 'no-such-data.json', '--out', 'never', '--no-knowledge', '--knowledge-weight', '2', '--no-denoise', '--cv', '2', '--seeds', '1']);
  assert.deepEqual(notes(scene.stderr), ['ecommir: --no-denoise does nothing here: it applies with train intent only', 'ecommir: --knowledge-weight does nothing here: it applies only without --no-knowledge']);
  assert.match(scene.stderr, /does not exist \[ECM_ERR_FILE_NOT_FOUND\]/, 'the run goes on as the flags have it');
});

test('backend and queue flags are named without their --backend or --queue', async () => {
  const classify = await runCli(['classify', 'dialogue', 'no-such.json', '--endpoint', 'http://127.0.0.1:9/v1', '--model-dir', '/x', '--ensemble-embedded']);
  assert.deepEqual(notes(classify.stderr), [
    'ecommir: --endpoint does nothing here: it applies with --backend mllm only',
    'ecommir: --model-dir does nothing here: it applies with --backend clip only',
    'ecommir: --ensemble-embedded does nothing here: it applies with --backend mllm or --backend clip only',
  ]);
  const predict = await runCli(['predict', 'no-such.json', '--out', 'never.csv', '--attempts', '3', '--inline-images']);
  assert.deepEqual(notes(predict.stderr), ['ecommir: --inline-images does nothing here: it applies with --queue only', 'ecommir: --attempts does nothing here: it applies with --queue only']);
  const queued = await runCli(['predict', 'no-such.json', '--out', 'never.csv', '--attempts', '3', '--queue', 'redis://127.0.0.1:9']);
  assert.deepEqual(notes(queued.stderr), []);
  // An LLM answering every task alone loads no embedded model; with --ensemble-embedded it does.
  const llm = ['predict', 'no-such.json', '--out', 'never.csv', '--backend', 'mllm', '--endpoint', 'http://127.0.0.1:9/v1', '--model', 'm', '--scene-model', '/x', '--intent-model', '/y'];
  const where = 'it applies only where the embedded models answer (not with --backend mllm alone: add --ensemble-embedded)';
  assert.deepEqual(notes((await runCli(llm)).stderr), [`ecommir: --scene-model does nothing here: ${where}`, `ecommir: --intent-model does nothing here: ${where}`]);
  assert.deepEqual(notes((await runCli([...llm, '--ensemble-embedded'])).stderr), []);
});

test('predict says --scene-model is not used when the data has no image; not when a dialogue has one, nor for a folder it refuses', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-ignored-'));
  const unused = (stderr: string) => stderr.split('\n').filter((line) => line.includes('--scene-model is not used'));
  const textOnly = join(dir, 'text.jsonl');
  await writeFile(textOnly, `${JSON.stringify({ id: 'rust', task: 'intent', dialogue: [{ role: 'user', text: '这个锅用久了会生锈吗' }] })}\n`);
  const shipped = new URL('../../models/scene', import.meta.url).pathname;
  const text = await runCli(['predict', textOnly, '--out', join(dir, 'text.csv'), '--scene-model', shipped, '--concurrency', '1', '--no-progress']);
  assert.equal(text.code, 0, text.stderr);
  assert.deepEqual(unused(text.stderr), [
    'ecommir: --scene-model is not used to predict this data: no sample has an image (its model file still enters the model version, which keys resumed runs and the queue)',
  ]);
  const withImage = join(dir, 'image.jsonl');
  const logistics = new URL('../../examples/screenshots/logistics.png', import.meta.url).pathname;
  await writeFile(withImage, `${JSON.stringify({ id: 'where', task: 'intent', dialogue: [{ role: 'user', text: '我的快递到哪了', images: [logistics] }] })}\n`);
  const image = await runCli(['predict', withImage, '--out', join(dir, 'image.csv'), '--scene-model', shipped, '--concurrency', '1', '--no-progress']);
  assert.equal(image.code, 0, image.stderr);
  assert.deepEqual(unused(image.stderr), [], 'the intent model may read the image through the scene model');
  const empty = await runCli(['predict', textOnly, '--out', join(dir, 'empty.csv'), '--scene-model', dir, '--concurrency', '1', '--no-progress']);
  assert.match(empty.stderr, /\[ECM_ERR_NO_MODEL\]/);
  assert.deepEqual(unused(empty.stderr), [], 'a folder without a model gets its error alone');
  // Under an LLM alone no embedded model is loaded or versioned: the flag is named as doing nothing, and only so.
  const llm = await runCli(['predict', textOnly, '--out', join(dir, 'llm.csv'), '--scene-model', shipped, '--backend', 'mllm', '--endpoint', 'http://127.0.0.1:9/v1', '--model', 'm', '--mllm-timeout-ms', '2000', '--no-progress']);
  assert.deepEqual(unused(llm.stderr), [], llm.stderr);
  assert.match(llm.stderr, /--scene-model does nothing here/);
});
