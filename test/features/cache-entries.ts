// What a cache folder holds in entries, read from the disk: what its size estimate should count.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** The bytes of the entry files (<extractor>/<2 hex>/<64 hex>.<ext>) below `dir`. */
export async function entryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir, { recursive: true })) {
    if (/^[0-9a-f]{64}\.[^.]+$/.test(basename(name))) total += (await stat(join(dir, name))).size;
  }
  return total;
}
