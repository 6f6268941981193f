// The app's JSON API from the browser, with one CSRF convention: a signed-in page carries
// <meta name="csrf-token" content="...">, and every request that changes something sends it as X-CSRF-Token
// (the session cookie needs it; pages without a session, such as the resident's, simply have no meta).

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

// fetch() with the session cookie, a JSON body when `json` is given, and the CSRF header on writes.
export function api(path, { method = "GET", json, headers = {}, ...init } = {}) {
  const sent = { ...headers };
  if (json !== undefined) sent["Content-Type"] = "application/json";
  const token = csrfToken();
  if (token && !SAFE_METHODS.has(method.toUpperCase())) sent["X-CSRF-Token"] = token;
  const body = json !== undefined ? { body: JSON.stringify(json) } : {};
  return fetch(path, { credentials: "same-origin", ...init, ...body, method, headers: sent });
}

// The decoded body of a successful GET, or null.
export async function getJson(path, init = {}) {
  const response = await api(path, init);
  return response.ok ? response.json() : null;
}

// A reader of one GET path for a screen refreshed by timers, pushes and clicks at once: those reads overlap,
// and an older answer arriving late must not undo a newer one. Each read resolves to its body only if no
// read was started after it; otherwise (or on failure) to null, and the caller keeps what it shows.
export function latestReader(path) {
  let started = 0;
  return async () => {
    const mine = ++started;
    const body = await getJson(path);
    return mine === started ? body : null;
  };
}

// A failed response's detail as one line: FastAPI's 422 list joined, or the string detail.
export function errorDetail(body) {
  return Array.isArray(body?.detail) ? body.detail.map((d) => d.msg).join("; ") : body?.detail;
}
