// Where an exported sample's images live: the originals where they are (absolute paths), or copied
// into OUT/images/ with paths relative to OUT (a folder that moves to a GPU cluster as one piece);
// and the paper's augmented copies, written as JPEG files under OUT/images/aug/.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import sharp from 'sharp';
import type { ItemRef } from '../../errors.js';
import type { ImageRef } from '../../types.js';
import { ecommerceAugment } from '../../vision/augment.js';
import { decodeRgb, type RawImage } from '../../vision/decode.js';

/** Longest side of an augmented copy, px: MiniCPM-V 2.6 reads up to 1.8 MP (e.g. 1344×1344) anyway. */
export const AUGMENT_MAX_SIDE = 1344;

export class ExportImages {
  private readonly outDir: string;
  private readonly copy: boolean;
  private readonly written = new Map<string, string>();
  private readonly usedNames = new Set<string>();

  constructor(outDir: string, options: { copyImages?: boolean } = {}) {
    this.outDir = resolve(outDir);
    this.copy = options.copyImages ?? false;
  }

  /** The path written in the training file for an original image. */
  async original(ref: ImageRef): Promise<string> {
    if (ref.path && !this.copy) return resolve(ref.path);
    // Bytes by their content: by name, two records sharing an id (or two images given one name) wrote the
    // first image for both.
    const key = ref.path ? `path:${resolve(ref.path)}` : ref.bytes ? `sha256:${createHash('sha256').update(ref.bytes).digest('hex')}` : `name:${ref.name}`;
    const known = this.written.get(key);
    if (known) return known;
    const target = this.claim('images', basename(ref.name) || 'image.jpg');
    await mkdir(join(this.outDir, 'images'), { recursive: true });
    if (ref.path) await copyFile(ref.path, target);
    else if (ref.bytes) await writeFile(target, ref.bytes);
    const written = this.reference(target);
    this.written.set(key, written);
    return written;
  }

  /**
   * Writes one augmented copy (the paper's e-commerce chain, seeded) and returns its path. The
   * decoded original can be passed in when several copies are made of it.
   */
  async augmented(ref: ImageRef, item: ItemRef, seed: number, copyIndex: number, decoded?: RawImage): Promise<string> {
    const image = decoded ?? (await decodeRgb(ref, item, { maxSide: AUGMENT_MAX_SIDE }));
    const out = ecommerceAugment(image, seed);
    const stem = basename(ref.name, extname(ref.name)) || 'image';
    const target = this.claim(join('images', 'aug'), `${stem}-aug${copyIndex}.jpg`);
    await mkdir(join(this.outDir, 'images', 'aug'), { recursive: true });
    // out.data: [height, width, 3] interleaved RGB
    await sharp(out.data, { raw: { width: out.width, height: out.height, channels: 3 } }).jpeg({ quality: 90 }).toFile(target);
    return this.reference(target);
  }

  /** Decodes once for several augmented copies. */
  decode(ref: ImageRef, item: ItemRef): Promise<RawImage> {
    return decodeRgb(ref, item, { maxSide: AUGMENT_MAX_SIDE });
  }

  /** A file name not used yet in this export (two samples may share an image name). */
  private claim(dir: string, name: string): string {
    const ext = extname(name);
    const stem = name.slice(0, name.length - ext.length);
    let candidate = name;
    for (let n = 2; this.usedNames.has(join(dir, candidate)); n++) candidate = `${stem}-${n}${ext}`;
    this.usedNames.add(join(dir, candidate));
    return join(this.outDir, dir, candidate);
  }

  private reference(target: string): string {
    return this.copy ? relative(this.outDir, target).split(sep).join('/') : target;
  }
}
