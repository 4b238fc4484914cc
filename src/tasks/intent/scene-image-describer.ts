// What the user's images say, for the intent recogniser: their OCR text and predicted scene, from the
// scene recogniser (cached by image content, so training and repeated predictions pay once).
import type { Sample } from '../../types.js';
import type { SceneRecognizer } from '../scene/recognizer.js';
import type { IntentImageDescriber } from './recognizer.js';
import type { ImageEvidence } from './views.js';

export class SceneImageDescriber implements IntentImageDescriber {
  constructor(private readonly scene: SceneRecognizer) {}

  async describe(sample: Sample): Promise<ImageEvidence | undefined> {
    if (sample.images.length === 0) return undefined;
    const texts: string[] = [];
    const scenes: string[] = [];
    for (const [k, ref] of sample.images.entries()) {
      const item = { id: sample.id, index: sample.index };
      const features = await this.scene.imageFeatures(ref, item);
      texts.push(features.ocr.lines.map((l) => l.text).join(' '));
      const p = await this.scene.predict({ id: `${sample.id}#image${k}`, index: sample.index, task: 'scene', candidates: [], turns: [], images: [ref] });
      scenes.push(p.label);
    }
    return { ocrText: texts.join(' '), scenes };
  }
}
