// Base64 images of a large JSON body, decoded in the body parser's thread. Copying a 14 MB base64
// string back to the event loop, checking it and decoding it there held the loop 147–185 ms for one
// image at the 10 MiB limit; decoded in the thread, the bytes are moved (not copied) and the body
// keeps, in the image's place, a token that only this body's images can match (a random nonce), so
// the schema still sees a string and the request's sample builder swaps the bytes back in.
//
// Only strings where an image belongs are touched (an `image` property, an `images` array's
// elements) and only when they check out exactly as on the event loop (image-input.ts). Anything
// else is left as sent, to be refused there with the same error as a small body gets.
import { randomUUID } from 'node:crypto';
import { base64Payload } from './image-input.js';

/** Shorter image strings are decoded on the event loop as they are in a small body: a few µs. */
export const DECODE_IN_THREAD_CHARS = 64 * 1024;

const TOKEN_PREFIX = 'ecommir-decoded-image:';

/** A body's decoded images, by the token left in each one's place. */
export type DecodedImages = ReadonlyMap<string, Uint8Array>;

/**
 * Decodes the image strings of `body` (parsed JSON) of at least `minChars` characters in place:
 * each becomes a token, and its bytes are returned under that token. Each image owns its
 * ArrayBuffer whole, so that it can be moved to another thread.
 */
export function decodeBodyImages(body: unknown, maxImageBytes: number, minChars = DECODE_IN_THREAD_CHARS): Map<string, Uint8Array> {
  const decoded = new Map<string, Uint8Array>();
  const nonce = randomUUID();
  const decode = (value: unknown): unknown => {
    if (typeof value !== 'string' || value.length < minChars) return value;
    let bytes: Uint8Array;
    try {
      bytes = Buffer.from(base64Payload(value, '', { index: 0 }, maxImageBytes), 'base64');
    } catch {
      return value;
    }
    // A Buffer may be a view of a shared pool: an image must own what gets moved.
    if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== bytes.byteLength) bytes = new Uint8Array(bytes);
    const token = `${TOKEN_PREFIX}${nonce}:${decoded.size}`;
    decoded.set(token, bytes);
    return token;
  };
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const element of value) stack.push(element);
      continue;
    }
    const record = value as Record<string, unknown>;
    if ('image' in record) record.image = decode(record.image);
    if (Array.isArray(record.images)) record.images = record.images.map(decode);
    for (const child of Object.values(record)) if (child !== null && typeof child === 'object') stack.push(child);
  }
  return decoded;
}

/** The bytes a token stands for in this body, or undefined for any other string. */
export function decodedImage(value: string, decoded: DecodedImages | undefined): Uint8Array | undefined {
  return decoded && value.startsWith(TOKEN_PREFIX) ? decoded.get(value) : undefined;
}
