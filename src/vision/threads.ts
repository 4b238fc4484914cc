// How many threads one process's native image work may use: ONNX intra-op threads of the OCR
// sessions, the tfjs wasm backend and libvips (sharp). By default each library takes every core,
// which is right for one process; when several worker processes share a machine (batch predict,
// `ecommir worker`, features extract), each is given cores / workers so they do not fight over the
// same cores (oversubscribed ONNX thread pools spin and slow everyone down).
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { EcommirError } from '../errors.js';

/** The most threads one OCR session is given: past the cores they only spin; 100,000 hung the command, silently. */
export const MAX_VISION_THREADS = 64;

let threads: number | undefined;

/** Threads for the image work this process does from now on (OCR engines and embedders created later). */
export function setVisionThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new EcommirError('ECM_ERR_BAD_OPTION', `vision threads must be a positive integer, got ${n}`);
  threads = n;
  sharp.concurrency(n);
}

/** The process-wide setting, when one was made. */
export function visionThreads(): number | undefined {
  return threads;
}

/** Threads of native image work per worker so that `workers` of them share the cores without fighting. */
export function threadsPerWorker(workers: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / workers));
}
