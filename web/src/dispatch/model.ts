// The dispatcher's state: the priority scheme (targets from GET /api/v1/dispatch/scheme), the call types, the open
// calls and every unit. Loaded once per mounted screen, then kept current by the live stream: the `dispatch` topic
// (call.created / call.updated with the call's board facts) and the `units` topic (unit.updated / unit.position).
// No polling: a unit whose status changed is read once (GET /units/{call sign}) for its current call, and a call
// first heard of on the stream once (GET /calls/{id}) for its location in words.

import { get } from "../core/api";
import { named, t } from "../core/i18n";
import { live, type LiveMessage } from "../core/live";
import type { Key } from "../core/strings";

export const API = "/api/v1/dispatch";

export interface Priority {
  code: string;
  name: string;
  names?: Record<string, string>;
  rank: number;
  target_s: number;
  emergent: boolean;
}

export interface Scheme {
  catalogue: string;
  scheme: string;
  priorities: Priority[];
}

export interface CallType {
  code: string;
  name: string;
  names?: Record<string, string>;
  apco_code: string;
  priority_now: string;
  cso_may_take: boolean;
  online_report_ok: boolean;
  alarm_category?: string | null;
}

/** A call as the board knows it: the live events' facts (a subset of the API's CallRead). */
export interface CallRow {
  id: string;
  number: string;
  call_type: string;
  priority: string;
  priority_rank: number;
  status: string;
  queue: string;
  lat: number;
  lon: number;
  district: string | null;
  received_at: string;
  units: string[];
  location_text?: string | null;
}

export interface Assignment {
  unit_id: string;
  call_sign: string;
  status: string;
  eta_s: number | null;
  eta_method: string | null;
}

export interface CallRead {
  id: string;
  number: string;
  call_type: string;
  call_type_name: string;
  call_type_names?: Record<string, string>;
  priority: string;
  priority_name: string;
  priority_names?: Record<string, string>;
  priority_rank: number;
  priority_target_s: number | null;
  priority_rule_version: number | null;
  priority_basis: string;
  status: string;
  queue: string;
  offer_online_report: boolean;
  units_needed: number;
  location: { kind: string; text: string | null; lat: number; lon: number; district: string | null; division: string | null };
  narrative: string | null;
  proposed_duplicate_of: string | null;
  duplicate_of: string | null;
  received_at: string;
  assignments: Assignment[];
}

export interface UnitRow {
  id: string;
  call_sign: string;
  unit_type: string;
  unit_type_name?: string;
  unit_type_names?: Record<string, string>;
  status: string;
  status_at?: string;
  home_area: string | null;
  lat: number | null;
  lon: number | null;
  position_at: string | null;
  current_call_id?: string | null;
  current_call_number?: string | null;
}

/** Open statuses of a call that still wait for a unit. */
export const PENDING = new Set(["received", "queued"]);

export function rowOf(c: CallRead): CallRow {
  return {
    id: c.id,
    number: c.number,
    call_type: c.call_type,
    priority: c.priority,
    priority_rank: c.priority_rank,
    status: c.status,
    queue: c.queue,
    lat: c.location.lat,
    lon: c.location.lon,
    district: c.location.district,
    received_at: c.received_at,
    units: [...new Set(c.assignments.map((a) => a.call_sign))].sort(),
    location_text: c.location.text,
  };
}

/** A status word in the current language (the code itself when unknown). */
export function statusText(status: string): string {
  const key = `dispatch.status.${status}` as Key;
  const text = t(key);
  return text === key ? status.replace(/_/g, " ") : text;
}

/** "4:05" or "1:02:03" from seconds. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** How far along its priority's target a wait is: "ok" (under half), "warn" (under the target), "late". */
export function urgency(elapsedS: number, targetS: number | null | undefined): "ok" | "warn" | "late" {
  if (!targetS) return "ok";
  if (elapsedS >= targetS) return "late";
  return elapsedS >= targetS / 2 ? "warn" : "ok";
}

type Listener = (what: "calls" | "units", id: string | null) => void;

export class DispatchStore {
  scheme: Scheme = { catalogue: "", scheme: "", priorities: [] };
  callTypes: CallType[] = [];
  calls = new Map<string, CallRow>();
  units = new Map<string, UnitRow>();
  private listeners = new Set<Listener>();
  private unsubscribe: (() => void) | null = null;
  private loaded = false;
  private early: LiveMessage[] = [];

