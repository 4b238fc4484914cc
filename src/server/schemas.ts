// The JSON schemas that validate requests and shape responses. The same objects are given to the
// Fastify routes and turned into /openapi.json, so the document cannot drift from what is enforced.
import { PUBLISHED_LIMITS, type ServerLimits } from './options.js';

/** Longest sample id, JSON and multipart alike. */
export const ID_MAX_LENGTH = 256;

export const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    requestId: { type: 'string', description: 'The id of the request (also in the X-Request-Id header).' },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable ECM_ERR_... code.' },
        message: { type: 'string' },
      },
    },
  },
} as const;

const rankedLabel = {
  type: 'object',
  required: ['label', 'coarse', 'confidence'],
  properties: { label: { type: 'string' }, coarse: { type: 'string' }, confidence: { type: 'number' } },
} as const;

// One schema for the three kinds (src/types.ts: TextEvidence, OcrEvidence, SignalEvidence); `kind` tells which fields are set.
const evidence = {
  type: 'object',
  required: ['kind', 'weight', 'reason', 'features'],
  properties: {
    kind: { type: 'string', enum: ['text', 'ocr', 'signal'], description: 'text: words of a turn; ocr: a line read off an image; signal: no place (layout, the picture as a whole).' },
    turn: { type: 'integer', description: 'text: index of the turn in the dialogue as sent (before denoising); ocr: the turn holding the image.' },
    start: { type: 'integer', description: 'text: offset of the first character in that turn’s text (UTF-16 code units).' },
    end: { type: 'integer', description: 'text: offset after the last character; `text` is `dialogue[turn].text.slice(start, end)`.' },
    text: { type: 'string', description: 'text: the words as sent; ocr: the OCR line.' },
    image: { type: 'integer', description: 'ocr: index of the image among the sample’s images.' },
    box: {
      type: 'object',
      description: 'ocr: where the line is, in fractions of the image’s width (x) and height (y) from the top left.',
      required: ['x0', 'y0', 'x1', 'y1'],
      properties: { x0: { type: 'number' }, y0: { type: 'number' }, x1: { type: 'number' }, y1: { type: 'number' } },
    },
    indicates: { type: 'string', description: 'ocr: the label the line points to.' },
    reason: {
      type: 'object',
      required: ['en', 'zh'],
      description: 'A short reason a person can read, in English and Chinese.',
      properties: { en: { type: 'string' }, zh: { type: 'string' } },
    },
    weight: { type: 'number', description: 'What the item added to the winning label’s score; larger weighs more.' },
    features: { type: 'array', items: { type: 'string' }, description: 'The model features behind the item (view:term), strongest first.' },
  },
} as const;

export const predictionSchema = {
  type: 'object',
  required: ['id', 'task', 'label', 'coarse', 'fine', 'hierarchical', 'confidence', 'uncertain', 'ranked'],
  properties: {
    id: { type: 'string' },
    task: { type: 'string', enum: ['scene', 'intent'] },
    label: { type: 'string', description: 'The fine label.' },
    coarse: { type: 'string' },
    fine: { type: 'string' },
    hierarchical: { type: 'string', description: '`粗类-细类`' },
    confidence: { type: 'number' },
    uncertain: { type: 'boolean', description: 'Confidence below the threshold: route to a human.' },
    ranked: { type: 'array', items: rankedLabel },
    evidence: { type: 'array', items: evidence },
    modelVersion: { type: 'string', description: 'The model that answered: first 12 hex digits of the SHA-256 of its model.json (of both model files for an intent model that describes the user\'s images with the scene model; where a big-model backend answers the task, of its options and weights, and of both when it is averaged with the model).' },
  },
} as const;

const requestId = { type: 'string', description: 'Names this prediction in POST /v1/feedback (also the X-Request-Id header).' } as const;

const predictionResponse = {
  type: 'object',
  required: ['prediction', 'ms', 'requestId'],
  properties: { prediction: predictionSchema, ms: { type: 'number', description: 'Server time, ms.' }, requestId },
} as const;

