// One classification, the same for every route: find the recogniser, check the images, wait for a
// work slot, predict, all under the request's deadline.
import { EcommirError } from '../errors.js';
import type { Prediction, Sample } from '../types.js';
import { raceSignal } from './deadline.js';
import { imageLimits, probeImages, verifyImagesDecode } from './image-input.js';
import type { ResolvedServerOptions } from './options.js';
import type { WorkQueue } from './work-queue.js';

/** What the API returns: the Prediction with `fine` spelled out and the ranked list cut to topK. */
export type ApiPrediction = Prediction & { fine: string };

export async function classifySample(
  options: Readonly<ResolvedServerOptions>,
  queue: WorkQueue,
  sample: Sample,
  signal: AbortSignal,
): Promise<ApiPrediction> {
  const recognizer = options.recognizers[sample.task];
  if (!recognizer) {
    throw new EcommirError('ECM_ERR_NO_MODEL', `no ${sample.task} model is loaded; the service is not ready for ${sample.task} requests`, {
      statusCode: 503,
    });
  }
  const item = { id: sample.id, index: sample.index };
  const limits = imageLimits(options.limits.maxImageBytes, options.limits.maxImagePixels);
  await probeImages(sample.images, item, limits);
  const work = queue.run(async () => {
    await verifyImagesDecode(sample.images, item, limits);
    if (signal.aborted) throw signal.reason; // deadline passed during the decode: skip the model
    return recognizer.predict(sample, { threshold: options.threshold, topK: options.topK });
  }, signal);
  const prediction = await raceSignal(work, signal);
  return {
    ...prediction,
    id: sample.id,
    fine: prediction.label,
    ranked: prediction.ranked.slice(0, options.topK),
  };
}
