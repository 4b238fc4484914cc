// A private, content-addressed folder of images: each file is named by the SHA-256 of its bytes,
// in a folder only the service's user can enter (0700), readable only by it (0600). A file is
// written under a temporary name and renamed, so a crash never leaves half an image under a hash.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const HASH = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class ImageFolder {
  constructor(readonly dir: string) {}

  create(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700); // an existing folder is made private too
  }

  pathOf(hash: string): string {
    if (!HASH.test(hash)) throw new Error(`not an image hash: ${hash}`);
    return join(this.dir, hash);
  }

  async put(bytes: Uint8Array): Promise<{ hash: string; written: boolean }> {
    const hash = sha256Hex(bytes);
    const path = this.pathOf(hash);
    try {
      await stat(path);
      return { hash, written: false };
    } catch {
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, bytes, { mode: 0o600, flag: 'wx' });
      await rename(tmp, path);
      return { hash, written: true };
    }
  }

  async read(hash: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(hash));
    } catch {
      return undefined;
    }
  }

  remove(hash: string): void {
    rmSync(this.pathOf(hash), { force: true });
  }

  /** Deletes files the database does not know (a crash between the file and its row, temporary files). */
  removeOrphans(known: ReadonlySet<string>): number {
    let removed = 0;
    for (const name of readdirSync(this.dir)) {
      if (HASH.test(name) && known.has(name)) continue;
      rmSync(join(this.dir, name), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }
}
