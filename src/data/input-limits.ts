// The one home of input validation before a sample reaches a recogniser: how much text and how
// many images a sample may carry. The CLI (classify, predict) and the HTTP API call the same
// functions, so a too-long dialogue gets the same code and message wherever it is sent. Cheap
// checks come first (counts, lengths), then image headers (pixels), never a full decode.
import { EcommirError, type ItemRef } from '../errors.js';
import type { ImageRef, Sample } from '../types.js';
import { turnName } from './turn-names.js';
import { probeImage, verifyImageDecodes, type ImageInfo, type ImageLimits, type RawImage } from '../vision/decode.js';

export interface InputLimits {
  /** Characters in one turn's text. */
  maxTurnChars: number;
  /** Characters in all the turns of one sample together. */
  maxTextChars: number;
  /** Turns in one dialogue. */
  maxTurns: number;
  /** Images in one sample, all turns together. */
  maxImages: number;
  /** Encoded size of one image, bytes. */
  maxImageBytes: number;
  /** Decoded size of one image, pixels (width × height): the decompression-bomb guard. */
  maxImagePixels: number;
  /** Longest side of one image, pixels (a 1 × 40,000,000 strip is cheap to send, slow to decode). */
  maxImageSide: number;
  /** Decoded pixels of all the images of one sample together. */
  maxTotalPixels: number;
  /** Time one image decode may take before it is abandoned, ms (whole seconds for the decoder). */
  decodeTimeoutMs: number;
}

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = Object.freeze({
  maxTurnChars: 20_000,
  maxTextChars: 100_000, // the longest dev dialogue has 1,423 characters
  maxTurns: 200,
  maxImages: 16,
  maxImageBytes: 10 * 1024 * 1024, // 10 MiB
  maxImagePixels: 40_000_000, // 40 MP; a 1080×2400 phone screenshot is 2.6 MP
  maxImageSide: 30_000, // a long scrolling screenshot is 1080 × 20,000
  maxTotalPixels: 120_000_000,
  decodeTimeoutMs: 10_000,
});

/** Fills defaults and checks that every limit is a positive integer. */
export function resolveInputLimits(limits: Partial<InputLimits> = {}): Readonly<InputLimits> {
  const out = { ...DEFAULT_INPUT_LIMITS };
  for (const [name, value] of Object.entries(limits)) {
    if (value === undefined || !(name in DEFAULT_INPUT_LIMITS)) continue;
    if (!Number.isInteger(value) || value < 1) throw new EcommirError('ECM_ERR_BAD_OPTION', `input limit ${name} must be a positive integer, got ${String(value)}`);
    out[name as keyof InputLimits] = value;
  }
  return Object.freeze(out);
}

/** The sample an error names, and the data file it came from when there is one. */
export function itemOf(sample: Sample, file?: string): ItemRef {
  return file === undefined ? { id: sample.id, index: sample.index } : { id: sample.id, index: sample.index, file };
}

function tooLarge(message: string, item: ItemRef): EcommirError {
  return new EcommirError('ECM_ERR_INPUT_TOO_LARGE', message, { item, statusCode: 413 });
}

const count = (n: number): string => n.toLocaleString('en-US');

/** Refuses a sample with more images than the limit; callers may run it before decoding any. */
export function checkImageCount(images: number, limits: Readonly<InputLimits>, item: ItemRef): void {
  if (images > limits.maxImages) throw tooLarge(`the sample has ${count(images)} images, over the limit of ${count(limits.maxImages)} per sample`, item);
}

/**
 * Text with nothing a person wrote: spaces, invisible format or control characters (a zero-width
 * space, NUL), halves of characters (lone surrogates, which no keyboard makes) and accents with no
 * letter under them. 20,000 lone surrogates were answered, uncertain.
 */
const NOTHING_WRITTEN = /^[\s\p{Cf}\p{Cc}\p{Cs}\p{M}]*$/u;

/**
 * A user turn with no text and no image gives the recogniser nothing, yet it would still answer
 * (with a label learnt for nothing at all); it is refused, by the CLI and the API alike.
 */
export function checkUserTurns(sample: Sample, file?: string): void {
  sample.turns.forEach((turn, t) => {
    if (turn.role !== 'user' || turn.images.length > 0 || !NOTHING_WRITTEN.test(turn.text)) return;
    throw new EcommirError('ECM_ERR_EMPTY_TURN', `${turnName(t)} is a user turn with no text and no image: there is nothing to classify in it (write what the shopper said, or leave the turn out)`, {
      item: itemOf(sample, file),
    });
  });
}