  /** Subscribe to the live stream first (events that arrive while loading are applied after), then load. */
  async load(opts: { calls: boolean; units: boolean; types: boolean }): Promise<void> {
    this.unsubscribe = live.subscribe((m) => (this.loaded ? this.apply(m) : this.early.push(m)));
    const [scheme, types, calls, units] = await Promise.all([
      get<Scheme>(`${API}/scheme`),
      opts.types ? get<CallType[]>(`${API}/call-types`) : Promise.resolve([]),
      opts.calls ? get<{ items: CallRead[] }>(`${API}/calls?open=true&limit=500`) : Promise.resolve({ items: [] }),
      opts.units ? get<UnitRow[]>(`${API}/units`) : Promise.resolve([]),
    ]);
    this.scheme = scheme;
    this.callTypes = types;
    for (const c of calls.items) this.calls.set(c.id, rowOf(c));
    for (const u of units) this.units.set(u.call_sign, u);
    this.loaded = true;
    for (const m of this.early.splice(0)) this.apply(m);
  }

  close(): void {
    this.unsubscribe?.();
    this.listeners.clear();
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  priority(code: string): Priority | undefined {
    return this.scheme.priorities.find((p) => p.code === code);
  }

  /** A priority's name in the current language (its code when the scheme does not know it). */
  priorityName(code: string): string {
    const p = this.priority(code);
    return p ? named(p.name, p.names) : code;
  }

  /** A unit type's name in the current language, from the units on the board (its code when none has that type). */
  unitTypeName(code: string): string {
    const u = [...this.units.values()].find((x) => x.unit_type === code && x.unit_type_name);
    return u?.unit_type_name ? named(u.unit_type_name, u.unit_type_names) : code;
  }

  typeName(code: string): string {
    const ct = this.callTypes.find((c) => c.code === code);
    return ct ? named(ct.name, ct.names) : code;
  }

  /** Calls waiting for a unit: most urgent priority first, then the oldest. */
  pending(): CallRow[] {
    return [...this.calls.values()]
      .filter((c) => PENDING.has(c.status))
      .sort((a, b) => a.priority_rank - b.priority_rank || Date.parse(a.received_at) - Date.parse(b.received_at));
  }

  /** Merge what the API says of a call (after intake or an assignment) without waiting for its live event. */
  putCall(c: CallRead): void {
    this.calls.set(c.id, rowOf(c));
    this.emit("calls", c.id);
  }

  putUnit(u: UnitRow): void {
    this.units.set(u.call_sign, { ...this.units.get(u.call_sign), ...u });
    this.emit("units", u.call_sign);
  }

  /** A call first heard of on the live stream: read it once for what the event leaves out (where, in words). */
  private fill(id: string): void {
    get<CallRead>(`${API}/calls/${id}`)
      .then((c) => {
        const row = this.calls.get(id);
        if (!row || !this.listeners.size) return;
        row.location_text = c.location.text;
        this.emit("calls", id);
      })
      .catch(() => undefined);
  }

  private emit(what: "calls" | "units", id: string | null): void {
    for (const fn of this.listeners) fn(what, id);
  }

  private apply(m: LiveMessage): void {
    if (m.topic === "dispatch" && (m.type === "call.created" || m.type === "call.updated")) {
      const d = m.data as Partial<CallRow> & { id?: string };
      if (!d.id) return;
      const old = this.calls.get(d.id);
      if (d.status === "closed") this.calls.delete(d.id);
      else this.calls.set(d.id, { ...(old ?? {}), ...(d as CallRow), location_text: old?.location_text ?? null });
      this.emit("calls", d.id);
      if (!old && d.status !== "closed") this.fill(d.id);
    } else if (m.topic === "units") {
      const d = m.data as Partial<UnitRow>;
      if (!d.call_sign) return;
      const old = this.units.get(d.call_sign);
      const moved = old && d.status && d.status !== old.status ? { status_at: m.at } : {}; // the event's time
      this.units.set(d.call_sign, { ...(old ?? {}), ...(d as UnitRow), ...moved });
      this.emit("units", d.call_sign);
      if (m.type === "unit.updated") {
        // the event has no current call: read the unit once (not a polling loop: one read per status change)
        const sign = d.call_sign;
        get<UnitRow>(`${API}/units/${encodeURIComponent(sign)}`)
          .then((u) => {
            if (!this.listeners.size) return;
            // only the call comes from this read: a later live event may already carry a newer status
            const now = this.units.get(sign);
            if (!now) return;
            const status_at = u.status === now.status ? u.status_at : now.status_at;
            this.units.set(sign, { ...now, status_at, current_call_id: u.current_call_id, current_call_number: u.current_call_number });
            this.emit("units", sign);
          })
          .catch(() => undefined);
      }
    }
  }
}
