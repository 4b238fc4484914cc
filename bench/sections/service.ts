// The HTTP service with the shipped models under load on loopback (autocannon): requests/s, p50/p99
// latency, errors and peak RSS for /v1/intent (text only) and /v1/scene at 1, 4 and 16 clients.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadRecognizers } from '../../src/tasks/default-models.js';
import { formatLoadTable, runLoadBench } from '../load.js';
import type { BenchContext } from '../run.js';
import { sceneSteps, SECTION_FORMAT_MARK } from './common.js';

/** Distinct variants of the example screenshots (a few random pixels changed), so no upload repeats. */
async function sceneBodies(n: number): Promise<string[]> {
  const names = ['order', 'logistics', 'refund'];
  const sources = await Promise.all(names.map((name) => readFile(fileURLToPath(new URL(`../../examples/screenshots/${name}.png`, import.meta.url)))));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const src = sources[i % sources.length];
    const { width = 540, height = 1170 } = await sharp(src).metadata();
    const dot = await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } }).png().toBuffer();
    const png = await sharp(src).composite([{ input: dot, left: (i * 13) % (width - 2), top: (i * 29) % (height - 2) }]).png().toBuffer();
    out.push(JSON.stringify({ image: png.toString('base64') }));
  }
  return out;
}

export async function runServiceBench(ctx: BenchContext): Promise<string> {
  // A fresh feature cache: uploads from an earlier run must not be answered from the cache.
  process.env.ECOMMIR_CACHE_DIR = await mkdtemp(join(tmpdir(), 'ecommir-load-cache-'));
  const recognizers = await loadRecognizers();
  if (!recognizers.scene || !recognizers.intent) throw new Error('the shipped models are missing: train them first (see models/README.md)');
  const bodies = await sceneBodies(400);
  ctx.log('  load test: 2 endpoints × 3 client counts × 10 s');
  const rows = await runLoadBench({ recognizers, durationSec: 10, connections: [1, 4, 16], sceneBodies: bodies });
  return [
    // No cross-validation here: the header has no seeds or folds to state.
    SECTION_FORMAT_MARK,
    'Server and load generator share this process and its 2 cores; the service runs recogniser calls through its bounded work queue',
    '(default concurrency 2). `/v1/intent` posts a three-turn text dialogue; `/v1/scene` cycles through 400 distinct 540×1170 PNG screenshots',
    `(the project’s rendered examples with a few pixels changed), so every scene request runs decode, ${sceneSteps(recognizers.scene.fusion, ', ')} and the head.`,
    'Errors count connection errors and timeouts; non-2xx counts refusals (a full queue answers 503).',
    '',
    formatLoadTable(rows),
  ].join('\n');
}
