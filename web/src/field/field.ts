// The field view (/app/field) for deputies, CSOs and guards, made for a phone and installable (manifest + service
// worker): my call (GET /api/v1/dispatch/me), directions and ETA from my unit's last position
// (POST /api/v1/routing/route, drawn on a small map), status buttons showing only the valid next steps, notes (read
// and append), the premise history (roles with premises:read) and the verified ALPR hits near the call (deputies
// only: alerts:read_verified; the API refuses CSOs and guards as well), and the unit's patrol plan (../patrol/plan).
//
// Status steps and notes go through ./outbox: kept on the phone first, sent in order with a client id, so a change
// made without a connection is sent once when it returns. The screen shows them at once, marked until sent.

import "./field.css";
import L from "leaflet";
import { ApiError, get, post, qs } from "../core/api";
import { el, field, formatTime } from "../core/dom";
import { lang, named, t } from "../core/i18n";
import type { Life, Cleanup } from "../core/router";
import { LIVE_PURPOSE, live } from "../core/live";
import * as session from "../core/session";
import type { Key } from "../core/strings";
import { newest } from "../core/newest";
import { createMap, dispose, settle } from "../map/basemap";
import * as outbox from "./outbox";
import { planPanel } from "../patrol/plan";

interface Unit {
  call_sign: string;
  unit_type_name: string;
  unit_type_names?: Record<string, string>;
  status: string;
  lat: number | null;
  lon: number | null;
}

interface Assignment {
  call_sign: string;
  status: string;
}

interface Call {
  id: string;
  number: string;
  call_type_name: string;
  call_type_names?: Record<string, string>;
  priority: string;
  priority_name: string;
  priority_names?: Record<string, string>;
  status: string;
  narrative: string | null;
  received_at: string;
  location: { text: string | null; lat: number; lon: number; district: string | null; premise_id: string | null };
  assignments: Assignment[];
}

interface Note {
  id: number;
  at: string;
  author: string;
  unit: string | null;
  text: string;
}

interface Detail extends Call {
  notes: Note[];
}

interface MyDispatch {
  unit: Unit | null;
  calls: Call[];
}

interface Route {
  polyline: Array<[number, number]>;
  seconds: number | null;
  distance_m: number;
  method: "network" | "straight_line";
}

interface PremiseHistory {
  premise: { address: string; hazards: string[] };
  calls: Array<{ number: string; call_type: string; disposition: string | null; received_at: string }>;
  false_alarms_12m: number;
}

interface Sighting {
  lat: number | null;
  lon: number | null;
  camera_name: string | null;
  observed_at: string;
}

interface Hit {
  id: string;
  state: string;
  title: string;
  plate_read: string | null;
  plate_listed: string | null;
  last_seen_at: string;
  camera: { name: string; lat: number | null; lon: number | null } | null;
  last_sighting: Sighting | null;
}

const D = "/api/v1/dispatch";
/** The steps a unit may take from each assignment status (the server's rules, less "cancelled": dispatch's). */
const NEXT: Record<string, string[]> = {
  dispatched: ["acknowledged", "en_route", "on_scene", "cleared"],
  acknowledged: ["en_route", "on_scene", "cleared"],
  en_route: ["on_scene", "cleared"],
  on_scene: ["cleared"],
};
const HIT_RADIUS_KM = 2;
const REFRESH_MS = 20_000;

function statusText(s: string): string {
  const key = `field.status.${s}` as Key;
  const text = t(key);
  return text === key ? s.replace(/_/g, " ") : text;
}

function km(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const r = Math.PI / 180;
  const h =
    Math.sin(((bLat - aLat) * r) / 2) ** 2 + Math.cos(aLat * r) * Math.cos(bLat * r) * Math.sin(((bLon - aLon) * r) / 2) ** 2;
  return 12_742 * Math.asin(Math.sqrt(h));
}

function failText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function registerWorker(): void {
  if ("serviceWorker" in navigator) void navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => undefined);
}

