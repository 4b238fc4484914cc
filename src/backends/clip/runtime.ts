// The one place that touches transformers.js's global `env`. It is imported lazily (only the clip
// backend pays for it) and configured once, explicitly, for offline use: no remote hub, no file cache
// of downloads, local folders only. Every other file receives the configured module from here and
// passes the model folder as an absolute path (which transformers.js reads as-is, whatever
// `env.localModelPath` says).
import path from 'node:path';
import { EcommirError } from '../../errors.js';

export type Transformers = typeof import('@huggingface/transformers');

let loaded: Promise<Transformers> | undefined;

/** transformers.js, configured for local, offline loading (onnxruntime-node underneath). */
export function transformersRuntime(): Promise<Transformers> {
  loaded ??= (async () => {
    let module: Transformers;
    try {
      module = await import('@huggingface/transformers');
    } catch (cause) {
      throw new EcommirError('ECM_ERR_BACKEND', `the clip backend needs @huggingface/transformers: ${(cause as Error).message}`, { cause, statusCode: 503 });
    }
    const { env } = module;
    env.allowRemoteModels = false; // weights never come from the network
    env.allowLocalModels = true;
    env.useFSCache = false; // nothing downloaded, so nothing to cache
    env.localModelPath = path.sep; // folders are passed as absolute paths
    return module;
  })();
  return loaded;
}
