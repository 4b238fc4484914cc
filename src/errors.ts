// Errors carry a stable code (asserted by tests, mapped to HTTP statuses by the server)
// and, where an input item is at fault, the item it names.

export type ErrorCode =
  | 'ECM_ERR_BAD_JSON'
  /** A file named on the command line (or in a record) is not there. */
  | 'ECM_ERR_FILE_NOT_FOUND'
  /** It is there but cannot be read (a folder, no permission). */
  | 'ECM_ERR_FILE_UNREADABLE'
  | 'ECM_ERR_BAD_RECORD'
  | 'ECM_ERR_UNKNOWN_TASK'
  | 'ECM_ERR_UNKNOWN_LABEL'
  /** A user turn with no text and no image (src/data/input-limits.ts). */
  | 'ECM_ERR_EMPTY_TURN'
  | 'ECM_ERR_IMAGE_MISSING'
  | 'ECM_ERR_IMAGE_CORRUPT'
  | 'ECM_ERR_IMAGE_TOO_LARGE'
  /** A sample over the input limits (src/data/input-limits.ts): text, turns, images, pixels. */
  | 'ECM_ERR_INPUT_TOO_LARGE'
  | 'ECM_ERR_BAD_TAXONOMY'
  /** Too few samples of the task to train on (an input fault: exit 1, not the command line's 2). */
  | 'ECM_ERR_TOO_FEW_SAMPLES'
  | 'ECM_ERR_BAD_OPTION'
  | 'ECM_ERR_NO_MODEL'
  | 'ECM_ERR_NOT_FITTED'
  | 'ECM_ERR_BACKEND'
  /**
   * A backend's model gave no usable answer for this sample, which other samples may still get: it
   * answered off the label set on every call, or its server refused this request as too long (HTTP 413,
   * or a 400 that says so).
   */
  | 'ECM_ERR_NO_ANSWER'
  | 'ECM_ERR_TIMEOUT'
  // The HTTP service's own conditions (src/server/).
  | 'ECM_ERR_UNAUTHORIZED'
  | 'ECM_ERR_BODY_TOO_LARGE'
  | 'ECM_ERR_BUSY'
  | 'ECM_ERR_RATE_LIMITED'
  | 'ECM_ERR_FORBIDDEN'
  | 'ECM_ERR_NOT_FOUND'
  /** The request clashes with the state it would change (409): a client's correction over a reviewer's label, a rollback with nothing to go back to. */
  | 'ECM_ERR_CONFLICT'
  /** A path the service has, asked with another method (405, with an Allow header). */
  | 'ECM_ERR_METHOD_NOT_ALLOWED'
  /** A model reload refused: it did not load, its labels differ, or its smoke prediction failed. */
  | 'ECM_ERR_MODEL_REJECTED';

/** Where in the input a problem sits: the record's id and its 0-based index in the file. */
export interface ItemRef {
  id?: string;
  index?: number;
  file?: string;
}

export class EcommirError extends Error {
  readonly code: ErrorCode;
  readonly item?: ItemRef;
  readonly statusCode: number;

  constructor(code: ErrorCode, message: string, options: { item?: ItemRef; cause?: unknown; statusCode?: number } = {}) {
    super(options.item ? `${describeItem(options.item)}: ${message}` : message, { cause: options.cause });
    this.name = 'EcommirError';
    this.code = code;
    this.item = options.item;
    this.statusCode = options.statusCode ?? 400;
  }
}

/**
 * An error about a sample, named in the data file it came from: errors raised where the file is not
 * known (a worker's decode, a recogniser) name the record only. Other errors come back as they were;
 * the original is the new one's cause.
 */
export function inDataFile(err: unknown, file: string): unknown {
  if (!(err instanceof EcommirError) || !err.item || err.item.file !== undefined) return err;
  const prefix = `${describeItem(err.item)}: `;
  if (!err.message.startsWith(prefix)) return err;
  return new EcommirError(err.code, err.message.slice(prefix.length), { item: { ...err.item, file }, statusCode: err.statusCode, cause: err });
}

export function describeItem(item: ItemRef): string {
  const parts: string[] = [];
  if (item.file) parts.push(item.file);
  if (item.index !== undefined) parts.push(`record #${item.index}`);
  if (item.id !== undefined && item.id !== '') parts.push(`id ${item.id}`);
  return parts.join(', ') || 'input';
}
