// The one prompt a multimodal LLM sees, shared by inference (`--backend mllm`) and the fine-tuning
// exports (`ecommir export sft`): a model LoRA-tuned on the export must be asked the same question
// the same way at inference, so both render this structure, only the images differ (data URLs in a
// chat request, `<image>` tags plus a path list in the training file).
//
// Layout, following the challenge's instructions: a system message with the task and the label list,
// a user message with the cleaned dialogue (intent) or the image (scene), the `<image>` markers of the
// dialogue turned into image parts in place.
import { cleanSample } from '../../clean/denoise.js';
import type { DenoiseRules } from '../../clean/rules.js';
import type { Taxonomy } from '../../labels/taxonomy.js';
import type { ImageRef, Sample } from '../../types.js';

export const IMAGE_MARKER = '<image>';

/** A piece of the user message: text, or one image of the sample. */
export type PromptPart = { type: 'text'; text: string } | { type: 'image'; image: ImageRef };

export interface LabelPrompt {
  system: string;
  user: PromptPart[];
  /** The answers the model may give, in taxonomy order (`粗类-细类` when hierarchical). */
  choices: string[];
}

export interface PromptOptions {
  /** Ask for (and train on) `粗类-细类` instead of the fine label alone. */
  hierarchical?: boolean;
  /** Denoising rules for the dialogue (default: the package's rules). */
  rules?: DenoiseRules;
  /**
   * Most images sent for one sample (a server's `--limit-mm-per-prompt`). The last ones are kept:
   * they sit next to the current query. Dropped images become the text `[图片]`.
   */
  maxImages?: number;
}

const ROLE_NAMES = { user: '用户', agent: '客服' } as const;

/** The answers a model may give for a taxonomy: fine labels, or `粗类-细类`. */
export function answerChoices(taxonomy: Taxonomy, hierarchical: boolean): string[] {
  return taxonomy.labels.map((label) => (hierarchical ? taxonomy.hierarchical(label) : label));
}

/** The answer a model is trained to give for a fine label. */
export function answerFor(taxonomy: Taxonomy, label: string, hierarchical: boolean): string {
  // hierarchical() also checks that the label is in the taxonomy (ECM_ERR_UNKNOWN_LABEL otherwise).
  const pair = taxonomy.hierarchical(label);
  return hierarchical ? pair : label;
}

export function buildLabelPrompt(sample: Sample, taxonomy: Taxonomy, options: PromptOptions = {}): LabelPrompt {
  const hierarchical = options.hierarchical ?? false;
  const choices = answerChoices(taxonomy, hierarchical);
  const list = JSON.stringify(choices);
  const form = hierarchical ? '标签写作“粗类-细类”。' : '';
  if (sample.task === 'scene') {
    const system =
      `你是一个电商领域识图专家，可以理解消费者上传的软件截图或实物拍摄图。请对消费者上传的图片进行分类。` +
      `你只需要回答图片分类结果，不需要其他多余的话。${form}以下是可以参考的分类标签：${list}`;
    const user: PromptPart[] = sample.images.map((image) => ({ type: 'image', image }) as PromptPart);
    user.push({ type: 'text', text: '这张图片的分类是：' });
    return { system, user: limitImages(user, options.maxImages), choices };
  }
  const system =
    `你是一个电商客服专家，请根据用户与客服的多轮对话判断用户的意图分类标签。` +
    `请直接只输出分类标签结果，不需要其他多余的话。${form}以下是可以参考的分类标签：${list}`;
  const cleaned = cleanSample(sample, options.rules).sample;
  const user: PromptPart[] = [{ type: 'text', text: '<用户与客服的对话 START>\n' }];
  const sent = new Set<string>();
  for (const turn of cleaned.turns) {
    pushText(user, `${ROLE_NAMES[turn.role]}: `);
    const pieces = turn.text.split(IMAGE_MARKER);
    pieces.forEach((piece, i) => {
      pushText(user, piece);
      if (i === pieces.length - 1) return;
      const image = turn.images[i];
      if (image) {
        user.push({ type: 'image', image });
        sent.add(image.name);
      } else pushText(user, '[图片]');
    });
    pushText(user, '\n');
  }
  // Images of the sample that no turn points at (a record whose markers were lost) still go in.
  for (const image of sample.images) if (!sent.has(image.name)) user.push({ type: 'image', image });
  pushText(user, '<用户与客服的对话 END>');
  return { system, user: limitImages(user, options.maxImages), choices };
}

/** Appends text, joined to a text part just before it. */
function pushText(parts: PromptPart[], text: string): void {
  if (text === '') return;
  const last = parts[parts.length - 1];
  if (last?.type === 'text') last.text += text;
  else parts.push({ type: 'text', text });
}

function limitImages(parts: PromptPart[], maxImages: number | undefined): PromptPart[] {
  const count = parts.filter((p) => p.type === 'image').length;
  if (maxImages === undefined || count <= maxImages) return parts;
  let drop = count - maxImages;
  const out: PromptPart[] = [];
  for (const part of parts) {
    if (part.type === 'image' && drop > 0) {
      drop--;
      pushText(out, '[图片]');
    } else if (part.type === 'text') pushText(out, part.text);
    else out.push(part);
  }
  return out;
}

/** The user message as one string with `<image>` tags, and the images in tag order (training files). */
export function userTextWithTags(parts: readonly PromptPart[]): { text: string; images: ImageRef[] } {
  let text = '';
  const images: ImageRef[] = [];
  for (const part of parts) {
    if (part.type === 'text') text += part.text;
    else {
      text += IMAGE_MARKER;
      images.push(part.image);
    }
  }
  return { text, images };
}
