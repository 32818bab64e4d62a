// The recommendation panel for the selected call: eligible units ranked (GET /calls/{id}/recommendation) with their
// ETA, the reasons of each line and how the ETAs were estimated ("estimated (straight line)" when the API says so);
// the suggested units are ticked; one action assigns every ticked unit (POST /calls/{id}/assign). A 409 (another
// dispatcher took the unit first) is said plainly, naming the unit, and the list is read again.

import { ApiError, get, post } from "../core/api";
import { el, nextId } from "../core/dom";
import { lang, named, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { newest } from "../core/newest";
import { API, clock, statusText, type CallRead, type DispatchStore } from "./model";
import { droneLine } from "../drones/recline";
import type { DroneOption } from "../drones/model";

interface Reason {
  code: string;
  text: string;
  args?: Record<string, string>;
}

interface Line {
  unit_id: string;
  call_sign: string;
  unit_type: string;
  eligible: boolean;
  rank: number | null;
  eta_s: number | null;
  reasons: Reason[];
}

export interface Recommendation {
  call_id: string;
  method: string;
  travel_note: string | null;
  travel_note_code?: string | null;
  network: string | null;
  units_needed: number;
  suggested: string[];
  ranked: Line[];
  ineligible: Line[];
  /** The drone program's line (absent or null: no drone program). */
  drone?: DroneOption | null;
}

export interface Panel {
  node: HTMLElement;
  /** The live stream says a call changed. */
  changed(callId: string): void;
  show(callId: string | null): Promise<void>;
}

/** The unit a 409 is about: the one of `signs` its message names (else the first). */
export function conflictUnit(detail: string, signs: string[]): string {
  return signs.find((s) => new RegExp(`\\b${s.replace(/[^A-Z0-9-]/gi, "")}\\b`).test(detail)) ?? signs[0] ?? "?";
}

const CAPABILITIES = new Set(["enforcement", "reports", "fingerprinting", "focused_patrol", "observe_and_report", "parking", "supervision"]);

/** A capability code in words (the code itself when the app has no words for it). */
function capability(code: string): string {
  return CAPABILITIES.has(code) ? t(`dispatch.cap.${code}` as Key) : code;
}

/**
 * One reason of a line in the current language, from its stable code and the values it names (the API's English
 * sentence when the app does not know the code). Call and unit types are named as the catalogue names them.
 */
export function reasonText(r: Reason, store: DispatchStore): string {
  const a = r.args ?? {};
  const caps = (a.capabilities ?? "").split(",").filter(Boolean).map(capability).join(", ");
  const type = a.unit_type ? store.unitTypeName(a.unit_type) : "";
  const callType = a.call_type ? store.typeName(a.call_type) : "";
  switch (r.code) {
    case "already_assigned":
    case "off_duty":
    case "no_authority":
    case "no_position":
    case "home_area":
      return t(`dispatch.reason.${r.code}`);
    case "busy":
      return a.status ? t("dispatch.reason.busy", { status: statusText(a.status) }) : r.text;
    case "type_not_eligible":
      return a.unit_type && a.call_type ? t("dispatch.reason.type_not_eligible", { unit_type: type, call_type: callType }) : r.text;
    case "missing_capability":
      return caps ? t("dispatch.reason.missing_capability", { capabilities: caps }) : r.text;
    case "capable":
      if (caps) return t("dispatch.reason.capable_needs", { capabilities: caps });
      return a.unit_type && a.call_type ? t("dispatch.reason.capable_type", { unit_type: type, call_type: callType }) : r.text;
    case "travel":
      return a.minutes ? t("dispatch.reason.travel", { minutes: Number(a.minutes).toLocaleString(lang() === "es" ? "es-US" : "en-US", { maximumFractionDigits: 1 }) }) : r.text;
    case "workload":
      if (a.calls === "0") return t("dispatch.reason.workload_none");
      return a.calls && a.penalty_s ? t("dispatch.reason.workload", { calls: a.calls, penalty: a.penalty_s }) : r.text;
    case "coverage":
      if (!a.area || a.left === undefined) return r.text;
      return a.penalty_s ? t("dispatch.reason.coverage_short", { area: a.area, left: a.left, penalty: a.penalty_s }) : t("dispatch.reason.coverage", { area: a.area, left: a.left });
    case "differential_response":
      return a.penalty_s ? t("dispatch.reason.differential_response", { penalty: a.penalty_s }) : r.text;
    default:
      return r.text;
  }
}

/** What the panel says about how the ETAs were estimated. */
export function methodText(r: Recommendation): string {
  const straight = r.method === "straight_line" || /straight/i.test(r.travel_note ?? "");
  if (straight) return t("dispatch.rec.straight");
  return t("dispatch.rec.network", { network: r.network ?? r.method });
}

export function recommendationPanel(store: DispatchStore, onAssigned: (c: CallRead) => void): Panel {
  const body = el("div", { class: "rec-body" });
  const msg = el("p", { class: "rec-message", role: "alert" });
  const node = el("section", { class: "recommendation", "aria-labelledby": "rec-title" }, el("h2", { id: "rec-title", text: t("dispatch.rec.title") }), msg, body);
  body.append(el("p", { class: "hint", text: t("dispatch.rec.none") }));
  let current: string | null = null;
  const turn = newest(); // the newest call selected draws; an earlier call's late answer does not
  const onCall = el("p", { class: "on-call", "aria-live": "polite" });
  const showOnCall = (call: CallRead) => {
    const active = call.assignments.filter((a) => a.status !== "cleared" && a.status !== "cancelled");
    onCall.textContent = active.length ? `${t("dispatch.rec.on_call")}: ${active.map((a) => `${a.call_sign} (${statusText(a.status)})`).join(", ")}` : "";
  };

  const render = (call: CallRead, rec: Recommendation) => {
    const form = el("form", { class: "rec-form", "aria-label": t("dispatch.rec.title") });
    const head = el(
      "div",
      { class: "rec-head" },
      el("h3", { text: t("dispatch.rec.for", { number: call.number, type: named(call.call_type_name, call.call_type_names), priority: named(call.priority_name, call.priority_names), location: call.location.text ?? call.location.district ?? "" }) }),
      el("p", { class: `rec-method method-${rec.method}`, "data-method": rec.method }, methodText(rec), rec.travel_note ? el("small", { class: "hint", text: ` ${rec.travel_note_code === "straight_line" ? t("dispatch.rec.note_straight") : rec.travel_note}` }) : null),
      el("p", { class: "hint", text: t("dispatch.rec.needed", { n: rec.units_needed }) }),
    );
    head.append(onCall);
    showOnCall(call);
    const rows = el("tbody", {});
    for (const line of rec.ranked) {
      const id = nextId(`send-${line.call_sign}`);
      const suggested = rec.suggested.includes(line.call_sign);
      rows.append(
        el(
          "tr",
          { class: suggested ? "suggested" : "", "data-unit": line.call_sign },
          el("td", {}, el("input", { type: "checkbox", id, name: "unit", value: line.call_sign, checked: suggested, "aria-label": `${t("dispatch.rec.send")} ${line.call_sign}` })),
          el("th", { scope: "row" }, el("label", { for: id, text: line.call_sign }), suggested ? el("small", { class: "tag", text: ` ${t("dispatch.rec.suggested")}` }) : null),
          el("td", { class: "eta", text: line.eta_s == null ? t("dispatch.rec.no_eta") : clock(line.eta_s) }),
          el("td", {}, el("ul", { class: "reasons" }, ...line.reasons.map((r) => el("li", { "data-code": r.code, text: reasonText(r, store) })))),
        ),
      );
    }
    const tableNode = el(
      "table",
      { class: "rec-table" },
      el("caption", { class: "visually-hidden", text: t("dispatch.rec.title") }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("dispatch.rec.send") }), el("th", { scope: "col", text: t("dispatch.rec.unit") }), el("th", { scope: "col", text: t("dispatch.rec.eta") }), el("th", { scope: "col", text: t("dispatch.rec.reasons") }))),
      rows,
    );
    const assign = el("button", { type: "submit", class: "primary assign" }, rec.suggested.length ? t("dispatch.rec.assign_one", { units: rec.suggested.join(", ") }) : t("dispatch.rec.assign"));
    const relabel = () => {
      const signs = checked();
      assign.textContent = signs.length ? t("dispatch.rec.assign_one", { units: signs.join(", ") }) : t("dispatch.rec.assign");
    };
    const checked = () => [...form.querySelectorAll<HTMLInputElement>("input[name=unit]:checked")].map((i) => i.value);
    form.addEventListener("change", relabel);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const signs = checked();
      if (!signs.length) {
        msg.textContent = t("dispatch.rec.choose");
        return;
      }
      assign.disabled = true;
      msg.textContent = "";
      msg.className = "rec-message";
      post<CallRead>(`${API}/calls/${call.id}/assign`, { units: signs })
        .then((updated) => {
          store.putCall(updated);
          msg.className = "rec-message ok";
          msg.textContent = t("dispatch.rec.assigned", { units: signs.join(", "), number: updated.number });
          onAssigned(updated);
          void load(call.id, false);
        })
        .catch((err: unknown) => {
          assign.disabled = false;
          msg.className = "rec-message error";
          if (err instanceof ApiError && err.status === 409) {
            msg.replaceChildren(
              el("strong", { class: "conflict", text: t("dispatch.rec.conflict", { unit: conflictUnit(err.message, signs) }) }),
              " ",
              el("small", { text: t("dispatch.rec.conflict_detail", { detail: err.message }) }),
            );
            void load(call.id, false);
          } else {
            msg.textContent = t("common.failed", { detail: err instanceof Error ? err.message : String(err) });
          }
        });
    });
    form.append(
      rec.ranked.length ? tableNode : el("p", { class: "warning", text: t("dispatch.rec.empty") }),
      el("div", { class: "buttons" }, rec.ranked.length ? assign : null, el("button", { type: "button", onclick: () => void load(call.id, true) }, t("dispatch.rec.refresh"))),
    );
    const inel = el("details", { class: "ineligible" }, el("summary", { text: t("dispatch.rec.ineligible", { n: rec.ineligible.length }) }));
    inel.append(el("ul", {}, ...rec.ineligible.map((l) => el("li", { "data-unit": l.call_sign }, el("strong", { text: l.call_sign }), ` — ${l.reasons.map((r) => reasonText(r, store)).join("; ")}`))));
    body.replaceChildren(...[head, form, rec.drone ? droneLine(call.id, rec.drone) : null, inel].filter((n): n is HTMLElement => n !== null));
  };

  const load = async (callId: string, clearMessage: boolean) => {
    const mine = turn();
    if (clearMessage) msg.textContent = "";
    try {
      const [call, rec] = await Promise.all([get<CallRead>(`${API}/calls/${callId}`), get<Recommendation>(`${API}/calls/${callId}/recommendation`)]);
      if (!mine() || current !== callId) return;
      render(call, rec);
    } catch (err) {
      if (!mine()) return;
      body.replaceChildren(el("p", { class: "error", text: t("common.failed", { detail: err instanceof Error ? err.message : String(err) }) }));
    }
  };

  return {
    node,
    changed(callId: string) {
      // the selected call moved (a unit stepped, another dispatcher assigned): say so without redrawing the ticks
      if (callId !== current) return;
      get<CallRead>(`${API}/calls/${callId}`)
        .then((call) => {
          if (current === callId) showOnCall(call);
        })
        .catch(() => undefined);
    },
    async show(callId: string | null) {
      current = callId;
      if (!callId) {
        msg.textContent = "";
        body.replaceChildren(el("p", { class: "hint", text: t("dispatch.rec.none") }));
        return;
      }
      await load(callId, true);
    },
  };
}
