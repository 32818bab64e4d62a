// Keyboard-first call entry: call type (searched by code and name), location (a premise of the registry, an
// intersection or place of the city profile via GET /api/v1/places/search, typed coordinates, or a map click),
// caller and callback number, narrative, source. Enter submits from any field (Shift+Enter: a new line in the
// narrative). The intake answer is shown under the form: the number and priority (and the rule that decided it),
// recent calls at the location, the proposed duplicate (link or keep) and the premise's history.

import { ApiError, get, post, qs } from "../core/api";
import { el, field, formatTime, input, select, table } from "../core/dom";
import { lang, named, t } from "../core/i18n";
import { can } from "../core/session";
import type { Key } from "../core/strings";
import { combobox, type Option } from "./combo";
import { API, statusText, type CallRead, type DispatchStore } from "./model";

const SOURCES = ["911", "phone", "alarm_company", "officer_initiated", "online_report", "rtcc_alpr", "rtcc_tip"];
const COORDS = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$/;

export interface Location {
  kind: "coordinates" | "point" | "place" | "premise";
  text?: string | null;
  lat?: number;
  lon?: number;
  premise_id?: string;
}

interface Summary {
  id: string;
  number: string;
  call_type: string;
  priority: string;
  status: string;
  disposition: string | null;
  received_at: string;
  distance_m?: number | null;
}

interface Premise {
  id: string;
  name: string | null;
  address: string;
  kind: string;
  lat: number;
  lon: number;
  hazards: string[];
}

interface IntakeResult {
  call: CallRead;
  recent_at_location: Summary[];
  proposed_duplicate: Summary | null;
  premise_history: { premise: Premise; calls: Summary[]; false_alarms_12m: number } | null;
}

interface PlaceMatch {
  kind: string;
  name: string;
  lat: number;
  lon: number;
}

export interface Entry {
  node: HTMLElement;
  /** A map click: the call is at this point. */
  setPoint(lat: number, lon: number): void;
  focus(): void;
}

function kindLabel(kind: string): string {
  const key = `dispatch.entry.kind.${kind}` as Key;
  const text = t(key);
  return text === key ? kind : text;
}

/** Location suggestions: typed coordinates, premises of the registry, intersections and places of the city. */
async function suggestLocations(text: string): Promise<Array<Option<Location>>> {
  const out: Array<Option<Location>> = [];
  const m = COORDS.exec(text);
  if (m) {
    const lat = Number(m[1]);
    const lon = Number(m[2]);
    out.push({ label: `${lat}, ${lon}`, detail: kindLabel("coordinates"), value: { kind: "coordinates", lat, lon, text: null } });
    return out;
  }
  const [premises, places] = await Promise.all([
    can("premises:read") ? get<Premise[]>(`${API}/premises${qs({ q: text, limit: 5 })}`).catch(() => []) : Promise.resolve([]),
    get<PlaceMatch[]>(`/api/v1/places/search${qs({ q: text, limit: 8 })}`).catch(() => []),
  ]);
  for (const p of premises) {
    out.push({ label: p.address, detail: `${p.name ? `${p.name} · ` : ""}${kindLabel("premise")}`, value: { kind: "premise", premise_id: p.id, text: p.address } });
  }
  for (const p of places) out.push({ label: p.name, detail: kindLabel(p.kind), value: { kind: "place", text: p.name, lat: p.lat, lon: p.lon } });
  return out;
}

function summaries(caption: string, rows: Summary[], store: DispatchStore): HTMLElement {
  return table(
    caption,
    [t("dispatch.call.number"), t("dispatch.call.type"), t("dispatch.call.priority"), t("dispatch.call.status"), t("dispatch.call.received")],
    rows.map((r) => [r.number, store.typeName(r.call_type), r.priority, r.disposition ? `${statusText(r.status)} · ${r.disposition}` : statusText(r.status), formatTime(r.received_at, lang())]),
    { class: "compact" },
  );
}

