// What the drone screens read from the drones API (/api/v1/drones, rtcc.drones.routes) and the words they show for
// it: the fleet, recorded launch decisions, launch requests, and the recommendation's drone line. One place for the
// shapes and for the sentences shared by the pilot's screen and the dispatcher's recommendation panel.

import { t } from "../core/i18n";
import type { Key } from "../core/strings";
import { clock } from "../dispatch/model";

export const DRONES_API = "/api/v1/drones";

export interface Dock {
  id: string;
  code: string;
  name: string;
  lat: number;
  lon: number;
  status: string;
  launch_time_s: number;
  wind_mps: number | null;
  gust_mps: number | null;
}

export interface Drone {
  id: string;
  code: string;
  model: string;
  battery_pct: number;
  status: string;
  status_at: string;
  dock_id: string | null;
  lat: number | null;
  lon: number | null;
  position_at: string | null;
}

export interface Fleet {
  docks: Dock[];
  drones: Drone[];
}

export interface Decision {
  id: string;
  call_id: string;
  call_number: string | null;
  call_type: string;
  lat: number;
  lon: number;
  outcome: string;
  code: string;
  rule_id: string;
  rule: string;
  policy_version: number | null;
  dock_id: string | null;
  drone_id: string | null;
  eta_s: number | null;
  patrol_eta_s: number | null;
  lead_s: number | null;
  overridable: boolean;
  overrides_id: string | null;
  override_reason: string | null;
  decided_at: string;
  decided_by: string;
}

export interface LaunchRequest {
  id: string;
  decision_id: string;
  call_id: string;
  call_number: string | null;
  call_type: string;
  lat: number;
  lon: number;
  drone_id: string;
  dock_id: string | null;
  state: string;
  eta_s: number | null;
  requested_at: string;
  requested_by: string;
  responded_at: string | null;
  responded_by: string | null;
  response_reason: string | null;
}

/** The drone line of a dispatch recommendation (DroneOptionRead): a preview, recorded on request. */
export interface DroneOption {
  outcome: string;
  code: string;
  rule_id: string;
  rule: string;
  policy_version: number | null;
  dock_code: string | null;
  drone_code: string | null;
  eta_s: number | null;
  patrol_eta_s: number | null;
  lead_s: number | null;
  overridable: boolean;
}

/** A drone or dock status in words (the code itself when unknown). */
export function droneStatus(status: string): string {
  const key = `drones.status.${status}` as Key;
  const text = t(key);
  return text === key ? status.replace(/_/g, " ") : text;
}

export function outcomeText(outcome: string): string {
  const key = `drones.outcome.${outcome}` as Key;
  const text = t(key);
  return text === key ? outcome : text;
}

/** "42 s before the first patrol car" / "… after …" / "no patrol car has an ETA". */
export function leadText(lead: number | null, patrolEta: number | null): string {
  if (lead == null || patrolEta == null) return t("drones.decision.no_patrol");
  const s = Math.round(Math.abs(lead));
  return lead >= 0 ? t("drones.decision.lead", { seconds: s }) : t("drones.decision.behind", { seconds: s });
}

/** "lead" (arrives first) or "lead behind" (after the first patrol car), for the colour. */
export function leadClass(lead: number | null): string {
  return lead != null && lead < 0 ? "lead behind" : "lead";
}

export function etaText(eta: number | null): string {
  return eta == null ? "—" : clock(eta);
}

/** "Decided by rule R of policy version V: text". */
export function ruleText(d: { rule_id: string; rule: string; policy_version: number | null }): string {
  return t("drones.decision.rule", { rule_id: d.rule_id, version: d.policy_version ?? "—", rule: d.rule });
}
