// buildApp: the whole HTTP service as a Fastify instance, apart from listen(), so tests can use
// inject() or listen on port 0. Routes under /v1 need a key; the page, health and docs do not.
// The event loop only checks and routes: recogniser work runs in the lanes' workers
// (runtime/lanes.ts) and large JSON bodies are parsed in threads (json-body.ts), so /healthz answers
// in milliseconds whatever a request contains.
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { EcommirError } from '../errors.js';
import type { RecognizerRuntime } from '../runtime/lanes.js';
import { admit, ApiKeyCheck, clientOf } from './auth.js';
import { installBodyBudget } from './body-budget.js';
import type { ServerContext } from './context.js';
import { installJsonBodyParser, jsonBodyRules } from './json-body.js';
import { collectRoutes } from './openapi.js';
import { resolveServerOptions, type BuildAppOptions, type ResolvedServerOptions } from './options.js';
import { installErrorHandlers, problem } from './problem.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerBatchRoute } from './routes/batch.js';
import { registerFeedbackRoutes } from './routes/feedback.js';
import { registerIntentRoute } from './routes/intent.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerPageRoutes } from './routes/page.js';
import { registerSceneRoute } from './routes/scene.js';
import { pathWithoutQuery } from './request-path.js';
import { buildSchemas, ID_MAX_LENGTH } from './schemas.js';

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()';

function loggerOption(resolved: Readonly<ResolvedServerOptions>): object | boolean {
  if (!resolved.logger) return false;
  const serializers = {
    req: (request: FastifyRequest) => ({ method: request.method, url: pathWithoutQuery(request.url), remoteAddress: request.ip }),
  };
  if (resolved.logger === true) return { level: 'info', serializers };
  return { level: resolved.logger.level ?? 'info', stream: resolved.logger.stream, serializers };
}

const RUNTIMES = new WeakMap<FastifyInstance, RecognizerRuntime>();

/** The recognisers an app built by buildApp serves with (serve's SIGHUP reloads them). */
export function runtimeOf(app: FastifyInstance): RecognizerRuntime | undefined {
  return RUNTIMES.get(app);
}

export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const resolved = await resolveServerOptions(options);
  const { limits } = resolved;
  const app = Fastify({
    logger: loggerOption(resolved),
    bodyLimit: limits.maxBodyBytes,
    // A slow upload cannot hold a connection forever (Node's own request timer, body included),
    // checked every second rather than every 30 s.
    requestTimeout: limits.requestTimeoutMs,
    http: { connectionsCheckingInterval: 1_000, headersTimeout: Math.min(10_000, limits.requestTimeoutMs) },
    // An idle keep-alive socket is closed after 5 s (Fastify's default is 72 s).
    keepAliveTimeout: 5_000,
    // A socket with no traffic at all for this long is closed.
    connectionTimeout: limits.timeoutMs + 10_000,
    return503OnClosing: true,
    // Every answer is addressable: a random id (never one sent by the client), in the body of /v1
    // answers and in the X-Request-Id header of all.
    genReqId: () => randomUUID(),
    // Strict requests: unknown properties are an error (not silently dropped), types are not coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    // Errors the socket layer answers itself (a request timeout, a malformed request line) in our shape.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const [status, text, code] = timeout ? [408, 'Request Timeout', 'ECM_ERR_TIMEOUT'] : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'ECM_ERR_BODY_TOO_LARGE'] : [400, 'Bad Request', 'ECM_ERR_BAD_RECORD'];
      const message = timeout ? 'the request was not received in time' : status === 431 ? 'the request headers are too large (16 KiB in all at most)' : 'malformed HTTP request';
      const body = JSON.stringify(problem(code as 'ECM_ERR_TIMEOUT', message));
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    },
  });
  RUNTIMES.set(app, resolved.runtime);
  const ctx: ServerContext = { options: resolved, runtime: resolved.runtime, schemas: buildSchemas(limits), feedback: resolved.feedback };
  if (resolved.ownsRuntime) app.addHook('onClose', async () => resolved.runtime.close());
  if (resolved.feedback) app.addHook('onClose', async () => resolved.feedback?.close());
  limitConnections(app, limits.maxConnections, limits.maxConnectionsPerAddress);
  // A multipart upload holds one image and one short field (the id): the image limit and room for the parts' headers.
  installBodyBudget(app, { budget: limits.maxBodyBytesInFlight, maxBody: limits.maxBodyBytes, maxMultipartBody: limits.maxImageBytes + 64 * 1024 });
  const routes = collectRoutes(app);
  installErrorHandlers(app);
  installJsonBodyParser(app, { rules: jsonBodyRules(limits), maxImageBytes: limits.maxImageBytes });
  // Graceful close: close() waits for in-flight requests; their answers say `Connection: close`
  // so keep-alive sockets end with them instead of holding close() for the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    if (closing) reply.header('connection', 'close');
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    // For browsers that predate CSP's frame-ancestors, and no device or payment API for the page.
    reply.header('x-frame-options', 'DENY');
    reply.header('permissions-policy', PERMISSIONS_POLICY);
  });

  registerOpsRoutes(app, ctx, routes);
  await registerPageRoutes(app);

  const keys = new ApiKeyCheck(resolved.auth);
  await app.register(async (v1) => {
    // onRequest runs before the body is read: a request without a key is refused before its upload.
    v1.addHook('onRequest', async (request) => admit(keys, request));
    // A compressed body was read as if it were plain and refused as bad JSON or a broken upload: name the cause.
    // (Decompressing it would let a few kB expand past every size limit before one could be checked.)
    v1.addHook('onRequest', async (request) => {
      const encoding = request.headers['content-encoding']?.trim().toLowerCase();
      if (encoding && encoding !== 'identity') {
        throw new EcommirError('ECM_ERR_BAD_RECORD', `Content-Encoding ${encoding} is not accepted: send the body uncompressed`, { statusCode: 415 });
      }
    });
    if (limits.rateLimitPerMinute > 0) {
      await v1.register(fastifyRateLimit, {
        max: limits.rateLimitPerMinute,
        timeWindow: 60_000,
        // Per key (hashed: the key itself is never kept), else per address.
        keyGenerator: (request) => clientOf(request.headers.authorization, request.ip),
        errorResponseBuilder: (_request, context) =>
          new EcommirError('ECM_ERR_RATE_LIMITED', `too many requests: at most ${context.max} a minute for one key or address; retry in ${Math.ceil(context.ttl / 1000)} s`, {
            statusCode: 429,
          }),
      });
    }
    await v1.register(fastifyMultipart, {
      // The same limits as a JSON body: one image of maxImageBytes, an id of ID_MAX_LENGTH characters.
      limits: { fileSize: limits.maxImageBytes, files: 1, fields: 1, parts: 2, fieldSize: ID_MAX_LENGTH * 4 },
    });
    registerSceneRoute(v1, ctx);
    registerIntentRoute(v1, ctx);
    registerBatchRoute(v1, ctx);
    registerFeedbackRoutes(v1, ctx);
  });
  // Admin routes: their own scope, so only an admin key opens them (not the /v1 keys, nor loopback).
  await app.register(async (admin) => registerAdminRoutes(admin, ctx));
  await app.ready();
  return app;
}

/**
 * A cap on open connections, in all and per address: a client holding thousands of idle sockets
 * cannot make the service unreachable for others.
 */
function limitConnections(app: FastifyInstance, total: number, perAddress: number): void {
  app.server.maxConnections = total;
  const open = new Map<string, number>();
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '?';
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

