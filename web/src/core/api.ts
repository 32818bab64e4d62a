// The JSON API client: same-origin fetch with the session cookie; problem+json errors become ApiError.

export interface FieldError {
  field: string;
  msg: string;
}

export class ApiError extends Error {
  status: number;
  errors: FieldError[];
  constructor(message: string, status: number, errors: FieldError[] = []) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

type Listener = () => void;
const unauthorizedListeners: Listener[] = [];
/** Called when any request answers 401 (the session ended). */
export function onUnauthorized(fn: Listener): void {
  unauthorizedListeners.push(fn);
}

export async function api<T>(method: string, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  return finish<T>(await send(path, init), opts);
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch (err) {
    throw new ApiError(err instanceof Error ? err.message : String(err), 0);
  }
}

async function finish<T>(resp: Response, opts: { quiet401?: boolean }): Promise<T> {
  if (resp.status === 204) return undefined as T;
  let data: unknown = null;
  const text = await resp.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!resp.ok) {
    const problem = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
    const detail = String(problem.detail ?? problem.title ?? resp.statusText);
    const errors = Array.isArray(problem.errors) ? (problem.errors as FieldError[]) : [];
    if (resp.status === 401) fresh.clear();
    if (resp.status === 401 && !opts.quiet401) for (const fn of unauthorizedListeners) fn();
    throw new ApiError(detail, resp.status, errors);
  }
  return data as T;
}

/** The last answer of each polled path and its ETag (kept in memory only; cleared when the session ends). */
const fresh = new Map<string, { tag: string; data: unknown }>();

/** A GET for a screen that polls: it sends the ETag of the last answer (If-None-Match) and a 304 answers the copy
 * kept from that answer, so the server sends (and, for personal data, audits) only what changed. */
export async function getFresh<T>(path: string): Promise<T> {
  const last = fresh.get(path);
  const headers: Record<string, string> = { Accept: "application/json" };
  if (last) headers["If-None-Match"] = last.tag;
  const resp = await send(path, { method: "GET", credentials: "same-origin", headers, cache: "no-store" });
  if (resp.status === 304 && last) return last.data as T;
  const data = await finish<T>(resp, {});
  const tag = resp.headers.get("ETag");
  if (tag) fresh.set(path, { tag, data });
  else fresh.delete(path);
  return data;
}

export const get = <T>(path: string, opts?: { quiet401?: boolean }): Promise<T> => api<T>("GET", path, undefined, opts);
export const post = <T>(path: string, body?: unknown): Promise<T> => api<T>("POST", path, body ?? {});
export const patch = <T>(path: string, body: unknown): Promise<T> => api<T>("PATCH", path, body);
export const del = <T>(path: string): Promise<T> => api<T>("DELETE", path);

/** A query string from the non-empty values of `params`. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Which API paths this server offers (/api/v1/web/api-paths: signed-in staff; the full /openapi.json needs
 * api:docs), so screens for APIs not installed say so. */
let openapiPaths: Promise<Set<string>> | null = null;
export function apiPaths(): Promise<Set<string>> {
  if (!openapiPaths) {
    openapiPaths = fetch("/api/v1/web/api-paths", { credentials: "same-origin" })
      .then((r) => {
        if (!r.ok) openapiPaths = null; // not signed in yet: ask again next time
        return r.ok ? r.json() : [];
      })
      .then((paths: string[]) => new Set(paths))
      .catch(() => {
        openapiPaths = null;
        return new Set<string>();
      });
  }
  return openapiPaths;
}

export async function hasApi(path: string): Promise<boolean> {
  return (await apiPaths()).has(path);
}
