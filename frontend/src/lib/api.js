// JSON calls to Parley's API from a signed-in browser: the session cookie plus the page's CSRF token.

/** A refusal from the API, carrying its `code` and human `message`. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null, fields = []) {
    super(message);
    this.status = status;
    this.code = code;
    /** Seconds the server asked to wait before trying again (its `Retry-After`), when it said. */
    this.retryAfter = retryAfter;
    /** What a failed validation blames, `[{ field: 'body.closes_at', message }]`, for a form to point at. */
    this.fields = fields;
  }
}

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? '';
}

/** `method` `url` with an optional JSON `body`; resolves to the parsed answer or rejects with ApiError. */
export async function api(method, url, body = undefined) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRFToken'] = csrfToken();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    const wait = Number(error.retry_after ?? response.headers?.get?.('Retry-After'));
    throw new ApiError(response.status, error.code ?? 'error', error.message ?? response.statusText,
      Number.isFinite(wait) && wait > 0 ? wait : null, Array.isArray(error.fields) ? error.fields : []);
  }
  return data;
}

/** Refusals that wrote nothing and pass by themselves: the server's intake line was full for a moment. */
const PASSING = new Set(['intake_busy']);

/**
 * `api(method, url, body)`, sent again after the wait the server asks for when it turned the call away only
 * because many were arriving at once (`intake_busy`: nothing was written), at most `attempts` times in all.
 * `onWait(seconds, attempt)` is told before each wait, so the page can say why nothing has happened yet.
 * Any other refusal (a rate limit of one's own, a closed window) is thrown at once, as by `api`.
 */
export async function apiPatiently(method, url, body = undefined, {
  attempts = 4,
  onWait = () => {},
  sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
} = {}) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await api(method, url, body);
    } catch (error) {
      if (!(error instanceof ApiError) || !PASSING.has(error.code) || attempt >= attempts) throw error;
      const seconds = error.retryAfter ?? 1;
      onWait(seconds, attempt);
      await sleep(seconds);
    }
  }
}

/**
 * Every page of a list answer: follows the `next` cursors (docs/api.md, "Pagination") and joins the arrays under
 * `keys`; the other fields come from the first page. Stops after `maxPages` pages, leaving `next` set.
 */
export async function apiPages(url, keys, { maxPages = 100 } = {}) {
  let page = await api('GET', url);
  const all = { ...page };
  const separator = url.includes('?') ? '&' : '?';
  for (let fetched = 1; page?.next && fetched < maxPages; fetched += 1) {
    page = await api('GET', `${url}${separator}cursor=${encodeURIComponent(page.next)}`);
    for (const key of keys) all[key] = [...(all[key] ?? []), ...(page[key] ?? [])];
  }
  all.next = page?.next ?? null;
  return all;
}
