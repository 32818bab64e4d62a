// The alert queue's state, shared by the live map and the queue: loaded once from GET /api/v1/alerts, then kept
// current by live events (alert.created / alert.updated). Screens subscribe to changes.

import { get, post } from "../core/api";
import { LIVE_PURPOSE, live, type LiveMessage } from "../core/live";

export interface CameraInfo {
  id: string;
  code: string;
  name: string;
  location?: string | null;
  status?: string | null;
  lat?: number | null;
  lon?: number | null;
}

export interface ReadInfo {
  id: string;
  plate: string;
  region: string | null;
  confidence: number | null;
  observed_at: string;
  image_ref: string | null;
  crop_ref: string | null;
  vehicle_make?: string | null;
  vehicle_model?: string | null;
  vehicle_color?: string | null;
  vehicle_type?: string | null;
  heading_deg?: number | null;
  camera_label?: string | null;
}

export interface EntryInfo {
  id: number;
  hotlist_name: string | null;
  category: string | null;
  plate: string;
  region: string | null;
  reason: string | null;
  case_number: string | null;
  vehicle_make?: string | null;
  vehicle_model?: string | null;
  vehicle_color?: string | null;
  vehicle_type?: string | null;
  vehicle_year?: number | null;
  expires_at?: string | null;
  current: boolean;
}

/** One read of an alert's vehicle. */
export interface Sighting {
  read_id: string;
  plate: string;
  observed_at: string;
  match_kind?: string | null;
  camera_id?: string | null;
  camera_code?: string | null;
  camera_name?: string | null;
  lat?: number | null;
  lon?: number | null;
}

export interface Alert {
  id: string;
  kind: string;
  state: string;
  priority: number;
  title: string;
  camera_id: string | null;
  plate_read: string | null;
  plate_listed: string | null;
  match_kind: string | null;
  fuzzy: boolean;
  diff_positions: number[];
  read_count: number;
  first_seen_at: string;
  last_seen_at: string;
  reject_reason: string | null;
  dispatched_to: string | null;
  created_at: string;
  updated_at: string;
  allowed_actions: string[];
  camera?: CameraInfo | null;
  read?: ReadInfo | null;
  entry?: EntryInfo | null;
  checklist?: Record<string, unknown>;
  /** Where and when the vehicle was read last (every list item and live event carries it). */
  last_sighting?: Sighting | null;
  /** Every sighting, latest first: only in the detail (GET /api/v1/alerts/{id}). */
  sightings?: Sighting[];
}

interface AlertPage {
  items: Alert[];
  total: number;
}

/** `sighted`: the update is a new sighting of the alert's vehicle (its last_seen_at moved forward). */
type Listener = (changed: Alert | null, isNew: boolean, sighted: boolean) => void;

class AlertStore {
  readonly alerts = new Map<string, Alert>();
  private listeners = new Set<Listener>();
  private loaded: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  error: string | null = null;

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Latest sighting first: a vehicle seen again comes back to the top of the queue. */
  list(): Alert[] {
    return [...this.alerts.values()].sort((a, b) => b.last_seen_at.localeCompare(a.last_seen_at) || b.created_at.localeCompare(a.created_at));
  }

  load(): Promise<void> {
    if (!this.loaded) {
      this.unsubscribe = live.subscribe((m) => this.onLive(m));
      this.loaded = get<AlertPage>(`/api/v1/alerts?limit=100&purpose=${LIVE_PURPOSE}`)
        .then((page) => {
          for (const a of page.items) this.upsert(a, false, false);
          this.error = null;
          this.emit(null, false);
        })
        .catch((err: unknown) => {
          this.error = err instanceof Error ? err.message : String(err);
          this.emit(null, false);
        });
    }
    return this.loaded;
  }

  reset(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.loaded = null;
    this.alerts.clear();
  }

  private onLive(m: LiveMessage): void {
    if (m.topic !== "alerts") return;
    const a = m.data as unknown as Alert;
    if (!a || typeof a.id !== "string") return;
    this.upsert(a, m.type === "alert.created" && !this.alerts.has(a.id), true);
  }

  /** Insert or replace an alert unless what we hold is newer. */
  upsert(a: Alert, isNew: boolean, notify = true): void {
    const known = this.alerts.get(a.id);
    if (known && known.updated_at > a.updated_at) return;
    const sighted = !!known && a.last_seen_at > known.last_seen_at;
    this.alerts.set(a.id, { ...known, ...a });
    if (notify) this.emit(this.alerts.get(a.id) ?? a, isNew, sighted);
  }

  private emit(a: Alert | null, isNew: boolean, sighted = false): void {
    for (const fn of this.listeners) fn(a, isNew, sighted);
  }

  /** The alert's detail with its sightings (an audited access). */
  detail(id: string): Promise<Alert> {
    return get<Alert>(`/api/v1/alerts/${encodeURIComponent(id)}`);
  }

  async act(id: string, action: "verify" | "reject" | "dispatch" | "close", body: unknown): Promise<Alert> {
    const updated = await post<Alert>(`/api/v1/alerts/${encodeURIComponent(id)}/${action}`, body);
    this.upsert(updated, false);
    return updated;
  }
}

export const alertStore = new AlertStore();
