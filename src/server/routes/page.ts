// The web page (web/) and the project's examples (examples/), served from the package itself:
// no CDN, works offline. Public; the page's API calls go through the same key check as any client.
import { existsSync, readFileSync } from 'node:fs';
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

export async function registerPageRoutes(app: FastifyInstance): Promise<void> {
  const root = packageRoot();
  const web = join(root, 'web');
  const examples = join(root, 'examples');
  if (existsSync(web)) await app.register(fastifyStatic, { root: web, prefix: '/', index: 'index.html', wildcard: false });
  if (existsSync(examples)) {
    await app.register(fastifyStatic, { root: examples, prefix: '/examples/', decorateReply: false, wildcard: false });
  }
}
