// Every error leaves as JSON `{error: {code, message}}` with an ECM_ERR_... code. Our own errors
// keep their code and status; Fastify's and the multipart parser's are mapped here; anything
// unexpected is a 500 whose details go to the log, not to the client.
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { EcommirError, type ErrorCode } from '../errors.js';
import { pathWithoutQuery } from './request-path.js';
import { describeSchemaError, type SchemaErrorLike } from './schema-error.js';

export interface ProblemBody {
  error: { code: string; message: string };
}

export function problem(code: ErrorCode, message: string): ProblemBody {
  return { error: { code, message } };
}

interface Mapped {
  status: number;
  code: ErrorCode;
  message: string;
}

export function mapError(err: unknown): Mapped {
  if (err instanceof EcommirError) return { status: err.statusCode, code: err.code, message: err.message };
  const fe = err as Partial<FastifyError> & { message?: string };
  if (fe.validation) {
    const first = fe.validation[0] as SchemaErrorLike | undefined;
    const message = first ? describeSchemaError(first, fe.validationContext ?? 'body') : fe.message;
    return { status: 400, code: 'ECM_ERR_BAD_RECORD', message: `invalid request: ${message}` };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return { status: 413, code: 'ECM_ERR_BODY_TOO_LARGE', message: `request too large: ${fe.message}` };
    case 'FST_REQ_FILE_TOO_LARGE':
      return { status: 413, code: 'ECM_ERR_IMAGE_TOO_LARGE', message: 'the uploaded image is over the size limit' };
    case 'FST_PROTO_VIOLATION':
    case 'FST_FILE_BUFFER_NOT_FOUND':
      return { status: 400, code: 'ECM_ERR_BAD_RECORD', message: `malformed multipart body: ${fe.message}` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return { status: 415, code: 'ECM_ERR_BAD_RECORD', message: 'unsupported content type: send application/json (an image upload to /v1/scene may be multipart/form-data)' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'ECM_ERR_BAD_JSON', message: 'the body is not valid JSON' };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 429) return { status, code: 'ECM_ERR_RATE_LIMITED', message: fe.message ?? 'too many requests; retry later' };
  if (err instanceof SyntaxError && status === 400) return { status, code: 'ECM_ERR_BAD_JSON', message: `the body is not valid JSON: ${err.message}` };
  if (status === 503) return { status, code: 'ECM_ERR_BUSY', message: 'the service is unavailable (shutting down or overloaded); retry later' };
  if (status >= 400 && status < 500) return { status, code: 'ECM_ERR_BAD_RECORD', message: fe.message ?? 'bad request' };
  return { status: 500, code: 'ECM_ERR_BACKEND', message: 'internal error; see the server log' };
}

/** The client went away mid-request (an aborted upload): its fault, logged at info. */
export function isClientAbort(err: unknown, request: FastifyRequest): boolean {
  const code = (err as { code?: string }).code;
  return (
    request.raw.aborted ||
    request.raw.socket?.destroyed === true ||
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' ||
    /aborted|premature close/i.test((err as Error).message ?? '')
  );
}

/** Fields an error adds to its body (an unknown label's allowed labels). */
function extraOf(err: unknown): object {
  const details = (err as { details?: unknown }).details;
  return details && typeof details === 'object' ? { details } : {};
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    if (isClientAbort(err, request)) {
      request.log.info({ reason: (err as Error).message }, 'the client aborted the request');
      return reply.code(400).send(problem('ECM_ERR_BAD_RECORD', 'the request was aborted by the client'));
    }
    const mapped = mapError(err);
    if (mapped.status >= 500 && mapped.code === 'ECM_ERR_BACKEND') request.log.error({ err }, 'unexpected error');
    if (mapped.code === 'ECM_ERR_BUSY') reply.header('retry-after', '1');
    // RFC 9110: a 401 says how to authenticate.
    if (mapped.status === 401) reply.header('www-authenticate', 'Bearer realm="ecommir"');
    return reply.code(mapped.status).send({ requestId: request.id, ...problem(mapped.code, mapped.message), ...extraOf(err) });
  });
  // A path the service has, asked with another method, is 405 with the methods it takes (RFC 9110), not 404.
  const routes: { methods: string[]; pattern: RegExp }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
    routes.push({ methods, pattern: routePattern(route.url) });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = pathWithoutQuery(request.url);
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))];
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header('allow', allowed.join(', '));
      return reply.code(405).send({ requestId: request.id, ...problem('ECM_ERR_METHOD_NOT_ALLOWED', `${path} takes ${allowed.join(', ')}, not ${request.method}`) });
    }
    return reply.code(404).send({ requestId: request.id, ...problem('ECM_ERR_NOT_FOUND', `no route ${request.method} ${path}`) });
  });
}

/** A Fastify route path as a regular expression over request paths: `:name` is one segment, `*` the rest. */
function routePattern(url: string): RegExp {
  const segments = url.split('/').map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}$`);
}

