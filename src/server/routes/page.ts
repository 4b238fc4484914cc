// The web page (web/) and the project's examples (examples/), served from the package itself:
// no CDN, works offline. Public; the page's API calls go through the same key check as any client.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The package root: the nearest folder above this module whose package.json is ecommir's (src/ or dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'ecommir') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the ecommir package root');
    dir = parent;
  }
}

/** The Chinese fonts the page falls back to when the browser's machine has none (a server, a bare Linux box). */
export const PAGE_FONTS = ['NotoSansHans-Regular.otf', 'NotoSansHans-Bold.otf'] as const;

function fontDir(): string | undefined {
  try {
    // The package exports only its JS entry (dist/); the .otf files sit in fonts/ beside it.
    const dir = join(dirname(createRequire(import.meta.url).resolve('@embedpdf/fonts-sc')), '..', 'fonts');
    return existsSync(join(dir, PAGE_FONTS[0])) ? dir : undefined;
  } catch {
    return undefined;
  }
}

export async function registerPageRoutes(app: FastifyInstance): Promise<void> {
  const root = packageRoot();
  const web = join(root, 'web');
  const examples = join(root, 'examples');
  if (existsSync(web)) await app.register(fastifyStatic, { root: web, prefix: '/', index: 'index.html', wildcard: false });
  if (existsSync(examples)) {
    await app.register(fastifyStatic, { root: examples, prefix: '/examples/', decorateReply: false, wildcard: false });
  }
  const fonts = fontDir();
  if (fonts) {
    await app.register(fastifyStatic, {
      root: fonts,
      prefix: '/fonts/',
      decorateReply: false,
      wildcard: false,
      allowedPath: (path) => (PAGE_FONTS as readonly string[]).includes(path.replace(/^\//, '')),
      maxAge: '7d',
    });
  }
}
