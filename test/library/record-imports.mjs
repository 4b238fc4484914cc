// Loaded with `node --import` by sub-paths.test.ts: records every module the ESM loader resolves
// (one URL a line, with the importer) in the file named by $ECOMMIR_IMPORT_LOG. The hooks thread
// appends before it answers, so the log is complete when the import it serves settles.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { appendFileSync } from 'node:fs';

let log;

export function initialize(data) {
  log = data.log;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, `${resolved.url} ${context.parentURL ?? '-'}\n`);
  return resolved;
}

if (isMainThread && process.env.ECOMMIR_IMPORT_LOG) register(import.meta.url, { data: { log: process.env.ECOMMIR_IMPORT_LOG } });
