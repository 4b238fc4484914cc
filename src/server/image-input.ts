// Images arrive as base64 or data URLs (JSON) or as multipart uploads. Here a JSON image string
// becomes its bare base64 payload, refused by size before anything is decoded; a data URL must say
// it is an image. The headers are checked later (data/input-limits.ts) and the full decode happens
// in a worker, so a bad image is a 4xx naming the item, never a crash or garbage pixels.
import { EcommirError, type ItemRef } from '../errors.js';

const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?((?:;[a-z0-9-]+=[^;,]*)*);base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Checks a base64 string or a `data:image/...;base64,` URL and returns its bare base64 payload,
 * refusing it by size before anything is decoded.
 */
export function base64Payload(value: string, name: string, item: ItemRef, maxBytes: number): string {
  let payload = value.trim();
  const prefix = DATA_URL.exec(payload.slice(0, 256));
  if (prefix) {
    const mime = prefix[1]?.toLowerCase();
    if (!mime || !mime.startsWith('image/')) {
      throw new EcommirError('ECM_ERR_IMAGE_CORRUPT', `image ${name} is a data URL of type ${mime ?? '(none)'}, not image/...`, { item, statusCode: 400 });
    }
    payload = payload.slice(prefix[0].length);
  } else if (payload.startsWith('data:')) {
    throw new EcommirError('ECM_ERR_IMAGE_CORRUPT', `image ${name} is a data URL without base64 content`, { item, statusCode: 400 });
  }
  payload = payload.replace(/\s+/g, '');
  // 4 base64 characters carry 3 bytes: refuse before allocating.
  const decodedBytes = Math.floor((payload.length * 3) / 4);
  if (decodedBytes > maxBytes + 2) {
    throw new EcommirError('ECM_ERR_IMAGE_TOO_LARGE', `image ${name} is about ${decodedBytes} bytes, over the limit of ${maxBytes}`, { item, statusCode: 413 });
  }
  if (payload === '' || !BASE64.test(payload)) {
    throw new EcommirError('ECM_ERR_IMAGE_CORRUPT', `image ${name} is not valid base64 or a base64 data URL`, { item, statusCode: 400 });
  }
  return payload;
}