export async function fieldView(root: HTMLElement, params: URLSearchParams, life: Life): Promise<Cleanup> {
  root.classList.add("field-view");
  registerWorker();
  const banner = el("p", { id: "field-banner", class: "field-banner", role: "status" });
  const msg = el("p", { id: "field-msg", class: "field-msg", role: "alert" });
  const unitLine = el("p", { id: "field-unit", class: "field-unit" });
  const body = el("div", { id: "field-call" });
  // CSOs also see the calls waiting for a CSO (differential response) and take one themselves
  const csoQueue = el("section", { class: "card", id: "field-cso-queue", hidden: true, "aria-labelledby": "field-cso-h" });
  // the unit's patrol plan (CSOs, guards, holiday and special teams): stops with dose planned and delivered
  const plan = planPanel();
  root.append(el("h1", { text: t("field.title") }), banner, unitLine, msg, body, csoQueue, plan.node);

  let mine: MyDispatch | null = null;
  let detail: Detail | null = null;
  let shownCall: string | null = null; // the call the map, premise and hits below were drawn for
  let map: L.Map | null = null;
  const emergent = new Set<string>();
  void get<{ priorities: Array<{ code: string; emergent: boolean }> }>(`${D}/scheme`)
    .then((s) => s.priorities.filter((p) => p.emergent).forEach((p) => emergent.add(p.code)))
    .catch(() => undefined);

  // the parts of a call that change (header, status buttons, notes); the note form and the map stay put
  const head = el("section", { class: "card", id: "field-head", "aria-labelledby": "field-number" });
  const steps = el("section", { class: "card", id: "field-steps", "aria-label": t("field.status_buttons") });
  const directions = el("section", { class: "card", id: "field-directions", "aria-labelledby": "field-dir-h" });
  const notesList = el("ul", { class: "field-notes", id: "field-notes" });
  const noteText = el("textarea", { name: "note", rows: 3, maxlength: 8000 });
  const noteForm = el(
    "form",
    { id: "field-note-form" },
    field(t("field.note_label"), noteText),
    el("button", { type: "submit" }, t("field.add_note")),
  );
  const notes = el(
    "section",
    { class: "card", id: "field-notes-box", "aria-labelledby": "field-notes-h" },
    el("h2", { id: "field-notes-h", text: t("field.notes") }),
    notesList,
    noteForm,
  );
  const premise = el("section", { class: "card field-premise", id: "field-premise", hidden: true });
  const hits = el("section", { class: "card field-hits", id: "field-hits", hidden: true });
  const others = el("section", { class: "card", id: "field-others", hidden: true });

  function showBanner(): void {
    const waiting = outbox.pending().length;
    const parts: string[] = [];
    if (!navigator.onLine) parts.push(t("field.offline"));
    if (waiting) parts.push(t("field.pending", { n: waiting }));
    banner.textContent = parts.join(" ");
  }

  /** My unit's assignment on the call, with the steps still waiting in the outbox applied. */
  function myStatus(call: Call): string | null {
    const sign = mine?.unit?.call_sign;
    let status = call.assignments.find((a) => a.call_sign === sign && a.status !== "cancelled" && a.status !== "cleared")?.status
      ?? call.assignments.find((a) => a.call_sign === sign)?.status
      ?? null;
    for (const a of outbox.pending()) if (a.kind === "step" && a.call_id === call.id) status = a.status;
    return status;
  }

  function drawHead(call: Detail): void {
    const badge = el("span", { class: "badge", "data-emergent": emergent.has(call.priority) ? "true" : "false", text: named(call.priority_name, call.priority_names) });
    head.replaceChildren(
      el("div", { class: "field-call-head" }, el("h2", { id: "field-number", text: call.number }), badge, el("span", { text: named(call.call_type_name, call.call_type_names) })),
      el(
        "dl",
        { class: "field-facts" },
        el("dt", { text: t("field.where") }),
        el("dd", { id: "field-where", text: call.location.text ?? `${call.location.lat.toFixed(5)}, ${call.location.lon.toFixed(5)}` }),
        el("dt", { text: t("field.received") }),
        el("dd", { text: formatTime(call.received_at, lang()) }),
        call.narrative ? el("dt", { text: t("field.narrative") }) : null,
        call.narrative ? el("dd", { text: call.narrative }) : null,
      ),
    );
  }

  function drawSteps(call: Detail): void {
    const status = myStatus(call);
    const next = status ? NEXT[status] ?? [] : [];
    const grid = el("div", { class: "field-steps" });
    for (const s of next) {
      grid.append(el("button", { type: "button", "data-step": s, onclick: () => void step(call.id, s) }, t(`field.step.${s}` as Key)));
    }
    steps.replaceChildren(
      el("p", { id: "field-my-status", "data-status": status ?? "", text: t("field.my_status", { status: statusText(status ?? "") }) }),
      next.length ? grid : el("p", { text: t("field.no_next") }),
    );
  }

  function drawNotes(call: Detail): void {
    const waiting = outbox.pending().filter((a): a is Extract<outbox.Action, { kind: "note" }> => a.kind === "note" && a.call_id === call.id);
    notesList.replaceChildren(
      ...call.notes.map((n) =>
        el("li", {}, el("p", { text: n.text }), el("small", { text: t("field.note_by", { who: n.unit ?? n.author, at: formatTime(n.at, lang()) }) })),
      ),
      ...waiting.map((n) => el("li", { "data-pending": "true" }, el("p", { text: n.text }), el("small", { text: t("field.pending_mark") }))),
    );
    if (!notesList.children.length) notesList.append(el("li", { text: t("field.no_notes") }));
  }

  async function drawDirections(call: Call): Promise<void> {
    if (map) dispose(map);
    map = null;
    directions.replaceChildren(el("h2", { id: "field-dir-h", text: t("field.directions") }));
    const unit = mine?.unit;
    if (!unit || unit.lat === null || unit.lon === null) {
      directions.append(el("p", { text: t("field.no_position") }));
      return;
    }
    const eta = el("p", { id: "field-eta", class: "field-eta", "aria-live": "polite" });
    const box = el("div", { class: "field-map" });
    directions.append(box, eta);
    const made = createMap(box, t("field.map"));
    map = made.map;
    settle(made.map, box);
    const from: L.LatLngTuple = [unit.lat, unit.lon];
    const to: L.LatLngTuple = [call.location.lat, call.location.lon];
    L.circleMarker(from, { radius: 7, color: "#0b4f8a", fillOpacity: 0.9 }).addTo(made.map).bindTooltip(unit.call_sign);
    L.circleMarker(to, { radius: 8, color: "#a3001b", fillOpacity: 0.9 }).addTo(made.map).bindTooltip(call.number);
    try {
      const route = await post<Route>("/api/v1/routing/route", {
        start: { lat: unit.lat, lon: unit.lon },
        end: { lat: call.location.lat, lon: call.location.lon },
        emergent: emergent.has(call.priority),
      });
      if (!box.isConnected || map !== made.map) return;
      const line = L.polyline(route.polyline, { color: "#0b4f8a", weight: 4 }).addTo(made.map);
      made.map.fitBounds(line.getBounds().extend(from).extend(to), { padding: [20, 20] });
      const seconds = route.seconds ?? 0;
      const clock = new Date(Date.now() + seconds * 1000).toLocaleTimeString(lang() === "es" ? "es-US" : "en-US", { hour: "numeric", minute: "2-digit" });
      eta.dataset.seconds = String(Math.round(seconds));
      eta.dataset.method = route.method;
      eta.textContent = `${t("field.eta", { minutes: Math.max(1, Math.round(seconds / 60)), km: (route.distance_m / 1000).toFixed(1), clock })} · ${t(
        route.method === "network" ? "field.eta_network" : "field.eta_straight",
      )}`;
    } catch (err) {
      eta.textContent = t("field.no_route", { detail: failText(err) });
    }
  }

  async function drawPremise(call: Call): Promise<void> {
    premise.hidden = true;
    premise.replaceChildren();
    if (!call.location.premise_id || !session.can("premises:read")) return;
    try {
      const h = await get<PremiseHistory>(`${D}/premises/${call.location.premise_id}/history`);
      const list = el("ul", { class: "plain" });
      for (const c of h.calls.slice(0, 10)) {
        list.append(el("li", { text: `${c.number} · ${c.call_type} · ${c.disposition ?? ""} · ${formatTime(c.received_at, lang())}` }));
      }
      premise.append(
        el("h2", { text: t("field.premise") }),
        el("p", { text: h.premise.address }),
        el("p", { text: h.premise.hazards.length ? t("field.hazards", { list: h.premise.hazards.join(", ") }) : t("field.no_hazards") }),
        el("p", { text: t("field.false_alarms", { n: h.false_alarms_12m }) }),
        el("h3", { text: t("field.premise_calls") }),
        h.calls.length ? list : el("p", { text: t("field.no_premise_calls") }),
      );
      premise.hidden = false;
    } catch {
      premise.hidden = true;
    }
  }

  async function drawHits(call: Call): Promise<void> {
    hits.hidden = true;
    hits.replaceChildren();
    if (!session.can("alerts:read_verified")) return; // deputies only: CSOs and guards see no ALPR data
    const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    try {
      const page = await get<{ items: Hit[] }>(`/api/v1/alerts${qs({ kind: "hit", since, limit: 200, purpose: LIVE_PURPOSE })}`);
      const near: Array<[number, Hit]> = [];
      for (const h of page.items) {
        if (h.state !== "verified" && h.state !== "dispatched") continue;
        const lat = h.last_sighting?.lat ?? h.camera?.lat ?? null;
        const lon = h.last_sighting?.lon ?? h.camera?.lon ?? null;
        if (lat === null || lon === null) continue;
        const d = km(call.location.lat, call.location.lon, lat, lon);
        if (d <= HIT_RADIUS_KM) near.push([d, h]);
      }
      near.sort((a, b) => a[0] - b[0]);
      const list = el("ul", { class: "plain", id: "field-hit-list" });
      for (const [d, h] of near) {
        list.append(
          el("li", {
            "data-alert": h.id,
            text: t("field.hit_line", {
              plate: h.plate_listed ?? h.plate_read ?? "?",
              title: h.title,
              camera: h.last_sighting?.camera_name ?? h.camera?.name ?? "",
              km: d.toFixed(1),
              at: formatTime(h.last_seen_at, lang()),
            }),
          }),
        );
      }
      hits.append(el("h2", { text: t("field.hits") }), near.length ? list : el("p", { text: t("field.no_hits", { km: HIT_RADIUS_KM }) }));
      hits.hidden = false;
    } catch {
      hits.hidden = true;
    }
  }

  function drawOthers(current: Call | null): void {
    const rest = (mine?.calls ?? []).filter((c) => c.id !== current?.id);
    others.hidden = !rest.length;
    const ul = el("ul", { class: "plain" });
    for (const c of rest) {
      ul.append(el("li", {}, el("a", { href: `/app/field${qs({ call: c.id })}`, "data-link": true, "aria-label": t("field.open_call", { number: c.number }) }, `${c.number} · ${named(c.call_type_name, c.call_type_names)} · ${statusText(c.status)}`)));
    }
    others.replaceChildren(el("h2", { text: t("field.other_calls") }), ul);
  }

  function draw(): void {
    showBanner();
    const unit = mine?.unit ?? null;
    unitLine.textContent = unit
      ? t("field.unit", { sign: unit.call_sign, type: named(unit.unit_type_name, unit.unit_type_names), status: statusText(unit.status) })
      : mine
        ? t("field.no_unit")
        : "";
    if (!detail) {
      if (map) dispose(map);
      map = null;
      shownCall = null;
      body.replaceChildren(el("p", { id: "field-none", text: mine ? (unit ? t("field.no_call") : "") : "" }));
      drawOthers(null);
      if (others.childElementCount) body.append(others);
      return;
    }
    drawHead(detail);
    drawSteps(detail);
    drawNotes(detail);
    drawOthers(detail);
    if (shownCall !== detail.id) {
      shownCall = detail.id;
      body.replaceChildren(head, steps, directions, notes, premise, hits, others);
      void drawDirections(detail);
      void drawPremise(detail);
      void drawHits(detail);
    }
  }

  /** Fetch my unit, its calls and the call on screen; without a connection, keep what is shown. */
  const loadTurn = newest(life); // a sync after a live event can overlap the last one: the newest answer draws
  async function load(): Promise<void> {
    const newestLoad = loadTurn();
    try {
      const got = await get<MyDispatch>(`${D}/me`);
      const wanted = params.get("call");
      const current = got.calls.find((c) => c.id === wanted) ?? got.calls[0] ?? null;
      const d = current ? await get<Detail>(`${D}/calls/${current.id}`) : null;
      if (!newestLoad()) return;
      mine = got;
      detail = d;
    } catch (err) {
      if (!newestLoad()) return;
      if (!(err instanceof ApiError) || err.status !== 0) msg.textContent = t("common.failed", { detail: failText(err) });
    }
    draw();
  }

  /** The CSO queue (CSOs only): calls a CSO may take, each with a Take button. */
  const queueTurn = newest(life);
  async function loadCsoQueue(): Promise<void> {
    if (session.current()?.role !== "cso") return;
    const newestQueue = queueTurn();
    try {
      const page = await get<{ items: Array<{ id: string; number: string; call_type_name: string; call_type_names?: Record<string, string>; received_at: string; location: { text: string | null } }> }>(`${D}/queues/cso`);
      if (!newestQueue()) return;
      csoQueue.hidden = false;
      const items = page.items.map((c) =>
        el(
          "li",
          { "data-call": c.number },
          `${c.number} · ${named(c.call_type_name, c.call_type_names)}${c.location.text ? ` · ${c.location.text}` : ""} · ${formatTime(c.received_at, lang())} `,
          el("button", { type: "button", onclick: () => void take(c.id) }, t("field.cso.take")),
        ),
      );
      csoQueue.replaceChildren(
        el("h2", { id: "field-cso-h", text: t("field.cso.title") }),
        items.length ? el("ul", { class: "field-cso-list" }, ...items) : el("p", { class: "hint", text: t("field.cso.empty") }),
      );
    } catch {
      // offline or refused: keep what is shown
    }
  }

  async function take(callId: string): Promise<void> {
    msg.textContent = "";
    try {
      await post(`${D}/calls/${callId}/take`, {});
    } catch (err) {
      msg.textContent = t("common.failed", { detail: failText(err) });
    }
    params.set("call", callId);
    await load();
  }

  /** Send what is waiting; report refusals; then read the call again. */
  async function sync(): Promise<void> {
    const refused = await outbox.flush();
    if (!life.alive) return;
    if (refused.length) msg.textContent = refused.map((r) => t("field.refused", { detail: r.detail })).join(" ");
    if (navigator.onLine) {
      await load();
      await loadCsoQueue();
    } else draw();
  }

  async function step(callId: string, status: string): Promise<void> {
    msg.textContent = "";
    outbox.enqueue({ kind: "step", client_id: outbox.newClientId(), call_id: callId, status, queued_at: new Date().toISOString() });
    draw(); // shown at once; the banner says it is waiting while there is no connection
    await sync();
    if (life.alive) msg.textContent = outbox.pending().length ? t("field.queued") : "";
  }

  noteForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = noteText.value.trim();
    if (!text || !detail) return;
    outbox.enqueue({ kind: "note", client_id: outbox.newClientId(), call_id: detail.id, text, queued_at: new Date().toISOString() });
    noteText.value = "";
    draw();
    void sync().then(() => {
      if (life.alive && outbox.pending().length) msg.textContent = t("field.queued");
    });
  });

  const online = () => void sync();
  const offline = () => showBanner();
  window.addEventListener("online", online);
  window.addEventListener("offline", offline);
  const stopOutbox = outbox.onChange(showBanner);
  // the unit is told at once: an event on its own live topic (a new assignment) reads the call again
  const stopLive = live.subscribe((m) => {
    if (m.topic.startsWith("unit-") && navigator.onLine) void sync();
  });
  const timer = window.setInterval(() => {
    if (navigator.onLine) {
      void sync();
      void plan.refresh();
    }
  }, REFRESH_MS);
  life.onCleanup(() => {
    window.removeEventListener("online", online);
    window.removeEventListener("offline", offline);
    stopOutbox();
    stopLive();
    window.clearInterval(timer);
    if (map) dispose(map);
    plan.cleanup();
  });

  await sync();
  await plan.refresh();
  return undefined;
}
