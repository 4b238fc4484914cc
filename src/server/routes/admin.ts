// Model swaps over HTTP, for an admin key only (ECOMMIR_ADMIN_KEYS / --admin-keys-file): the /v1
// keys and keyless loopback calls do not open these. SIGHUP does the same as a reload without a
// body (serve.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EcommirError } from '../../errors.js';
import { SwappableRuntime, type ModelFolders } from '../../runtime/swap.js';
import { ApiKeyCheck } from '../auth.js';
import type { ServerContext } from '../context.js';
import { feedbackSchemas } from '../feedback-schemas.js';

export function registerAdminRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Reviewer keys do not open these either: relabelling samples and swapping models are separate trusts.
  const keys = new ApiKeyCheck({ apiKeys: ctx.options.adminKeys, reviewerKeys: [], anonymousLoopback: false });
  app.addHook('onRequest', async (request) => {
    if (ctx.options.adminKeys.length === 0) {
      throw new EcommirError('ECM_ERR_FORBIDDEN', 'the admin endpoints are off: set ECOMMIR_ADMIN_KEYS or --admin-keys-file (SIGHUP reloads the models without a key)', { statusCode: 403 });
    }
    keys.verify(request.headers, request.socket.remoteAddress);
  });
  const swappable = (): SwappableRuntime => {
    if (!(ctx.runtime instanceof SwappableRuntime)) {
      throw new EcommirError('ECM_ERR_FORBIDDEN', 'this service was built with recognisers it cannot reload (not from model folders)', { statusCode: 403 });
    }
    return ctx.runtime;
  };
  const schemas = feedbackSchemas();

  // No body at all means `{}`, as the description says: reload every folder from where it is.
  const noBodyIsEmpty = async (request: FastifyRequest): Promise<void> => {
    if (request.body === undefined || request.body === null) request.body = {};
  };
  app.post('/v1/admin/reload', { schema: schemas.reload, preValidation: noBodyIsEmpty }, async (request) => {
    // Loading new lanes can take longer than the idle-socket timeout: this answer is worth the wait.
    request.raw.socket.setTimeout(0);
    const body = (request.body ?? {}) as { sceneModel?: string; intentModel?: string };
    const folders: ModelFolders = { scene: body.sceneModel, intent: body.intentModel };
    const report = await swappable().reload(folders);
    request.log.info({ models: report.current.models }, 'models reloaded');
    return report;
  });

  app.post('/v1/admin/rollback', { schema: schemas.rollback }, async (request) => {
    request.raw.socket.setTimeout(0);
    const report = await swappable().rollback();
    request.log.info({ models: report.current.models }, 'models rolled back');
    return report;
  });

  app.get('/v1/admin/models', { schema: schemas.models }, async () => swappable().served());
}
