// Liveness, readiness and the OpenAPI document: public, no key needed.
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../../version.js';
import { SwappableRuntime } from '../../runtime/swap.js';
import type { ServerContext } from '../context.js';
import { publishedLimits } from '../options.js';
import { buildOpenApiDocument, type collectRoutes } from '../openapi.js';

export function registerOpsRoutes(app: FastifyInstance, ctx: ServerContext, routes: ReturnType<typeof collectRoutes>): void {
  app.get('/healthz', { schema: ctx.schemas.healthz }, async () => ({ status: 'ok', version: VERSION }));

  app.get('/readyz', { schema: ctx.schemas.readyz }, async (_request, reply) => {
    const tasks = { ...ctx.runtime.tasks };
    const lanes = ctx.runtime.stats();
    const models = ctx.runtime instanceof SwappableRuntime ? ctx.runtime.served() : undefined;
    const feedback = { enabled: ctx.feedback !== undefined, ...(ctx.feedback ? { schemaVersion: ctx.feedback.schemaVersion } : {}) };
    const limits = publishedLimits(ctx.options.limits);
    if (tasks.scene && tasks.intent) return { ready: true, tasks, lanes, models, feedback, limits };
    const missing = Object.entries(tasks).filter(([, loaded]) => !loaded).map(([task]) => task);
    return reply.code(503).send({
      ready: false,
      tasks,
      lanes,
      models,
      feedback,
      limits,
      error: { code: 'ECM_ERR_NO_MODEL', message: `no model loaded for: ${missing.join(', ')}` },
    });
  });

  let document: object | undefined;
  app.get('/openapi.json', async () => (document ??= buildOpenApiDocument(routes)));
}
