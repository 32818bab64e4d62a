// The field view's patrol-plan panel (inside /app/field): my unit's current plan (GET /api/v1/patrol/plans/mine),
// its stops in route order on a small map and in a list, each with its dose planned and delivered (measured by the
// server from the unit's position track), and for a house check the buttons "all secure" / "something found" with a
// note (POST /api/v1/patrol/house-checks/{id}/visits; the resident is told at once when something was found).

import L from "leaflet";
import { getFresh, post } from "../core/api";
import { el, field, formatTime } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { newest } from "../core/newest";
import { createMap, dispose, settle } from "../map/basemap";

export interface Stop {
  seq: number;
  kind: "hotspot" | "near_repeat" | "house_check";
  key: string;
  label: string;
  lat: number;
  lon: number;
  box: number[] | null;
  radius_m: number | null;
  dose_min: number;
  delivered_min: number;
  house_check_id: string | null;
  visited_at: string | null;
}

export interface Plan {
  id: string;
  call_sign: string;
  kind: string;
  starts_at: string;
  ends_at: string;
  routing_note: string;
  stops: Stop[];
  dose_planned_min: number;
  dose_delivered_min: number;
}

const P = "/api/v1/patrol";

function fmt(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** The panel and a function that reads the plan again (the field view calls it on its refresh). */
export function planPanel(): { node: HTMLElement; refresh: () => Promise<void>; cleanup: () => void } {
  const node = el("section", { class: "card", id: "field-plan", "aria-labelledby": "field-plan-h" });
  const head = el("h2", { id: "field-plan-h", text: t("plan.title") });
  const summary = el("p", { id: "field-plan-summary" });
  const list = el("ol", { class: "plan-stops", id: "field-plan-stops", "aria-label": t("plan.routing") });
  const mapBox = el("div", { class: "field-map", id: "field-plan-map" });
  const msg = el("p", { role: "status", id: "field-plan-msg" });
  node.append(head, summary, mapBox, list, msg);
  let map: L.Map | null = null;
  let layer: L.LayerGroup | null = null;

  function drawMap(plan: Plan): void {
    if (!map) {
      const made = createMap(mapBox, t("plan.map"));
      map = made.map;
      settle(map, mapBox);
    }
    layer?.remove();
    layer = L.layerGroup().addTo(map);
    const pts: L.LatLngExpression[] = [];
    for (const s of plan.stops) {
      const done = s.delivered_min >= s.dose_min;
      const style = { color: done ? "#1a7f37" : s.kind === "near_repeat" ? "#b35900" : "#1f4e9c", weight: 2 };
      if (s.box) L.rectangle([[s.box[0], s.box[1]], [s.box[2], s.box[3]]], style).addTo(layer);
      else L.circle([s.lat, s.lon], { ...style, radius: s.radius_m ?? 50 }).addTo(layer);
      L.marker([s.lat, s.lon], { icon: L.divIcon({ className: "plan-seq", html: String(s.seq), iconSize: [20, 20] }), keyboard: false }).addTo(layer);
      pts.push([s.lat, s.lon]);
    }
    if (pts.length > 1) L.polyline(pts, { color: "#555", dashArray: "4 4", weight: 1 }).addTo(layer);
    if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.3));
  }

  function houseButtons(s: Stop): HTMLElement {
    const note = el("textarea", { name: "note", rows: 2, maxlength: 2000 });
    const send = async (outcome: "secure" | "found") => {
      msg.textContent = "";
      try {
        await post(`${P}/house-checks/${s.house_check_id}/visits`, { outcome, note: note.value.trim() || null });
        msg.textContent = t("plan.noted");
        note.value = "";
        await refresh();
      } catch (err) {
        msg.textContent = t("common.failed", { detail: err instanceof Error ? err.message : String(err) });
      }
    };
    return el(
      "div",
      { class: "plan-house" },
      field(t("plan.note"), note),
      el("button", { type: "button", class: "primary", "data-outcome": "secure", onclick: () => void send("secure") }, t("plan.secure")),
      el("button", { type: "button", "data-outcome": "found", onclick: () => void send("found") }, t("plan.found")),
    );
  }

  function draw(plan: Plan | null): void {
    if (!plan) {
      summary.textContent = t("plan.none");
      list.replaceChildren();
      mapBox.hidden = true;
      return;
    }
    mapBox.hidden = false;
    const kind = t(`plan.kind.${plan.kind}` as Key);
    summary.replaceChildren(
      el("span", { text: t("plan.window", { kind, from: formatTime(plan.starts_at, lang()), to: formatTime(plan.ends_at, lang()) }) }),
      el("br"),
      el("strong", { id: "field-plan-totals", text: t("plan.totals", { done: fmt(plan.dose_delivered_min), planned: fmt(plan.dose_planned_min) }) }),
      el("br"),
      el("small", { text: plan.routing_note }),
    );
    list.replaceChildren(
      ...plan.stops.map((s) =>
        el(
          "li",
          { class: "plan-stop", "data-kind": s.kind },
          el("strong", { text: t(`plan.stop.${s.kind}` as Key) }),
          ` — ${s.label} `,
          el("meter", { min: 0, max: s.dose_min, value: Math.min(s.delivered_min, s.dose_min), "aria-label": t("plan.dose", { done: fmt(s.delivered_min), planned: fmt(s.dose_min) }) }),
          el("span", { class: "plan-dose", text: ` ${t("plan.dose", { done: fmt(s.delivered_min), planned: fmt(s.dose_min) })}` }),
          s.visited_at ? el("p", { class: "ok", text: t("plan.visited", { at: formatTime(s.visited_at, lang()) }) }) : null,
          s.kind === "house_check" && s.house_check_id ? houseButtons(s) : null,
        ),
      ),
    );
    drawMap(plan);
  }

  const turn = newest(); // refreshes follow live events closely; an older plan must not replace a newer one
  async function refresh(): Promise<void> {
    const current = turn();
    try {
      const plan = await getFresh<Plan | null>(`${P}/plans/mine`);
      if (current()) draw(plan);
    } catch (err) {
      if (current()) msg.textContent = t("common.failed", { detail: err instanceof Error ? err.message : String(err) });
    }
  }

  return {
    node,
    refresh,
    cleanup: () => {
      if (map) dispose(map);
    },
  };
}
