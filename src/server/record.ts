// With a feedback database, every prediction is stored with the sample it was made on, under the
// requestId its answer carries, so that a person can correct it (POST /v1/feedback) and the review
// queue can pick the least certain ones (GET /v1/review). The full probability distribution is
// asked of the recogniser for that, so margin and entropy are exact.
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { storableContent } from '../feedback/content.js';
import type { FeedbackStore } from '../feedback/store.js';
import { uncertaintyOf } from '../feedback/uncertainty.js';
import type { RuntimePrediction } from '../runtime/worker-core.js';
import type { Sample } from '../types.js';
import { bearerKey } from './auth.js';

/** The top labels kept with a stored prediction (the review page's 1–9 keys). */
export const STORED_RANKED = 9;

export interface RecordContext {
  requestId: string;
  /** The caller's API key (stored as a keyed hash, never as is). */
  key?: string;
  log: FastifyBaseLogger;
}

/** How a route's request is recorded: under its id, with its caller's key. */
export function recordOf(request: FastifyRequest, requestId: string = request.id): RecordContext {
  return { requestId, key: bearerKey(request.headers.authorization), log: request.log };
}


/**
 * Stores a prediction. A failure (a full disk) is logged, not thrown: the answer still goes out,
 * and feedback on it is refused with 404 later. A scene image's similarity hash comes with the
 * prediction (asked of the runtime with `imageHashes`), so this process decodes no image.
 */
export async function recordPrediction(
  store: FeedbackStore,
  sample: Sample,
  prediction: RuntimePrediction & { modelVersion?: string },
  labelCount: number,
  ctx: RecordContext,
): Promise<boolean> {
  try {
    const content = await storableContent(sample);
    const u = uncertaintyOf(prediction.ranked.map((r) => r.confidence), labelCount);
    await store.record(
      {
        requestId: ctx.requestId,
        task: sample.task,
        createdAt: Date.now(),
        contentHash: content.contentHash,
        turns: content.turns,
        label: prediction.label,
        confidence: prediction.confidence,
        margin: u.margin,
        entropy: u.entropy,
        ranked: prediction.ranked.slice(0, STORED_RANKED).map((r) => ({ label: r.label, coarse: r.coarse, confidence: r.confidence })),
        modelVersion: prediction.modelVersion ?? 'unversioned',
        keyHash: store.keyHash(ctx.key),
      },
      content.images.map((bytes, i) => ({ bytes, dhash: prediction.imageHashes?.[i] ?? undefined })),
    );
    return true;
  } catch (err) {
    ctx.log.error({ err, requestId: ctx.requestId }, 'the prediction could not be stored in the feedback database');
    return false;
  }
}
