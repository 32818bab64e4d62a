// Near the premise: for a burglary alarm, the ALPR reads around the premise from shortly before the alarm until now
// and the registered cameras that may have seen it (GET /calls/{id}/alarm-context). Opening it is a search under
// purpose "alarm response", audited like any search, so it runs when the dispatcher asks, never by itself; shown
// only to roles that hold alarms:context (never guards or CSOs).

import { ApiError, get } from "../core/api";
import { el, formatTime, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import { can } from "../core/session";
import { API, type CallRead, type DispatchStore } from "./model";

interface PlateSeen {
  plate: string;
  state: string | null;
  reads: number;
  first_seen: string;
  last_seen: string;
  camera_codes: string[];
}

interface CanvassHit {
  rank: number;
  camera: { name: string; owner_kind?: string };
  distance_m: number;
  request_deadline: string;
}

interface AlarmContext {
  call_number: string;
  purpose: string;
  radius_m: number;
  start: string;
  end: string;
  reads: { plates: PlateSeen[]; total_plates: number; total_reads: number };
  cameras: { items: CanvassHit[]; empty: { nearest: unknown[] } | null };
}

export interface AlarmPanel {
  node: HTMLElement;
  show(call: CallRead | null): void;
}

/** Whether a call type is a burglary alarm (its catalogue alarm category). */
export function isBurglaryAlarm(store: DispatchStore, callType: string): boolean {
  const ct = store.callTypes.find((c) => c.code === callType);
  return (ct?.alarm_category ?? "").toLowerCase().startsWith("burg");
}

export function alarmPanel(store: DispatchStore): AlarmPanel {
  const body = el("div");
  const node = el("section", { class: "alarm-context", "aria-labelledby": "alarm-ctx-title", hidden: "" },
    el("h2", { id: "alarm-ctx-title", text: t("dispatch.alarm.title") }), body);  // prettier-ignore
  let current: string | null = null;

  const render = (ctx: AlarmContext) => {
    const plates = ctx.reads.plates;
    const reads = plates.length
      ? table(t("dispatch.alarm.reads_caption", { n: ctx.reads.total_reads, m: Math.round(ctx.radius_m) }),
          [t("dispatch.alarm.plate"), t("dispatch.alarm.seen"), t("dispatch.alarm.cameras")],
          plates.map((p) => [`${p.plate}${p.state ? ` (${p.state})` : ""}`, `${formatTime(p.first_seen, lang())}–${formatTime(p.last_seen, lang())}`, p.camera_codes.join(", ")]),
          { id: "alarm-ctx-reads" })  // prettier-ignore
      : el("p", { id: "alarm-ctx-reads", class: "hint", text: t("dispatch.alarm.no_reads", { m: Math.round(ctx.radius_m) }) });
    const cams = ctx.cameras.items.length
      ? table(t("dispatch.alarm.cameras_caption"), [t("dispatch.alarm.camera"), t("dispatch.alarm.distance"), t("dispatch.alarm.ask_by")],
          ctx.cameras.items.map((h) => [h.camera.name, `${Math.round(h.distance_m)} m`, formatTime(h.request_deadline, lang())]),
          { id: "alarm-ctx-cameras" })  // prettier-ignore
      : el("p", { id: "alarm-ctx-cameras", class: "hint", text: t("dispatch.alarm.no_cameras") });
    body.replaceChildren(el("p", { class: "hint", text: t("dispatch.alarm.audited", { purpose: ctx.purpose }) }), reads, cams);
  };

  const open = async (callId: string, button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      const ctx = await get<AlarmContext>(`${API}/calls/${callId}/alarm-context`);
      if (current === callId) render(ctx);
    } catch (err) {
      const detail = err instanceof ApiError || err instanceof Error ? err.message : String(err);
      if (current === callId) body.replaceChildren(el("p", { class: "error", text: t("common.failed", { detail }) }));
    }
  };

  return {
    node,
    show(call: CallRead | null) {
      current = call?.id ?? null;
      const relevant = !!call && can("alarms:context") && isBurglaryAlarm(store, call.call_type);
      node.hidden = !relevant;
      if (!relevant || !call) return;
      const button = el("button", { type: "button", id: "alarm-ctx-open" }, t("dispatch.alarm.open")) as HTMLButtonElement;
      button.addEventListener("click", () => void open(call.id, button));
      body.replaceChildren(el("p", { class: "hint", text: t("dispatch.alarm.explain") }), button);
    },
  };
}
