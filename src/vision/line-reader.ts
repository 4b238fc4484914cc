// Runs the line recogniser on groups of cropped lines and decodes what it read. Shared by the OCR
// engine's own session and by its recognition threads (recognition-thread.ts), so both read alike.
import ort from 'onnxruntime-node';
import { decodeCtc, packBatch, REC_HEIGHT, type LineInput } from './text-recognition.js';

export interface LineText {
  text: string;
  /** Mean per-character probability of the recogniser, [0, 1]. */
  confidence: number;
}

export function onnxSessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // By default onnxruntime's pool threads busy-wait after a run: the detector's second thread spun
    // while the recognition threads read the lines (4–6 s more CPU over 79 new screenshots, and each
    // took about 3% longer, in a throw-away paired comparison on 39).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** The recogniser's classes from PaddleOCR's key file: one character a line, then the space class it appends. */
export function parseDictionary(keys: string): string[] {
  return [...keys.replace(/\r?\n$/, '').split(/\r?\n/), ' '];
}

/** Reads lines in one call (zero-padded to the widest). */
export async function readLineGroup(session: ort.InferenceSession, dictionary: readonly string[], lines: readonly LineInput[]): Promise<LineText[]> {
  if (lines.length === 0) return [];
  const batch = lines.length === 1 ? lines[0] : packBatch([...lines]);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', batch.data, [lines.length, 3, REC_HEIGHT, batch.width]) };
  const out = (await session.run(feeds))[session.outputNames[0]];
  const [n, steps, classes] = out.dims as number[];
  return decodeCtc(out.data as Float32Array, n, steps, classes, dictionary);
}
