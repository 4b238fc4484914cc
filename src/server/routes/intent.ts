// POST /v1/intent: one dialogue in the native format.
import type { FastifyInstance } from 'fastify';
import { classifySample } from '../classify.js';
import { requestDeadline, type ServerContext } from '../context.js';
import { decodedImagesOf } from '../json-body.js';
import { requireJsonBody } from '../json-only.js';
import { recordOf } from '../record.js';
import { intentSampleFromBody, type IntentBody } from '../request-sample.js';

export function registerIntentRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/intent', { schema: ctx.schemas.intent, preValidation: requireJsonBody }, async (request, reply) => {
    const started = performance.now();
    const sample = intentSampleFromBody(request.body as IntentBody, 0, ctx.options.limits, decodedImagesOf(request));
    const deadline = requestDeadline(reply, ctx.options.limits.timeoutMs, 'the intent request');
    try {
      const prediction = await classifySample(ctx, sample, deadline.signal, recordOf(request));
      return { prediction, ms: Math.round(performance.now() - started), requestId: request.id };
    } finally {
      deadline.clear();
    }
  });
}
