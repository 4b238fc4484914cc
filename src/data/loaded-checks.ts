// What a loader checks of each sample it has parsed, as its options ask, in one place for every
// loader (loadSamples, and the challenge loaders of the library): the input limits, the image
// headers, a full decode. Each image's header is read once.
import type { Sample } from '../types.js';
import { probeImage, readImageBytes, verifyImageDecodes } from '../vision/decode.js';
import { checkSample, itemOf } from './input-limits.js';
import type { LoadOptions } from './problem.js';

/** Samples checked at once when images are read: sharp's header reads are I/O bound, a few in flight keep both cores busy. */
const PROBE_CONCURRENCY = 8;

/** The error names the record and the file. */
export async function checkLoadedSample(sample: Sample, options: LoadOptions, file?: string): Promise<void> {
  if (options.inputLimits) await checkSample(sample, options.inputLimits, { file });
  if (!options.checkImages) return;
  const item = itemOf(sample, file);
  for (const ref of sample.images) {
    // Under input limits the headers were read, against them, just above.
    if (!options.inputLimits) await probeImage(ref, item);
    if (options.decodeImages) await verifyImageDecodes(ref, item);
    // What the probe leaves to the decode: a BMP's pixel data expanded (its conversion), so that damaged
    // run-length data is found with the record, not when an export or a training run reads its pixels.
    else await readImageBytes(ref, item);
  }
}

/** How many samples a loader checks at once. */
export function checkConcurrency(options: LoadOptions): number {
  return options.checkImages || options.inputLimits ? PROBE_CONCURRENCY : 1;
}
