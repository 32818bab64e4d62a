// Live updates over Server-Sent Events (GET /api/v1/live/stream), no polling.
//
// The browser's EventSource reconnects by itself after a dropped connection and sends the last event id it saw
// (Last-Event-ID), so the server replays what was missed. When the server refuses or the stream ends for good
// (readyState CLOSED), we reconnect ourselves with ?last_event_id= after a short back-off — unless the session has
// ended, which the caller learns through `onSignedOut`.

import { ApiError, get } from "./api";

export interface LiveMessage {
  id: number;
  topic: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

// The purpose code the live screens (map, alert queue, field view) show alerts' plates for: the server records the
// plates each stream sends under it (Civ. Code §1798.90.52), batched.
export const LIVE_PURPOSE = "hit_verification";

export type LiveState = "connecting" | "live" | "reconnecting" | "offline";
const EVENT_TYPES = ["alert.created", "alert.updated", "camera.online", "camera.offline", "camera.status"];
// dispatch: the call board (topic "dispatch") and the unit board (topic "units")
EVENT_TYPES.push("call.created", "call.updated", "unit.updated", "unit.position");
// a unit's own topic ("unit-<call sign>"): the field view learns of its new assignment at once
EVENT_TYPES.push("assignment");
// drones (topic "drones"): launch decisions and requests, drone positions and flights
EVENT_TYPES.push("drones.decision.recorded", "drones.launch.requested", "drones.launch.answered", "drone.position", "drone.flight");

export class LiveStream {
  private source: EventSource | null = null;
  private lastId: number | null = null;
  private timer: number | null = null;
  private backoff = 1000;
  private stopped = true;
  private seen = new Set<number>();
  private handlers = new Set<(m: LiveMessage) => void>();
  private stateHandlers = new Set<(s: LiveState) => void>();
  onSignedOut: () => void = () => undefined;
  state: LiveState = "offline";

  subscribe(fn: (m: LiveMessage) => void): () => void {
    this.handlers.add(fn);
    return () => this.handlers.delete(fn);
  }

  onState(fn: (s: LiveState) => void): () => void {
    this.stateHandlers.add(fn);
    fn(this.state);
    return () => this.stateHandlers.delete(fn);
  }

  get lastEventId(): number | null {
    return this.lastId;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    this.source?.close();
    this.source = null;
    this.setState("offline");
  }

  private setState(s: LiveState): void {
    if (s === this.state) return;
    this.state = s;
    document.body.dataset.live = s; // tests and styles can see the connection state
    for (const fn of this.stateHandlers) fn(s);
  }

  private open(): void {
    this.source?.close();
    // the stream shows alerts' plates: it is opened under the purpose the live screens serve (an audited access)
    const base = `/api/v1/live/stream?purpose=${LIVE_PURPOSE}`;
    const url = this.lastId === null ? base : `${base}&last_event_id=${this.lastId}`;
    this.setState(this.lastId === null ? "connecting" : "reconnecting");
    const source = new EventSource(url, { withCredentials: true });
    this.source = source;
    source.onopen = () => {
      this.backoff = 1000;
      this.setState("live");
    };
    const handle = (ev: MessageEvent<string>) => this.handle(ev);
    for (const type of EVENT_TYPES) source.addEventListener(type, handle as EventListener);
    source.onmessage = handle;
    source.onerror = () => {
      if (this.stopped || source !== this.source) return;
      if (source.readyState === EventSource.CLOSED) {
        this.setState("reconnecting");
        void this.retry();
      } else {
        this.setState("reconnecting"); // the browser retries by itself, with Last-Event-ID
      }
    };
  }

  private async retry(): Promise<void> {
    try {
      await get("/api/v1/auth/me", { quiet401: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.stop();
        this.onSignedOut();
        return;
      }
    }
    if (this.stopped) return;
    this.timer = window.setTimeout(() => this.open(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, 15000);
  }

  private handle(ev: MessageEvent<string>): void {
    if (ev.lastEventId) {
      const n = Number(ev.lastEventId);
      if (Number.isFinite(n)) this.lastId = Math.max(this.lastId ?? 0, n);
    }
    let msg: LiveMessage;
    try {
      msg = JSON.parse(ev.data) as LiveMessage;
    } catch {
      return;
    }
    if (typeof msg.id === "number") {
      if (this.seen.has(msg.id)) return; // a replayed event we already have
      this.seen.add(msg.id);
      if (this.seen.size > 5000) this.seen = new Set([...this.seen].slice(-2500));
      this.lastId = Math.max(this.lastId ?? 0, msg.id);
    }
    for (const fn of this.handlers) fn(msg);
  }
}

export const live = new LiveStream();