function intakeNode(res: IntakeResult, store: DispatchStore): HTMLElement {
  const c = res.call;
  const box = el("section", { class: "intake-result", "aria-label": t("dispatch.intake.taken", { number: c.number, type: named(c.call_type_name, c.call_type_names) }) });
  const basis = c.priority_rule_version ? t("dispatch.intake.rule", { version: c.priority_rule_version }) : t("dispatch.intake.default");
  box.append(
    el("h3", { text: t("dispatch.intake.taken", { number: c.number, type: named(c.call_type_name, c.call_type_names) }) }),
    el("p", { class: "intake-priority" }, el("span", { class: `prio prio-${c.priority_rank}`, text: t("dispatch.intake.priority", { priority: named(c.priority_name, c.priority_names) }) }), ` — ${basis}`),
    el("p", { text: t("dispatch.intake.where", { district: c.location.district ?? "", location: c.location.text ?? `${c.location.lat.toFixed(5)}, ${c.location.lon.toFixed(5)}` }) }),
  );
  if (c.queue !== "dispatch") box.append(el("p", { class: "hint", text: c.queue === "cso" ? t("dispatch.queue.cso") : t("dispatch.queue.online_report") }));
  const dup = res.proposed_duplicate;
  if (dup) {
    const msg = el("p", { role: "status" });
    const decide = (action: "link" | "separate") => {
      post<CallRead>(`${API}/calls/${c.id}/duplicate`, { action, of: dup.id })
        .then((updated) => {
          store.putCall(updated);
          actions.remove();
          msg.textContent = action === "link" ? t("dispatch.intake.linked", { number: dup.number }) : t("dispatch.intake.kept");
        })
        .catch((err: unknown) => (msg.textContent = t("common.failed", { detail: err instanceof Error ? err.message : String(err) })));
    };
    const actions = el(
      "div",
      { class: "buttons" },
      el("button", { type: "button", onclick: () => decide("link") }, t("dispatch.intake.link")),
      el("button", { type: "button", onclick: () => decide("separate") }, t("dispatch.intake.keep")),
    );
    box.append(
      el("div", { class: "duplicate warning" }, el("p", { text: t("dispatch.intake.duplicate", { number: dup.number, type: store.typeName(dup.call_type), status: statusText(dup.status), distance: Math.round(dup.distance_m ?? 0) }) }), actions, msg),
    );
  }
  box.append(res.recent_at_location.length ? summaries(t("dispatch.intake.recent"), res.recent_at_location, store) : el("p", { class: "hint", text: t("dispatch.intake.recent_none") }));
  const h = res.premise_history;
  if (h) {
    const hist = el(
      "div",
      { class: "premise-history" },
      el("h4", { text: t("dispatch.intake.premise", { address: h.premise.address }) }),
      el("p", { class: h.false_alarms_12m ? "warning" : "", text: t("dispatch.intake.false_alarms", { n: h.false_alarms_12m }) }),
      el("p", { text: h.premise.hazards.length ? t("dispatch.intake.hazards", { list: h.premise.hazards.join("; ") }) : t("dispatch.intake.no_hazards") }),
    );
    if (h.calls.length) hist.append(summaries(t("dispatch.intake.premise_calls"), h.calls, store));
    box.append(hist);
  }
  return box;
}

