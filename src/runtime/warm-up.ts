// What a new worker answers before it takes real work, so the first requests are not the slow ones.
// - scene: one small blank image, which loads the OCR and embedding sessions.
// - intent: text-only dialogues. Nothing is loaded lazily there, but V8 optimises the denoising,
//   feature and head code only after it has run many times, and on the shapes of text it has seen.
//   A quarter of the project's hand-written knowledge dialogues (knowledge/intent-dialogues, written
//   from the label definitions, shipped with the package) warmed a fresh thread more than as many
//   dialogues made from label names (bench/sections/speed.ts measures the effect). When those files
//   cannot be read, dialogues made from the recogniser's own labels stand in.
// - the image check (a thumbnail decode) that a dialogue's images get before the answer: one blank
//   image, which loads the decoder, so the first dialogue with images in the text lane is not the slow one.
// Predictions are thrown away.
import { loadHandwrittenIntentDialogues } from '../knowledge/handwritten-intent.js';
import type { ImageRef, Sample, Task, Turn } from '../types.js';
import { verifyImageDecodes } from '../vision/decode.js';
import type { RecognizerSet } from '../backends/select.js';

/** Every how-many-th hand-written dialogue the intent warm-up runs (about 460 of 1847). */
export const HANDWRITTEN_WARM_UP_STRIDE = 4;

/** Rounds of label-made dialogues when the hand-written ones cannot be read. */
export const LABEL_WARM_UP_ROUNDS = 16;

// Turn shapes a text-only request has: greetings, an agent's reply, a pasted link, an emoji, a
// long turn, a short last question. `{label}` is a label's name.
const USER_OPENINGS = ['你好，在吗', '在不在？', '客服你好😊', 'hello 请问一下'];
const AGENT_REPLIES = ['亲亲您好，很高兴为您服务，请问有什么可以帮您？', '您好，请您描述一下具体的问题哦~', '亲，这边帮您查询一下，请稍等'];
const USER_QUESTIONS = [
  '我想问一下{label}的问题',
  '这个{label}怎么说 https://item.example.com/item.htm?id=1024 麻烦看看',
  '昨天买的那个，{label}，能说一下吗？？',
  '{label}',
  '请问{label}，我家里老人用的，说明书上没写清楚，你们那边有没有详细一点的说法，谢谢了',
];

function turn(role: Turn['role'], text: string): Turn {
  return { role, text, images: [] };
}

/**
 * The intent warm-up's dialogues, text only and without labels: every HANDWRITTEN_WARM_UP_STRIDE-th
 * hand-written knowledge dialogue from `dir` (default the shipped folder), or, when that folder
 * cannot be read, label-made ones.
 */
export function intentWarmUpSamples(labels: readonly string[], dir?: string): Sample[] {
  let handwritten: Sample[];
  try {
    handwritten = loadHandwrittenIntentDialogues({ dir, images: 'none' });
  } catch {
    return labelWarmUpSamples(labels);
  }
  return handwritten.filter((_, i) => i % HANDWRITTEN_WARM_UP_STRIDE === 0).map(({ label: _label, ...sample }) => sample);
}

/** `rounds` text-only dialogues per label, each a different mix of the turn shapes above. */
export function labelWarmUpSamples(labels: readonly string[], rounds = LABEL_WARM_UP_ROUNDS): Sample[] {
  const samples: Sample[] = [];
  for (let round = 0; round < rounds; round++) {
    labels.forEach((label, i) => {
      const k = round * labels.length + i;
      const question = USER_QUESTIONS[k % USER_QUESTIONS.length].replace('{label}', label);
      const turns =
        round % 2 === 0
          ? [turn('user', question)]
          : [turn('user', USER_OPENINGS[k % USER_OPENINGS.length]), turn('agent', AGENT_REPLIES[k % AGENT_REPLIES.length]), turn('user', question)];
      samples.push({ id: `warm-up-${k}`, index: k, task: 'intent', candidates: round % 4 < 2 ? [...labels] : [], turns, images: [] });
    });
  }
  return samples;
}

async function blankImage(): Promise<ImageRef> {
  const { default: sharp } = await import('sharp');
  const blank = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
  return { name: 'warm-up', bytes: new Uint8Array(blank) };
}

/** A small blank PNG as a one-image scene sample. */
async function blankSceneSample(): Promise<Sample> {
  const image = await blankImage();
  return { id: 'warm-up', index: 0, task: 'scene', candidates: [], turns: [{ role: 'user', text: '<image>', images: [image] }], images: [image] };
}

/** Runs the warm-up of each listed task whose recogniser is loaded. A failing warm-up is ignored: real work reports its own errors. */
export async function warmUp(set: RecognizerSet, tasks: readonly Task[]): Promise<void> {
  if (tasks.includes('scene') && set.scene) await set.scene.predict(await blankSceneSample()).catch(() => {});
  if (tasks.includes('intent') && set.intent) {
    await verifyImageDecodes(await blankImage()).catch(() => {});
    for (const sample of intentWarmUpSamples(set.intent.labels)) {
      const ok = await set.intent.predict(sample).then(
        () => true,
        () => false,
      );
      if (!ok) break;
    }
  }
}
