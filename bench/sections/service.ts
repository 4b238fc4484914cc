// The HTTP service as `ecommir serve` builds it (shipped models in worker lanes: on 2 cores one text
// worker thread and one image worker process; a private bounded feature cache) under load on loopback
// (autocannon): 2xx answers/s, p50/p99 latency of the 2xx answers, errors and peak RSS for /v1/intent
// (the dev dialogues, text only; and those with images, their images inline) and /v1/scene (distinct screenshots) at 1, 4 and 16 clients.
// The rate limit is off (it would cap one key at about 200 req/s); the .md says so beside the figures.
//   ECOMMIR_BENCH_QUICK=1 node --import tsx bench/sections/service.ts   (a reduced run, printed)
import { fileURLToPath } from 'node:url';
import { formatLoadTable, runLoadBench } from '../load.js';
import { devDialogueBodies, devDialogueBodiesWithImages, QUICK, QUICK_NOTE, rateLimitNote, screenshotBodies, serveLikeApp } from '../service-kit.js';
import type { BenchContext } from '../run.js';
import { SECTION_FORMAT_MARK } from './common.js';
import { TEXT_LANE_IMAGE_LOAD } from '../../src/runtime/lanes.js';

const KEY = 'bench-key-0123456789';

export async function runServiceBench(ctx: Pick<BenchContext, 'log'>): Promise<string> {
  const durationSec = QUICK ? 3 : 10;
  const connections = QUICK ? [1, 4] : [1, 4, 16];
  const intentBodies = await devDialogueBodies();
  const intentImageBodies = await devDialogueBodiesWithImages();
  const sceneBodies = await screenshotBodies(QUICK ? 60 : 400);
  const service = await serveLikeApp([KEY], { rateLimitPerMinute: 0 });
  try {
    ctx.log(`  load test: 3 kinds of request × ${connections.length} client counts × ${durationSec} s`);
    const rows = await runLoadBench({ url: service.url, key: KEY, durationSec, connections, intentBodies, intentImageBodies, sceneBodies });
    const sceneSent = Math.max(0, ...rows.filter((r) => r.endpoint === '/v1/scene').map((r) => r.bodiesSent));
    return [
      // No cross-validation here: the header has no seeds or folds to state.
      SECTION_FORMAT_MARK,
      QUICK_NOTE,
      `The service as \`ecommir serve\` builds it: shipped models in worker lanes (text lane ${service.lanes.text.concurrency} worker thread(s), image lane ${service.lanes.image.concurrency} worker process(es) at idle priority), a private bounded feature cache, serve's queue limits. The load generator shares this process and the machine's cores with it.`,
      `\`/v1/intent\` cycles through ${intentBodies.described}; \`/v1/intent (with images)\` through ${intentImageBodies.described}, whose images are decoded to be checked (the shipped intent model reads the text alone: up to ${TEXT_LANE_IMAGE_LOAD.pixels / 1e6} MP and ${TEXT_LANE_IMAGE_LOAD.bytes / 2 ** 20} MiB of images a dialogue are checked in the text lane, more in the image lane); \`/v1/scene\` cycles through ${sceneBodies.length} distinct 540×1170 PNG screenshots`,
      `(the project’s rendered examples with a few pixels changed): ${sceneSent} were sent, ${sceneSent <= sceneBodies.length ? 'so none twice, and every scene request was read by the models, none from the cache' : `so ${sceneSent - sceneBodies.length} repeated an earlier one (answered from the cache)`}.`,
      `${rateLimitNote()} ${durationSec} s per row.`,
      '2xx/s counts only 2xx answers; latencies are of the 2xx answers, timed per request (hrtime, not autocannon’s whole-millisecond histogram). Errors count connection errors and timeouts; non-2xx counts refusals (a full queue answers 503). Peak RSS is this process (server, text lane thread, load generator), not the image lane’s process.',
      '',
      formatLoadTable(rows),
    ].join('\n');
  } finally {
    await service.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${await runServiceBench({ log: (line) => process.stderr.write(`${line}\n`) })}\n`);
}