const errorResponses = {
  400: { description: 'Bad input (ECM_ERR_BAD_RECORD, ECM_ERR_BAD_JSON, ECM_ERR_IMAGE_CORRUPT...).', ...errorBody },
  401: { description: 'Missing or wrong API key (ECM_ERR_UNAUTHORIZED).', ...errorBody },
  403: { description: 'Keyless request from another site or to a non-loopback Host (ECM_ERR_FORBIDDEN).', ...errorBody },
  415: { description: 'A body of another content type than the route takes (ECM_ERR_BAD_RECORD).', ...errorBody },
  413: { description: 'Over the limits: body, image, text, turns, images, pixels (ECM_ERR_BODY_TOO_LARGE, ECM_ERR_IMAGE_TOO_LARGE, ECM_ERR_INPUT_TOO_LARGE).', ...errorBody },
  429: { description: 'Too many requests for this key or address (ECM_ERR_RATE_LIMITED); see Retry-After.', ...errorBody },
  502: { description: 'The big-model backend failed (ECM_ERR_BACKEND) or gave no usable answer for this sample (ECM_ERR_NO_ANSWER).', ...errorBody },
  503: { description: 'Model not loaded (ECM_ERR_NO_MODEL), or a lane’s queue or the body budget full (ECM_ERR_BUSY).', ...errorBody },
  504: { description: 'Deadline passed (ECM_ERR_TIMEOUT).', ...errorBody },
} as const;

export function buildSchemas(limits: ServerLimits) {
  const imageString = {
    type: 'string',
    minLength: 1,
    description: `Base64 or a data URL (image/png, image/jpeg, image/webp...); at most ${limits.maxImageBytes} bytes decoded, ${limits.maxImagePixels} pixels and ${limits.maxImageSide} pixels a side.`,
  } as const;

  const sceneBody = {
    type: 'object',
    required: ['image'],
    additionalProperties: false,
    properties: {
      task: { type: 'string', enum: ['scene'] },
      id: { type: 'string', minLength: 1, maxLength: ID_MAX_LENGTH },
      image: imageString,
    },
  } as const;

  const turn = {
    type: 'object',
    required: ['role', 'text'],
    additionalProperties: false,
    properties: {
      role: { type: 'string', enum: ['user', 'agent'] },
      // Sizes are checked by the library's input limits (413 ECM_ERR_INPUT_TOO_LARGE, as in the CLI).
      text: { type: 'string', description: `At most ${limits.maxTurnChars} characters; ${limits.maxTextChars} for the whole dialogue.` },
      images: { type: 'array', items: imageString, description: `At most ${limits.maxImages} images in the whole dialogue.` },
    },
  } as const;

  const intentBody = {
    type: 'object',
    required: ['dialogue'],
    additionalProperties: false,
    properties: {
      task: { type: 'string', enum: ['intent'] },
      id: { type: 'string', minLength: 1, maxLength: ID_MAX_LENGTH },
      dialogue: { type: 'array', minItems: 1, items: turn, description: `At most ${limits.maxTurns} turns.` },
    },
  } as const;

  const batchItemResult = {
    type: 'object',
    required: ['index', 'ok', 'requestId'],
    properties: {
      index: { type: 'integer' },
      requestId: { ...requestId, description: 'This item\'s id for POST /v1/feedback: the batch\'s requestId and the item\'s index.' },
      id: { type: 'string' },
      ok: { type: 'boolean' },
      prediction: predictionSchema,
      error: errorBody.properties.error,
    },
  } as const;

  return {
    sceneBody,
    intentBody,
    scene: {
      summary: 'Classify the scene of one image',
      description: 'JSON `{image}` (base64 or data URL) or a multipart upload with one file field (and an optional `id` field).',
      tags: ['classify'],
      security: [{ bearerAuth: [] }],
      body: { content: { 'application/json': { schema: sceneBody } } },
      // Documentation only (Fastify ignores this key; openapi.ts merges it into the request body):
      // multipart is parsed as a stream by the handler, which enforces the file limits itself.
      documentedContent: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: { file: { type: 'string', format: 'binary' }, id: { type: 'string' } },
          },
        },
      },
      response: { 200: predictionResponse, ...errorResponses },
    },
    intent: {
      summary: 'Classify the intent of a dialogue (native format)',
      tags: ['classify'],
      security: [{ bearerAuth: [] }],
      body: intentBody,
      response: { 200: predictionResponse, ...errorResponses },
    },
    batch: {
      summary: 'Classify several samples; each item succeeds or fails on its own',
      description:
        'Each item is a scene body (`image`) or an intent body (`dialogue`), optionally with `task`. Items are validated one by one with the scene/intent schemas.',
      tags: ['classify'],
      security: [{ bearerAuth: [] }],
      body: {
        type: 'object',
        required: ['samples'],
        additionalProperties: false,
        properties: { samples: { type: 'array', minItems: 1, maxItems: limits.maxBatch, items: { type: 'object' } } },
      },
      response: {
        200: {
          type: 'object',
          required: ['results', 'ms', 'requestId'],
          properties: { results: { type: 'array', items: batchItemResult }, ms: { type: 'number' }, requestId: { type: 'string' } },
        },
        ...errorResponses,
      },
    },
    healthz: {
      summary: 'Liveness',
      tags: ['ops'],
      response: { 200: { type: 'object', properties: { status: { type: 'string' }, version: { type: 'string' } } } },
    },
    readyz: {
      summary: 'Readiness: are the recognisers loaded?',
      tags: ['ops'],
      response: {
        200: readyBody(),
        503: readyBody(),
      },
    },
  };
}

