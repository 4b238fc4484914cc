// buildApp: the whole HTTP service as a Fastify instance, apart from listen(), so tests can use
// inject() or listen on port 0. Routes under /v1 need a key; the page, health and docs do not.
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { ApiKeyCheck } from './auth.js';
import type { ServerContext } from './context.js';
import { collectRoutes } from './openapi.js';
import { resolveServerOptions, type BuildAppOptions } from './options.js';
import { installErrorHandlers } from './problem.js';
import { registerBatchRoute } from './routes/batch.js';
import { registerIntentRoute } from './routes/intent.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerPageRoutes } from './routes/page.js';
import { registerSceneRoute } from './routes/scene.js';
import { buildSchemas } from './schemas.js';
import { WorkQueue } from './work-queue.js';

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const resolved = resolveServerOptions(options);
  const { limits } = resolved;
  const app = Fastify({
    logger: resolved.logger,
    bodyLimit: limits.maxBodyBytes,
    // A slow upload cannot hold a connection forever (Node's own request timer, body included).
    requestTimeout: Math.max(60_000, limits.timeoutMs * 2),
    return503OnClosing: true,
  });
  const ctx: ServerContext = {
    options: resolved,
    queue: new WorkQueue(limits.concurrency, limits.maxQueue),
    schemas: buildSchemas(limits),
  };
  const routes = collectRoutes(app);
  installErrorHandlers(app);
  // Graceful close: close() waits for in-flight requests; their answers say `Connection: close`
  // so keep-alive sockets end with them instead of holding close() for the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  });

  registerOpsRoutes(app, ctx, routes);
  await registerPageRoutes(app);

  const keys = new ApiKeyCheck(resolved.auth);
  await app.register(async (v1) => {
    // onRequest runs before the body is read: a request without a key is refused before its upload.
    v1.addHook('onRequest', async (request) => keys.verify(request.headers.authorization, request.socket.remoteAddress));
    await v1.register(fastifyMultipart, {
      limits: { fileSize: limits.maxImageBytes, files: 1, fields: 4, parts: 5, fieldSize: 1024 },
    });
    registerSceneRoute(v1, ctx);
    registerIntentRoute(v1, ctx);
    registerBatchRoute(v1, ctx);
  });
  await app.ready();
  return app;
}
