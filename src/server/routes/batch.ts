// POST /v1/batch: up to maxBatch samples, answered in order; each item succeeds or carries its own
// error, so one bad item does not fail the rest. A batch feeds the lanes only as many items at a
// time as the image lane runs at once: it cannot fill the queues by itself and starve single requests.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EcommirError } from '../../errors.js';
import type { Sample } from '../../types.js';
import { classifySample, type ApiPrediction } from '../classify.js';
import { requestDeadline, type ServerContext } from '../context.js';
import { mapError } from '../problem.js';
import { decodedImagesOf } from '../json-body.js';
import { requireJsonBody } from '../json-only.js';
import { recordOf } from '../record.js';
import { intentSampleFromBody, itemOf, sceneSampleFromBody, type IntentBody, type SceneBody } from '../request-sample.js';
import { describeSchemaError } from '../schema-error.js';

type ItemResult =
  | { index: number; id: string; requestId: string; ok: true; prediction: ApiPrediction }
  | { index: number; id: string; requestId: string; ok: false; error: { code: string; message: string } };

export function registerBatchRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/batch', { schema: ctx.schemas.batch, preValidation: requireJsonBody }, async (request, reply) => {
    const started = performance.now();
    // The socket is silent while the batch is worked on, for longer than the idle-socket timeout (set
    // for single requests) allows: the batch's own deadline bounds it, with a margin to send the 504.
    request.raw.socket.setTimeout(ctx.options.limits.batchTimeoutMs + 10_000);
    const items = (request.body as { samples: Record<string, unknown>[] }).samples;
    const deadline = requestDeadline(reply, ctx.options.limits.batchTimeoutMs, 'the batch');
    const results: ItemResult[] = new Array(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const index = next++;
        results[index] = await classifyItem(request, ctx, items[index], index, deadline.signal);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(ctx.options.limits.imageConcurrency, items.length) }, worker));
    } finally {
      deadline.clear();
    }
    return { results, ms: Math.round(performance.now() - started), requestId: request.id };
  });
}

async function classifyItem(
  request: FastifyRequest,
  ctx: ServerContext,
  raw: Record<string, unknown>,
  index: number,
  signal: AbortSignal,
): Promise<ItemResult> {
  const id = typeof raw.id === 'string' ? raw.id : `#${index}`;
  // Each item is addressable on its own (POST /v1/feedback): the batch's id and its index.
  const requestId = `${request.id}-${index}`;
  try {
    const sample = parseItem(request, ctx, raw, index);
    return { index, id, requestId, ok: true, prediction: await classifySample(ctx, sample, signal, recordOf(request, requestId)) };
  } catch (err) {
    const mapped = mapError(err);
    if (mapped.code === 'ECM_ERR_BACKEND') request.log.error({ err, index }, 'batch item failed unexpectedly');
    return { index, id, requestId, ok: false, error: { code: mapped.code, message: mapped.message } };
  }
}

/** Validates one item with the same schema as the single-sample route, then builds its Sample. */
function parseItem(request: FastifyRequest, ctx: ServerContext, raw: Record<string, unknown>, index: number): Sample {
  const item = itemOf(typeof raw.id === 'string' ? raw.id : undefined, index);
  const task = raw.task ?? ('dialogue' in raw ? 'intent' : 'image' in raw ? 'scene' : undefined);
  if (task !== 'scene' && task !== 'intent') {
    throw new EcommirError('ECM_ERR_UNKNOWN_TASK', 'a batch item needs `image` (scene), `dialogue` (intent) or `task`', { item });
  }
  const schema = task === 'scene' ? ctx.schemas.sceneBody : ctx.schemas.intentBody;
  const validate = request.compileValidationSchema(schema);
  if (!validate(raw)) {
    const why = (validate.errors ?? []).map((e) => describeSchemaError(e, '')).join('; ');
    throw new EcommirError('ECM_ERR_BAD_RECORD', `invalid ${task} item: ${why}`, { item });
  }
  return task === 'scene'
    ? sceneSampleFromBody(raw as unknown as SceneBody, index, ctx.options.limits.maxImageBytes, decodedImagesOf(request))
    : intentSampleFromBody(raw as unknown as IntentBody, index, ctx.options.limits, decodedImagesOf(request));
}