const laneStats = {
  type: 'object',
  properties: {
    concurrency: { type: 'integer' },
    maxQueue: { type: 'integer' },
    active: { type: 'integer' },
    queued: { type: 'integer' },
    terminated: { type: 'integer', description: 'Workers stopped because their call passed its deadline or lost its client, or because they failed.' },
  },
} as const;

function readyBody() {
  return {
    type: 'object',
    properties: {
      ready: { type: 'boolean' },
      tasks: { type: 'object', properties: { scene: { type: 'boolean' }, intent: { type: 'boolean' } } },
      lanes: {
        type: 'object',
        description: 'text: dialogues without images; image: scene requests and dialogues with images.',
        properties: Object.fromEntries(['text', 'image'].map((lane) => [lane, laneStats])),
      },
      models: servedModels,
      feedback: {
        type: 'object',
        description: 'The feedback database (serve --feedback-db), when on.',
        properties: { enabled: { type: 'boolean' }, schemaVersion: { type: 'integer' } },
      },
      limits: {
        type: 'object',
        description: 'What one request may carry, so that a client can check before sending: bodies and images in bytes; text in characters as JSON counts them, a turn\'s text counting an `<image>` marker and a space for each of its images that it does not mark; images per sample.',
        properties: Object.fromEntries(PUBLISHED_LIMITS.map((name) => [name, { type: 'integer' }])),
      },
      error: errorBody.properties.error,
    },
  } as const;
}

const servedGeneration = {
  type: 'object',
  properties: {
    generation: { type: 'integer', description: '1 at start-up, +1 at each reload or rollback.' },
    loadedAt: { type: 'string' },
    models: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          version: { type: 'string', description: "First 12 hex digits of the SHA-256 of the model file (of both files for an intent model that describes the user's images with the scene model); for a task a big-model backend answers alone, of the backend's options and weights; averaged with the model, of both." },
          backend: { type: 'string', description: 'The big-model backend (serve --backend) that answers the task, alone or averaged with the embedded model.' },
          labels: { type: 'integer' },
        },
      },
    },
  },
} as const;

export const servedModels = {
  type: 'object',
  description: 'The model versions in service, and the ones a rollback would restore.',
  properties: { current: servedGeneration, previous: servedGeneration, reloading: { type: 'boolean' }, draining: { type: 'integer' } },
} as const;
