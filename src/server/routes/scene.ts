// POST /v1/scene: one image, as JSON `{image}` (base64 / data URL) or a multipart upload with one
// file part and an optional `id` field, held to the same limits as the JSON body.
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EcommirError } from '../../errors.js';
import type { Sample } from '../../types.js';
import { classifySample } from '../classify.js';
import { requestDeadline, type ServerContext } from '../context.js';
import { base64JsonChars, decodedImagesOf } from '../json-body.js';
import { requireJsonBodyOrUpload } from '../json-only.js';
import { recordOf } from '../record.js';
import { sceneSampleFromBody, sceneSampleFromBytes, type SceneBody } from '../request-sample.js';
import { ID_MAX_LENGTH } from '../schemas.js';

export function registerSceneRoute(app: FastifyInstance, ctx: ServerContext): void {
  // A JSON body holds one base64 image: its limit follows the image limit, not the batch-sized default.
  const bodyLimit = Math.min(ctx.options.limits.maxBodyBytes, base64JsonChars(ctx.options.limits.maxImageBytes) + 64 * 1024);
  app.post('/v1/scene', { schema: ctx.schemas.scene, bodyLimit, preValidation: requireJsonBodyOrUpload }, async (request, reply) => {
    const started = performance.now();
    const sample = request.isMultipart()
      ? await sampleFromUpload(request, ctx.options.limits.maxImageBytes)
      : sceneSampleFromBody(request.body as SceneBody, 0, ctx.options.limits.maxImageBytes, decodedImagesOf(request));
    const deadline = requestDeadline(reply, ctx.options.limits.timeoutMs, 'the scene request');
    try {
      const prediction = await classifySample(ctx, sample, deadline.signal, recordOf(request));
      return { prediction, ms: Math.round(performance.now() - started), requestId: request.id };
    } finally {
      deadline.clear();
    }
  });
}

const bad = (message: string): EcommirError => new EcommirError('ECM_ERR_BAD_RECORD', message, { item: { id: '#0', index: 0 } });

async function sampleFromUpload(request: FastifyRequest, maxImageBytes: number): Promise<Sample> {
  let file: { bytes: Buffer; name: string } | undefined;
  let id: string | undefined;
  let fileName: string | undefined;
  try {
    for await (const part of request.parts() as AsyncIterable<Multipart>) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) throw bad(`unexpected file part "${part.fieldname}": send one part named "file"`);
        fileName = (part as MultipartFile).filename || 'upload';
        // Throws FST_REQ_FILE_TOO_LARGE past the multipart fileSize limit.
        file = { bytes: await (part as MultipartFile).toBuffer(), name: fileName };
      } else {
        if (part.fieldname === 'file') throw bad('"file" came as a text field: send the image as a file part (curl -F file=@image.png)');
        if (part.fieldname !== 'id') throw bad(`unknown field "${part.fieldname}": the multipart body takes "file" and an optional "id"`);
        // Characters, as the JSON schema's maxLength counts them: an emoji is one, not two UTF-16 units.
        if (part.valueTruncated || [...String(part.value)].length > ID_MAX_LENGTH) throw bad(`the id field is longer than ${ID_MAX_LENGTH} characters`);
        if (String(part.value) === '') throw bad('the id field is empty');
        id = String(part.value);
      }
    }
  } catch (err) {
    if (err instanceof EcommirError) throw err;
    const item = { id: id ?? '#0', index: 0 };
    switch ((err as { code?: string }).code) {
      case 'FST_REQ_FILE_TOO_LARGE':
        throw new EcommirError('ECM_ERR_IMAGE_TOO_LARGE', `the uploaded image ${JSON.stringify(fileName ?? 'upload')} is over the limit of ${maxImageBytes} bytes`, { item, statusCode: 413 });
      case 'FST_FILES_LIMIT':
      case 'FST_PARTS_LIMIT':
      case 'FST_FIELDS_LIMIT':
        // The body's shape is wrong (a second file, a second id), not its size: 400, as any other bad part.
        throw new EcommirError('ECM_ERR_BAD_RECORD', `the multipart body has more parts than one file part named "file" and an optional "id" field`, { item, statusCode: 400 });
    }
    if ((err as { code?: string }).code?.startsWith('FST_')) throw err;
    // busboy's parse errors (a broken boundary, a truncated part): the client's fault, not ours.
    throw bad(`malformed multipart body: ${(err as Error).message}`);
  }
  if (!file) throw new EcommirError('ECM_ERR_IMAGE_MISSING', 'the multipart body has no file part', { item: { id: id ?? '#0', index: 0 } });
  return sceneSampleFromBytes(new Uint8Array(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength), id, 0, file.name);
}
