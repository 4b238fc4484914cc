// What the user's images say, for the intent recogniser: their OCR text and predicted scene, from the
// scene recogniser (cached by image content, so training and repeated predictions pay once). Copy k ≥ 1
// reads a seeded e-commerce augmentation of each image instead (the paper's one extra copy per image).
import sharp from 'sharp';
import type { ImageRef, Sample } from '../../types.js';
import { decodeRgb } from '../../vision/decode.js';
import type { SceneRecognizer } from '../scene/recognizer.js';
import type { IntentImageDescriber } from './recognizer.js';
import type { ImageEvidence } from './views.js';

export class SceneImageDescriber implements IntentImageDescriber {
  constructor(private readonly scene: SceneRecognizer) {}

  async describe(sample: Sample, copy = 0): Promise<ImageEvidence | undefined> {
    if (sample.images.length === 0) return undefined;
    const texts: string[] = [];
    const scenes: string[] = [];
    const item = { id: sample.id, index: sample.index };
    for (const [k, original] of sample.images.entries()) {
      const ref = copy === 0 ? original : await augmentedCopy(original, item, copy * 1000 + k);
      const features = await this.scene.imageFeatures(ref, item);
      texts.push(features.ocr.lines.map((l) => l.text).join(' '));
      const p = await this.scene.predict({ id: `${sample.id}#image${k}`, index: sample.index, task: 'scene', candidates: [], turns: [], images: [ref] });
      scenes.push(p.label);
    }
    return { ocrText: texts.join(' '), scenes };
  }
}

/** A seeded augmented copy as PNG bytes: the same seed gives the same bytes, so its features cache too. */
async function augmentedCopy(ref: ImageRef, item: { id: string; index: number }, seed: number): Promise<ImageRef> {
  const { ecommerceAugment } = await import('../../vision/augment.js');
  const image = ecommerceAugment(await decodeRgb(ref, item, { maxSide: 1280 }), seed);
  const bytes = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
  return { name: `${ref.name}#aug${seed}`, bytes: new Uint8Array(bytes) };
}
