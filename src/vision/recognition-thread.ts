// A thread with its own recogniser session (run by piscina for OcrEngine). onnxruntime-node's
// session.run computes on the calling thread, so sessions that share a thread take turns; lines read
// here run beside the engine's thread and each other, one core each.
import { readFile } from 'node:fs/promises';
import { workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { parseDictionary, readLineGroup, onnxSessionOptions, type LineText } from './line-reader.js';
import type { LineInput } from './text-recognition.js';

export interface RecognitionThreadInit {
  /** The recogniser model's bytes (as the engine read, and perhaps rewrote, them). */
  recognitionModel: Uint8Array;
  dictionaryPath: string;
  /** Intra-op threads of this thread's session. */
  threads: number;
}

const init = workerData as RecognitionThreadInit;
const [session, keys] = await Promise.all([ort.InferenceSession.create(init.recognitionModel, onnxSessionOptions(init.threads)), readFile(init.dictionaryPath, 'utf8')]);
const dictionary = parseDictionary(keys);

export default function readLines(lines: LineInput[]): Promise<LineText[]> {
  return readLineGroup(session, dictionary, lines);
}
