// Request and response schemas of the feedback, review and admin routes (see schemas.ts for why
// they are schemas: Fastify validates with them and /openapi.json is generated from them).
import { errorBody, servedModels } from './schemas.js';

const rankedLabel = {
  type: 'object',
  properties: { label: { type: 'string' }, coarse: { type: 'string' }, confidence: { type: 'number' } },
} as const;

const imageLink = { type: 'object', properties: { hash: { type: 'string' }, url: { type: 'string' } } } as const;

const storedItem = {
  requestId: { type: 'string' },
  task: { type: 'string', enum: ['scene', 'intent'] },
  createdAt: { type: 'string' },
  modelVersion: { type: 'string' },
  image: { ...imageLink, description: 'Scene: the stored image.' },
  dialogue: {
    type: 'array',
    description: 'Intent: the dialogue as sent, its images as links.',
    items: { type: 'object', properties: { role: { type: 'string' }, text: { type: 'string' }, images: { type: 'array', items: imageLink } } },
  },
  prediction: {
    type: 'object',
    properties: {
      label: { type: 'string' },
      confidence: { type: 'number' },
      margin: { type: 'number', description: 'p(first) − p(second).' },
      entropy: { type: 'number', description: 'Entropy of the label distribution / ln(number of labels).' },
      ranked: { type: 'array', items: rankedLabel, description: 'The top labels (up to 9).' },
    },
  },
} as const;

const errors = {
  401: { description: 'Missing or wrong API key (ECM_ERR_UNAUTHORIZED).', ...errorBody },
  403: { description: 'Keyless request from another site or to a non-loopback Host (ECM_ERR_FORBIDDEN).', ...errorBody },
  404: {
    description:
      'No such stored prediction, or the feedback store is off (ECM_ERR_NOT_FOUND). With reviewer keys configured, a request made with another key is answered the same way unless the caller holds a reviewer key.',
    ...errorBody,
  },
} as const;

const forbiddenWithoutReviewerKey = {
  403: {
    description:
      'With reviewer keys configured (--reviewer-keys-file, ECOMMIR_REVIEWER_KEYS), a key that is not one; or a keyless request from another site or to a non-loopback Host (ECM_ERR_FORBIDDEN).',
    ...errorBody,
  },
} as const;

