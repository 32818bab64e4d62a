// The field view's outbox: status steps and notes are written here first (localStorage, so they survive a reload or
// a dead battery) and sent in order. Each action carries an id made on this phone (`client_id`), which the server
// keeps: an action sent again after a lost answer is answered, not applied twice. An action the server refuses
// (4xx: the call was closed meanwhile, the step is no longer allowed) leaves the outbox and is reported; a network
// failure or a server error keeps it for the next try (when the browser says it is online again, or on a timer).
// Each signed-in user has an outbox of their own: on a phone shared between shifts, what one user queued is never
// sent under another's account (it waits until its user signs in again).

import { ApiError, post } from "../core/api";
import * as session from "../core/session";

export type Action =
  | { kind: "step"; client_id: string; call_id: string; status: string; queued_at: string }
  | { kind: "note"; client_id: string; call_id: string; text: string; queued_at: string };

export interface Refusal {
  action: Action;
  detail: string;
}

const STORE = "rtcc.field.outbox";
const listeners = new Set<() => void>();
let chain: Promise<unknown> = Promise.resolve(); // flushes run one after the other, never two sends at once

/** A random id for one action (crypto.getRandomValues works on plain http too, unlike randomUUID). */
export function newClientId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The signed-in user's outbox (null: nobody is signed in, so nothing is queued or sent). */
function storeKey(): string | null {
  const me = session.current();
  return me ? `${STORE}:${me.name}` : null;
}

export function pending(): Action[] {
  const key = storeKey();
  if (key === null) return [];
  try {
    const raw = localStorage.getItem(key);
    const items: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(items) ? (items as Action[]) : [];
  } catch {
    return [];
  }
}

function save(items: Action[]): void {
  const key = storeKey();
  if (key === null) throw new Error("sign in to queue an action");
  localStorage.setItem(key, JSON.stringify(items));
  for (const fn of listeners) fn();
}

/** Be told whenever the outbox changes. */
export function onChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function enqueue(action: Action): void {
  save([...pending(), action]);
}

function send(a: Action): Promise<unknown> {
  if (a.kind === "step") return post(`/api/v1/dispatch/calls/${a.call_id}/step`, { status: a.status, client_id: a.client_id });
  return post(`/api/v1/dispatch/calls/${a.call_id}/notes`, { text: a.text, client_id: a.client_id });
}

function retryable(err: unknown): boolean {
  return !(err instanceof ApiError) || err.status === 0 || err.status === 401 || err.status === 429 || err.status >= 500;
}

async function drain(): Promise<Refusal[]> {
  const refused: Refusal[] = [];
  for (;;) {
    const next = pending()[0];
    if (!next) return refused;
    try {
      await send(next);
    } catch (err) {
      if (retryable(err)) return refused; // keep it (and everything after it, in order) for the next try
      refused.push({ action: next, detail: err instanceof Error ? err.message : String(err) });
    }
    save(pending().filter((a) => a.client_id !== next.client_id));
  }
}

/** Send what is waiting, in order, one flush at a time; resolves with the actions the server refused. */
export function flush(): Promise<Refusal[]> {
  const run = chain.then(drain, drain);
  chain = run.catch(() => undefined);
  return run;
}
