// A thread of the JSON body parser (run by piscina): receives a large request body chunk by chunk
// as it arrives (so the event loop never holds or joins the whole of it), then parses it here and
// decodes its large base64 images (body-images.ts), whose bytes are moved back rather than copied.
import type { MessagePort } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { decodeBodyImages } from './body-images.js';
import { parseJsonBody, type JsonBodyResult, type JsonBodyRules } from './json-body-parse.js';

export interface ReceiveBodyTask extends JsonBodyRules {
  /** Chunks (Uint8Array) then `null` at the end of the body; closed early when the request fails. */
  port: MessagePort;
  /** Image strings are decoded here when given: the service's image size limit. */
  maxImageBytes?: number;
}

export default function receiveAndParse({ port, maxImageBytes, ...rules }: ReceiveBodyTask): Promise<JsonBodyResult | undefined> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    port.on('message', (chunk: Uint8Array | null) => {
      if (chunk !== null) {
        chunks.push(chunk);
        size += chunk.byteLength;
        return;
      }
      port.close();
      const result = parseJsonBody({ bytes: Buffer.concat(chunks, size), ...rules });
      if (!result.ok || maxImageBytes === undefined) return resolve(result);
      const images = decodeBodyImages(result.value, maxImageBytes);
      if (images.size === 0) return resolve(result);
      const answer: JsonBodyResult = { ...result, images };
      // piscina moves what a Transferable lists instead of cloning it.
      resolve(move({ [transferableSymbol]: [...images.values()].map((bytes) => bytes.buffer), [valueSymbol]: answer }) as unknown as JsonBodyResult);
    });
    // The request failed or was refused before its end: nothing to parse.
    port.on('close', () => resolve(undefined));
  });
}