const requestIdParam = {
  type: 'object',
  required: ['requestId'],
  properties: { requestId: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

export function feedbackSchemas() {
  return {
    post: {
      summary: 'A person\'s label for a stored prediction',
      description: 'The label must be one of the task\'s labels. A second correction of the same request replaces the first; both are kept in the history. The sender is stored as a keyed hash of the API key. With reviewer keys configured, a key that is not one may correct only the requests made with it, and not over a reviewer\'s label (409).',
      tags: ['feedback'],
      security: [{ bearerAuth: [] }],
      body: {
        type: 'object',
        required: ['requestId', 'label'],
        additionalProperties: false,
        properties: {
          requestId: { type: 'string', minLength: 1, maxLength: 128 },
          label: { type: 'string', minLength: 1, maxLength: 200, description: 'A fine label of the task.' },
          note: { type: 'string', maxLength: 2000 },
        },
      },
      response: {
        201: {
          type: 'object',
          properties: {
            requestId: { type: 'string' },
            task: { type: 'string' },
            label: { type: 'string' },
            correctionId: { type: 'integer' },
            replaced: { type: 'object', description: 'The correction this one replaced.', properties: { label: { type: 'string' }, at: { type: 'integer' } } },
          },
        },
        415: { description: 'A body of another content type than application/json (ECM_ERR_BAD_RECORD).', ...errorBody },
        400: {
          description: 'Not a label of the task (ECM_ERR_UNKNOWN_LABEL; details.allowed lists the labels) or a bad body.',
          type: 'object',
          properties: {
            requestId: { type: 'string' },
            error: {
              type: 'object',
              properties: { code: { type: 'string' }, message: { type: 'string' } },
            },
            details: { type: 'object', properties: { allowed: { type: 'array', items: { type: 'string' } } } },
          },
        },
        ...errors,
        409: {
          description:
            'With reviewer keys configured, the current label was set by a reviewer (a reviewer key or the keyless local page) and the caller is not one: its correction is not taken (ECM_ERR_CONFLICT). Nothing changes; a reviewer corrects over anyone.',
          ...errorBody,
        },
      },
    },
    delete: {
      summary: 'Undo the current correction of a request (the one before it applies again)',
      description: 'Takes no body (a content-type header without one is fine). With no correction left to undo it is still 200, with `retracted` null: the prediction is there, and what the client wanted (no current correction) holds. With reviewer keys configured, a key that is not one undoes its own latest correction, never a reviewer\'s label: when a reviewer has labelled since, that label stays current.',
      tags: ['feedback'],
      security: [{ bearerAuth: [] }],
      params: requestIdParam,
      response: {
        200: {
          type: 'object',
          properties: {
            requestId: { type: 'string' },
            retracted: { type: ['string', 'null'], description: 'The label undone; null when there was none to undo.' },
            label: { type: ['string', 'null'], description: 'The label that applies now.' },
          },
        },
        ...errors,
      },
    },
    get: {
      summary: 'A stored prediction, its current label and its correction history',
      tags: ['feedback'],
      security: [{ bearerAuth: [] }],
      params: requestIdParam,
      response: {
        200: {
          type: 'object',
          properties: {
            ...storedItem,
            label: { type: ['string', 'null'], description: 'The current correction.' },
            history: {
              type: 'array',
              items: {
                type: 'object',
                properties: { id: { type: 'integer' }, label: { type: 'string' }, note: { type: ['string', 'null'] }, keyHash: { type: ['string', 'null'] }, at: { type: 'integer' }, retractedAt: { type: ['integer', 'null'] } },
              },
            },
          },
        },
        ...errors,
      },
    },
    review: {
      summary: 'The review queue: unlabelled stored predictions, the most informative first',
      description:
        'Ordered by informativeness (1 − margin, or normalised entropy with by=entropy) minus the greatest similarity to an item chosen before it or already labelled (character bigrams of dialogues, difference hashes of images); near-duplicates come after everything else. The answer is streamed (chunked, no Content-Length), serialised an item at a time. With reviewer keys configured, it needs one (or the keyless local page).',
      tags: ['feedback'],
      security: [{ bearerAuth: [] }],
      querystring: {
        type: 'object',
        required: ['task'],
        additionalProperties: false,
        properties: {
          task: { type: 'string', enum: ['scene', 'intent'] },
          // Query values are strings (the service coerces no types): digits, 1–100.
          limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: 'Items, 1–100 (default 20).' },
          by: { type: 'string', enum: ['margin', 'entropy'], description: 'Informativeness: 1 − margin (default) or normalised entropy.' },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            task: { type: 'string' },
            by: { type: 'string' },
            counts: { type: 'object', properties: { stored: { type: 'integer' }, labelled: { type: 'integer' }, unlabelled: { type: 'integer' } } },
            labels: { type: 'array', items: { type: 'string' }, description: 'Every label of the task.' },
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  ...storedItem,
                  informativeness: { type: 'number' },
                  nearest: { type: 'number', description: 'Greatest similarity to an item above it or already labelled.' },
                },
              },
            },
          },
        },
        ...errors,
        ...forbiddenWithoutReviewerKey,
      },
    },
    image: {
      summary: 'A stored image (for the review page)',
      tags: ['feedback'],
      security: [{ bearerAuth: [] }],
      params: { type: 'object', required: ['hash'], properties: { hash: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
      // The 200 is the image's bytes, never serialised: only the errors have a schema.
      response: {
        401: errors[401],
        403: errors[403],
        404: { description: 'No such stored image, one sent with another key (once there are reviewer keys), or the feedback store is off (ECM_ERR_NOT_FOUND).', ...errorBody },
      },
    },
    reload: {
      summary: 'Load new model folders, check them, and swap them in without dropping a request',
      description:
        'Needs an admin key (ECOMMIR_ADMIN_KEYS / --admin-keys-file) as the bearer key. The new models must load, serve the same tasks with the same labels, and pass a smoke prediction; otherwise 422 and nothing changes. A load that passes its deadline (--reload-timeout-ms, warm-up included) or a smoke prediction that passes the request deadline answers 504 ECM_ERR_TIMEOUT, and nothing changes either. Requests in flight finish on the old models. Folders not given are reloaded from where they are.',
      tags: ['admin'],
      security: [{ bearerAuth: [] }],
      // Documentation only (Fastify ignores this key): no body at all reloads both folders from where they are.
      bodyOptional: true,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: { sceneModel: { type: 'string', minLength: 1 }, intentModel: { type: 'string', minLength: 1 } },
      },
      response: { 200: swapReport(), 400: { description: 'A body not as described, or one naming a folder for a task that a big-model backend answers alone (ECM_ERR_BAD_OPTION).', ...errorBody }, 403: { description: 'No admin key, or admin endpoints off.', ...errorBody }, 409: { description: 'A reload in progress, nothing to roll back to, or a model file replaced while it was loading (ECM_ERR_CONFLICT).', ...errorBody }, 422: { description: 'The new models were refused (ECM_ERR_MODEL_REJECTED).', ...errorBody }, 504: { description: 'The new models did not load, or answer their smoke prediction, within the deadline (ECM_ERR_TIMEOUT); the models in service stay.', ...errorBody } },
    },
    rollback: {
      summary: 'Go back to the models in service before the last reload (checked like a reload)',
      tags: ['admin'],
      security: [{ bearerAuth: [] }],
      response: { 200: swapReport(), 403: { description: 'No admin key, or admin endpoints off.', ...errorBody }, 409: { description: 'Nothing to roll back to.', ...errorBody }, 422: { description: 'The previous models were refused.', ...errorBody }, 504: { description: 'The previous models did not load, or answer their smoke prediction, within the deadline (ECM_ERR_TIMEOUT); the models in service stay.', ...errorBody } },
    },
    models: {
      summary: 'The models in service and the previous ones, with their folders',
      tags: ['admin'],
      security: [{ bearerAuth: [] }],
      response: {
        200: {
          type: 'object',
          properties: { current: generationWithFolders(), previous: generationWithFolders(), reloading: { type: 'boolean' }, draining: { type: 'integer' } },
        },
      },
    },
  };
}

function generationWithFolders() {
  return {
    type: 'object',
    properties: {
      ...servedModels.properties.current.properties,
      folders: { type: 'object', properties: { scene: { type: 'string' }, intent: { type: 'string' } } },
    },
  } as const;
}

function swapReport() {
  const generation = generationWithFolders();
  return {
    type: 'object',
    properties: {
      current: generation,
      previous: generation,
      smoke: { type: 'object', additionalProperties: { type: 'object', properties: { label: { type: 'string' }, confidence: { type: 'number' }, ms: { type: 'number' } } } },
      draining: { type: 'integer', description: 'Requests still finishing on the previous models at the swap.' },
    },
  } as const;
}
