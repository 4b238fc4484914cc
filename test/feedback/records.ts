// A stored prediction record for the feedback store's tests: an intent answer with no images, the fields given in `over` replaced.
import type { PredictionRecord } from '../../src/feedback/store.js';
import { sha256Hex } from '../../src/feedback/image-folder.js';

export function record(id: string, over: Partial<PredictionRecord> = {}): Omit<PredictionRecord, 'images'> {
  return {
    requestId: id,
    task: 'intent',
    createdAt: Date.now(),
    contentHash: sha256Hex(id),
    turns: [{ role: 'user', text: `dialogue ${id}`, images: [] }],
    label: '是否会生锈',
    confidence: 0.6,
    margin: 0.3,
    entropy: 0.5,
    ranked: [{ label: '是否会生锈', coarse: '商品信息咨询', confidence: 0.6 }],
    modelVersion: 'abc123',
    keyHash: null,
    ...over,
  };
}
