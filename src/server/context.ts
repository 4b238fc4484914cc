// What every route needs, built once by buildApp and passed down explicitly.
import type { FastifyReply } from 'fastify';
import { EcommirError } from '../errors.js';
import type { FeedbackStore } from '../feedback/store.js';
import type { RecognizerRuntime } from '../runtime/lanes.js';
import { startDeadline, type Deadline } from '../runtime/deadline.js';
import type { ResolvedServerOptions } from './options.js';
import type { buildSchemas } from './schemas.js';

export interface ServerContext {
  options: Readonly<ResolvedServerOptions>;
  runtime: RecognizerRuntime;
  /** The feedback database, when the service runs with one. */
  feedback?: FeedbackStore;
  schemas: ReturnType<typeof buildSchemas>;
}

/** A deadline that also fires when the client disconnects, so its work is dropped or stopped. */
export function requestDeadline(reply: FastifyReply, ms: number, what: string): Deadline {
  const deadline = startDeadline(ms, what);
  const onClose = (): void => {
    if (!reply.raw.writableFinished) {
      deadline.abort(new EcommirError('ECM_ERR_TIMEOUT', 'the client closed the connection before the answer', { statusCode: 499 }));
    }
  };
  reply.raw.once('close', onClose);
  return {
    signal: deadline.signal,
    abort: deadline.abort,
    clear: () => {
      deadline.clear();
      reply.raw.off('close', onClose);
    },
  };
}
