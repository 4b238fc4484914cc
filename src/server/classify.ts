// One classification, the same for every route: check the sample against the input limits (text
// and counts, then image headers: cheap, on this thread), then hand it to its lane's workers, all
// under the request's deadline. With a feedback database the prediction is stored under the
// request's id before the answer leaves.
import { checkSampleImages, checkSampleText } from '../data/input-limits.js';
import { EcommirError } from '../errors.js';
import type { Prediction, Sample } from '../types.js';
import type { ServerContext } from './context.js';
import { raceSignal } from '../runtime/deadline.js';
import { recordPrediction, type RecordContext } from './record.js';

/** What the API returns: the Prediction with `fine` spelled out and the ranked list cut to topK. */
export type ApiPrediction = Prediction & { fine: string; modelVersion?: string };

export async function classifySample(ctx: ServerContext, sample: Sample, signal: AbortSignal, record?: RecordContext): Promise<ApiPrediction> {
  const { options, runtime } = ctx;
  if (!runtime.tasks[sample.task]) {
    throw new EcommirError('ECM_ERR_NO_MODEL', `no ${sample.task} model is loaded; the service is not ready for ${sample.task} requests`, {
      statusCode: 503,
    });
  }
  checkSampleText(sample, options.limits);
  const headers = await raceSignal(checkSampleImages(sample, options.limits, signal), signal);
  // How much image there is to check, and how it is coded, decides the lane of a dialogue whose
  // model reads no pixels. Bytes as sent: the worker reads them all, costly metadata too.
  const imageLoad = {
    pixels: headers.reduce((sum, h) => sum + h.width * h.height, 0),
    bytes: headers.reduce((sum, h, i) => sum + (sample.images[i].bytes?.byteLength ?? h.bytes), 0),
    cheapToDecode: headers.every((h) => h.cheapToDecode),
  };
  const recording = ctx.feedback && record ? { store: ctx.feedback, record } : undefined;
  // Stored predictions keep every label's probability (margin and entropy need them all), and a
  // stored screenshot its similarity hash, made in the worker that decodes it.
  const topK = recording ? undefined : options.topK;
  const imageHashes = recording !== undefined && sample.task === 'scene';
  const prediction = await raceSignal(runtime.predict(sample, { threshold: options.threshold, topK, imageLoad, ...(imageHashes ? { imageHashes } : {}) }, signal), signal);
  if (recording) await recordPrediction(recording.store, sample, prediction, runtime.labels?.[sample.task]?.length ?? prediction.ranked.length, recording.record);
  const { imageHashes: _stored, ...answer } = prediction;
  return {
    ...answer,
    id: sample.id,
    fine: prediction.label,
    ranked: prediction.ranked.slice(0, options.topK),
  };
}