/** The call entry form; `onTaken` gets each new call (the screen selects it). */
export function callEntry(store: DispatchStore, onTaken: (c: CallRead) => void, onLocation: (lat: number, lon: number) => void): Entry {
  let callType: string | null = null;
  let loc: Location | null = null;
  let locDetail: string | null = null; // what the chosen location is, in words (premise, intersection, park...)
  const chosen = el("p", { class: "hint chosen-location", role: "status" });
  const error = el("p", { class: "error", role: "alert" });
  const result = el("div", { class: "intake" });

  const type = combobox<string>(
    { name: "call_type", label: t("dispatch.entry.type"), hint: t("dispatch.entry.type_hint") },
    (text) => {
      const words = text.toLowerCase().split(/\s+/).filter(Boolean);
      return store.callTypes
        .filter((c) => words.every((w) => c.code.toLowerCase().includes(w) || c.name.toLowerCase().includes(w) || named(c.name, c.names).toLowerCase().includes(w) || c.apco_code.toLowerCase().includes(w)))
        .slice(0, 12)
        .map((c) => ({ label: `${c.code} — ${named(c.name, c.names)}`, detail: c.priority_now, value: c.code }));
    },
    (o) => (callType = o.value),
  );
  type.input.addEventListener("input", () => (callType = null));

  const showLoc = () => {
    chosen.textContent = loc ? t("dispatch.entry.chosen", { text: loc.text ?? `${loc.lat?.toFixed(5)}, ${loc.lon?.toFixed(5)}`, kind: locDetail ?? kindLabel(loc.kind) }) : "";
  };
  const where = combobox<Location>(
    { name: "location", label: t("dispatch.entry.location"), hint: t("dispatch.entry.location_hint") },
    suggestLocations,
    (o) => {
      loc = o.value;
      locDetail = o.detail ?? null;
      showLoc();
      if (o.value.lat !== undefined && o.value.lon !== undefined) onLocation(o.value.lat, o.value.lon);
    },
  );
  where.input.addEventListener("input", () => {
    if (loc?.kind !== "point") {
      loc = null; // a map point stays; the text then names it
      locDetail = null;
    }
    showLoc();
  });

  const caller = input({ name: "caller_name", maxlength: 128, autocomplete: "off" });
  const phone = input({ name: "caller_phone", type: "tel", maxlength: 32, autocomplete: "off" });
  const narrative = el("textarea", { name: "narrative", rows: 3, maxlength: 8000 });
  const source = select("source", SOURCES.map((s) => [s, t(`dispatch.source.${s}` as Key)]), "911");
  const submit = el("button", { type: "submit", class: "primary" }, t("dispatch.entry.submit"));
  const form = el(
    "form",
    { class: "call-entry", "aria-label": t("dispatch.entry.title"), novalidate: true },
    el("h2", { text: t("dispatch.entry.title") }),
    type.box,
    where.box,
    chosen,
    el("div", { class: "row" }, field(t("dispatch.entry.caller"), caller), field(t("dispatch.entry.phone"), phone)),
    field(t("dispatch.entry.narrative"), narrative),
    field(t("dispatch.entry.source"), source),
    el("div", { class: "buttons" }, submit, el("button", { type: "reset" }, t("dispatch.entry.clear"))),
    error,
  );

  const location = (): Location | null => {
    const text = where.input.value.trim();
    if (loc && loc.kind === "point") return { kind: "point", lat: loc.lat, lon: loc.lon, text: text || null };
    if (loc && loc.kind === "place") return { kind: "place", text: loc.text };
    if (loc) return loc;
    const m = COORDS.exec(text);
    if (m) return { kind: "coordinates", lat: Number(m[1]), lon: Number(m[2]), text: null };
    return text ? { kind: "place", text } : null; // the server resolves it, or names the field
  };

  const take = async () => {
    error.textContent = "";
    if (!callType) {
      const exact = store.callTypes.find((c) => c.code.toLowerCase() === type.input.value.trim().toLowerCase());
      callType = exact?.code ?? null;
    }
    if (!callType) {
      error.textContent = t("dispatch.entry.pick_type");
      type.input.focus();
      return;
    }
    const place = location();
    if (!place) {
      error.textContent = t("dispatch.entry.need_location");
      where.input.focus();
      return;
    }
    submit.disabled = true;
    try {
      const res = await post<IntakeResult>(`${API}/calls`, {
        call_type: callType,
        location: place,
        narrative: narrative.value.trim() || null,
        source: source.value,
        caller_name: caller.value.trim() || null,
        caller_phone: phone.value.trim() || null,
      });
      store.putCall(res.call);
      result.replaceChildren(intakeNode(res, store));
      form.reset();
      onTaken(res.call);
    } catch (err) {
      const detail = err instanceof ApiError && err.errors.length ? err.errors.map((e) => `${e.field}: ${e.msg}`).join("; ") : err instanceof Error ? err.message : String(err);
      error.textContent = t("dispatch.entry.failed", { detail });
    } finally {
      submit.disabled = false;
    }
  };
  form.addEventListener("reset", () => {
    callType = null;
    loc = null;
    locDetail = null;
    type.clear();
    where.clear();
    showLoc();
    window.setTimeout(() => type.input.focus(), 0);
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void take();
  });
  // Enter submits from any field (the comboboxes keep it while their list is open); Shift+Enter is a new line
  form.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" || ev.shiftKey || ev.defaultPrevented) return;
    const target = ev.target;
    if (target instanceof HTMLButtonElement) return;
    if (target === type.input && type.isOpen()) return;
    if (target === where.input && where.isOpen()) return;
    ev.preventDefault();
    form.requestSubmit(submit);
  });

  return {
    node: el("div", { class: "entry-panel" }, form, result),
    setPoint(lat: number, lon: number) {
      loc = { kind: "point", lat, lon };
      locDetail = null;
      showLoc();
    },
    focus: () => type.input.focus(),
  };
}