/**
 * Turns and characters of a dialogue's texts. The API also runs it on a request body before parsing
 * it: parsing costs event-loop time in proportion to the text, so a body of a million turns or
 * characters must be refused before that, not after.
 */
export function checkTextSizes(texts: readonly string[], limits: Readonly<InputLimits>, item: ItemRef): void {
  if (texts.length > limits.maxTurns) throw tooLarge(`the dialogue has ${count(texts.length)} turns, over the limit of ${count(limits.maxTurns)}`, item);
  let total = 0;
  texts.forEach((text, t) => {
    if (text.length > limits.maxTurnChars) {
      throw tooLarge(`${turnName(t)} has ${count(text.length)} characters, over the limit of ${count(limits.maxTurnChars)} per turn`, item);
    }
    total += text.length;
  });
  if (total > limits.maxTextChars) throw tooLarge(`the dialogue has ${count(total)} characters, over the limit of ${count(limits.maxTextChars)} per sample`, item);
}

/** Empty user turns, turns, characters and the number of images: no I/O, linear in the text. */
export function checkSampleText(sample: Sample, limits: Readonly<InputLimits> = DEFAULT_INPUT_LIMITS, file?: string): void {
  const item = itemOf(sample, file);
  checkUserTurns(sample, file);
  checkTextSizes(sample.turns.map((turn) => turn.text), limits, item);
  checkImageCount(sample.images.length, limits, item);
}

export function imageLimitsOf(limits: Readonly<InputLimits>): ImageLimits {
  return { maxBytes: limits.maxImageBytes, maxPixels: limits.maxImagePixels, maxSide: limits.maxImageSide, decodeTimeoutMs: limits.decodeTimeoutMs };
}

/** What an image check may be given beyond the limits: a signal that stops it between images, the data file errors name. */
export interface SampleCheckOptions {
  signal?: AbortSignal;
  /** The data file the sample came from, named in the error. */
  file?: string;
}

/** The third argument as it was (a signal alone) or as options. */
function checkOptionsOf(options: AbortSignal | SampleCheckOptions | undefined): SampleCheckOptions {
  return options instanceof AbortSignal ? { signal: options } : (options ?? {});
}

/** Reads every image's header (type, size): per-image pixels and side, then the sample's total. */
export async function checkSampleImages(sample: Sample, limits: Readonly<InputLimits> = DEFAULT_INPUT_LIMITS, options?: AbortSignal | SampleCheckOptions): Promise<ImageInfo[]> {
  const { signal, file } = checkOptionsOf(options);
  const item = itemOf(sample, file);
  const perImage = imageLimitsOf(limits);
  const infos: ImageInfo[] = [];
  let pixels = 0;
  for (const ref of sample.images as ImageRef[]) {
    signal?.throwIfAborted();
    const info = await probeImage(ref, item, perImage);
    pixels += info.width * info.height;
    if (pixels > limits.maxTotalPixels) {
      throw tooLarge(`the images of the sample add up to more than ${count(limits.maxTotalPixels)} pixels (at image ${ref.name})`, item);
    }
    infos.push(info);
  }
  return infos;
}

/**
 * Whether a sample's images are decoded in full before it is answered (decodeSampleImages): a
 * dialogue's. A scene sample's image is decoded by the recogniser itself, which refuses a corrupt one
 * the same way; the service decodes every image of its image lane first.
 */
export function decodesImagesFirst(sample: Sample): boolean {
  return sample.task === 'intent' && sample.images.length > 0;
}

/**
 * Decodes every image of the sample (to a thumbnail), so that a corrupt one is refused by name
 * (ECM_ERR_IMAGE_CORRUPT) even where the header probes fine and the model never decodes it: the
 * shipped intent model reads no pixels, so a dialogue with a cut-off photo was answered on the
 * command line while the service, which runs this in its image workers, refused it. Returns the
 * thumbnails, in order.
 */
export async function decodeSampleImages(sample: Sample, limits: Readonly<InputLimits> = DEFAULT_INPUT_LIMITS, file?: string): Promise<RawImage[]> {
  const item = itemOf(sample, file);
  const thumbnails: RawImage[] = [];
  for (const ref of sample.images as ImageRef[]) thumbnails.push(await verifyImageDecodes(ref, item, imageLimitsOf(limits)));
  return thumbnails;
}

/** Everything a sample must satisfy before it is classified. */
export async function checkSample(sample: Sample, limits: Readonly<InputLimits> = DEFAULT_INPUT_LIMITS, options?: AbortSignal | SampleCheckOptions): Promise<void> {
  const resolved = checkOptionsOf(options);
  checkSampleText(sample, limits, resolved.file);
  await checkSampleImages(sample, limits, resolved);
}
