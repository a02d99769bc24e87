// JSON calls to Parley's API from a signed-in browser: the session cookie plus the page's CSRF token.

/** A refusal from the API, carrying its `code` and human `message`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
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
    throw new ApiError(response.status, error.code ?? 'error', error.message ?? response.statusText);
  }
  return data;
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
