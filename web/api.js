// The pages' one way to call the service: the key from the key box, JSON in and out, and every refusal said
// in words in the page's language (a dropped connection, a reply that is not the service's, a wrong key told
// from a missing one, when to retry). Plain browser JavaScript, no dependencies.
const TEXT = {
  zh: {
    unreachable: '无法连接服务', badReply: '服务的回复无法识别', retryAfter: '请 {n} 秒后重试', wrongKey: 'API 密钥无效',
    needKey: '需要 API 密钥：请在右上角填写',
  },
  en: {
    unreachable: 'The service cannot be reached', badReply: 'The service answered something this page cannot read',
    retryAfter: 'retry in {n} s', wrongKey: 'The API key was refused', needKey: 'An API key is needed: enter it at the top right',
  },
};
const say = (key, vars = {}) => TEXT[document.documentElement.lang === 'en' ? 'en' : 'zh'][key].replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));

/** The key in the page's key box (none: ''). */
export function keyInBox() {
  return (document.querySelector('#api-key')?.value ?? '').trim();
}

/** Headers that carry a key, when there is one. */
export function authHeaders(key = keyInBox(), extra = {}) {
  return key ? { ...extra, authorization: `Bearer ${key}` } : extra;
}

/**
 * A call of the API: its JSON answer, checked by `looksRight`, or an Error saying in words what went wrong.
 * `key`: the API key to send (default: the key box's). `quiet`: a call the page makes by itself, which does
 * not open the key box when refused.
 */
export async function request(method, path, body, { key = keyInBox(), quiet = false, looksRight = () => true } = {}) {
  const json = body !== undefined && !(body instanceof FormData);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: authHeaders(key, json ? { 'content-type': 'application/json' } : {}),
      body: body === undefined ? undefined : json ? JSON.stringify(body) : body,
    });
  } catch {
    throw new Error(say('unreachable'));
  }
  const answer = await response.json().catch(() => undefined);
  if (!response.ok) {
    const keyBox = document.querySelector('#key-box');
    if (response.status === 401 && !quiet && keyBox) keyBox.open = true;
    throw new Error(refusal(response, answer, key));
  }
  // A proxy's or a captive portal's page answers 200 too.
  if (!answer || typeof answer !== 'object' || !looksRight(answer)) throw new Error(say('badReply'));
  return answer;
}

/** A refusal in words: the service's own message when it gave one, the key's fault named, and when to retry. */
function refusal(response, answer, key) {
  const error = answer && typeof answer === 'object' && answer.error && typeof answer.error === 'object' ? answer.error : {};
  const code = typeof error.code === 'string' ? error.code : `HTTP ${response.status}`;
  if (response.status === 401) return `${key ? say('wrongKey') : say('needKey')} (${code})`;
  const message = typeof error.message === 'string' ? error.message : response.statusText || say('badReply');
  const retry = Number(response.headers.get('retry-after'));
  const when = Number.isFinite(retry) && retry > 0 ? ` (${say('retryAfter', { n: Math.ceil(retry) })})` : '';
  return `${message}${when} [${code}]`;
}
