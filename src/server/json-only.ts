// Routes that take JSON only (/v1/intent, /v1/batch) sit in the scope where the multipart parser is
// registered for /v1/scene's uploads: without this, a multipart body reached their schema as no body
// at all, and a text/plain one (JSON sent with the wrong header) as a string, and both were answered
// 400 "body must be object" instead of naming the content type.
import type { FastifyRequest } from 'fastify';
import { EcommirError } from '../errors.js';

/** The body's media type when it is neither JSON nor absent (lower case, without parameters). */
function nonJsonType(request: FastifyRequest): string | undefined {
  const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
  return type && type !== 'application/json' && !type.endsWith('+json') ? type : undefined;
}

/** A preValidation hook: 415 for a multipart body or any other type than JSON. */
export async function requireJsonBody(request: FastifyRequest): Promise<void> {
  const route = request.routeOptions.url ?? 'this route';
  if (request.isMultipart()) {
    throw new EcommirError('ECM_ERR_BAD_RECORD', `${route} takes application/json only; multipart uploads go to /v1/scene`, { statusCode: 415 });
  }
  const type = nonJsonType(request);
  if (type) {
    throw new EcommirError('ECM_ERR_BAD_RECORD', `${route} takes application/json only; this body was sent as ${type} (curl: -H 'content-type: application/json')`, { statusCode: 415 });
  }
}

/**
 * The preValidation hook of /v1/scene, which takes an upload too: its schema is keyed by content type,
 * so a body of another type, or none, reached the handler unchecked and was answered 500.
 */
export async function requireJsonBodyOrUpload(request: FastifyRequest): Promise<void> {
  if (request.isMultipart()) return;
  const route = request.routeOptions.url ?? 'this route';
  const type = nonJsonType(request);
  if (type) {
    throw new EcommirError('ECM_ERR_BAD_RECORD', `${route} takes application/json or a multipart/form-data upload; this body was sent as ${type} (curl: -H 'content-type: application/json', or -F file=@image.png)`, { statusCode: 415 });
  }
  if (request.body === undefined || request.body === null) {
    throw new EcommirError('ECM_ERR_BAD_RECORD', `${route} needs a body: {"image": "<base64 or data URL>"} as application/json, or an upload (curl -F file=@image.png)`, { statusCode: 400 });
  }
}
