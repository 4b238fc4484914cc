// A thread of the JSON body parser (run by piscina): receives a large request body chunk by chunk
// as it arrives (so the event loop never holds or joins the whole of it), then parses it here.
import type { MessagePort } from 'node:worker_threads';
import { parseJsonBody, type JsonBodyResult, type JsonBodyRules } from './json-body-parse.js';

export interface ReceiveBodyTask extends JsonBodyRules {
  /** Chunks (Uint8Array) then `null` at the end of the body; closed early when the request fails. */
  port: MessagePort;
}

export default function receiveAndParse({ port, ...rules }: ReceiveBodyTask): Promise<JsonBodyResult | undefined> {
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
      resolve(parseJsonBody({ bytes: Buffer.concat(chunks, size), ...rules }));
    });
    // The request failed or was refused before its end: nothing to parse.
    port.on('close', () => resolve(undefined));
  });
}
