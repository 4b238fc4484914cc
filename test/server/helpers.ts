// Test helpers: a real server on a loopback port, and small images made on the spot.
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import type { BuildAppOptions } from '../../src/server/options.js';

export const KEY = 'test-key-0123456789';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** POST JSON with the test key (unless `key` is given: null sends none). */
  post(path: string, body: unknown, key?: string | null): Promise<{ status: number; json: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startServer(options: BuildAppOptions): Promise<RunningServer> {
  const app = await buildApp({ auth: { apiKeys: [KEY] }, ...options });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    async post(path, body, key = KEY) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (key !== null) headers.authorization = `Bearer ${key}`;
      const response = await fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: response.status, json: await response.json(), headers: response.headers };
    },
    close: () => app.close(),
  };
}

export async function solidPng(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

/**
 * A decompression bomb's signature: a valid tiny PNG whose header declares width × height.
 * (Encoding a real 30000×30000 PNG takes minutes; the header is what a guard must catch.)
 */
export async function pngDeclaring(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solidPng(1, 1, [255, 255, 255]));
  // IHDR: length(4) 'IHDR'(4) at offset 8; width at 16, height at 20; CRC over type+data at 29.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a process of that pid still exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
