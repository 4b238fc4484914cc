// Routes that take JSON only (/v1/intent, /v1/batch) sit in the scope where the multipart parser is
// registered for /v1/scene's uploads: without this, a multipart body reached their schema as no body
// at all and was answered 400 "body must be object" instead of naming the content type.
import type { FastifyRequest } from 'fastify';
import { EcommirError } from '../errors.js';

/** A preValidation hook: 415 for a multipart body. */
export async function refuseMultipart(request: FastifyRequest): Promise<void> {
  if (request.isMultipart()) {
    throw new EcommirError('ECM_ERR_BAD_RECORD', `${request.routeOptions.url ?? 'this route'} takes application/json only; multipart uploads go to /v1/scene`, { statusCode: 415 });
  }
}
