// What the portal's pages share: the community API's base path, the alert categories, how a failed request and a
// status read, a progress timeline (tips, rebate applications), and a small map to drop a pin.

import L from "leaflet";
import { ApiError } from "../core/api";
import { el, field, formatTime, input } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { createMap, dispose, settle } from "../map/basemap";

export const C = "/api/v1/community";
export const CATEGORIES = ["burglary", "vehicle_crime", "missing_person", "traffic", "public_safety", "watch_group"];

export interface Timeline {
  at: string;
  status: string;
  note: string | null;
}

export interface Neighborhood {
  code: string;
  name: string;
}

export function failText(err: unknown): string {
  if (err instanceof ApiError) {
    const why = err.errors.map((e) => (e.field ? `${e.field}: ${e.msg}` : e.msg)).filter(Boolean);
    return t("common.failed", { detail: why.length ? `${err.message} (${why.join("; ")})` : err.message });
  }
  return t("common.failed", { detail: String(err) });
}

export function statusLabel(s: string): string {
  const key = `portal.status.${s}` as Key;
  const text = t(key);
  return text === key ? s.replace(/_/g, " ") : text;
}

export function timelineList(items: Timeline[], label: string): HTMLElement {
  const ol = el("ol", { class: "steps", "aria-label": label });
  for (const e of items) {
    ol.append(el("li", {}, el("strong", { text: statusLabel(e.status) }), ` — ${formatTime(e.at, lang())}`, e.note ? el("p", { text: e.note }) : null));
  }
  return ol;
}

/** A small map to drop a pin (lat/lon fields stay editable for keyboard users). */
export function pinPicker(label: string): { nodes: HTMLElement[]; lat: HTMLInputElement; lon: HTMLInputElement; cleanup: () => void } {
  const box = el("div", { class: "pin-map" });
  const lat = input({ name: "lat", inputmode: "decimal", required: true });
  const lon = input({ name: "lon", inputmode: "decimal", required: true });
  const { map } = createMap(box, label);
  let marker: L.Marker | null = null;
  const place = (ll: L.LatLng) => {
    lat.value = ll.lat.toFixed(6);
    lon.value = ll.lng.toFixed(6);
    if (marker) marker.setLatLng(ll);
    else marker = L.marker(ll, { icon: L.divIcon({ className: "pin", iconSize: [18, 18] }), keyboard: false }).addTo(map);
  };
  map.on("click", (ev: L.LeafletMouseEvent) => place(ev.latlng));
  settle(map, box);
  return {
    nodes: [el("p", { class: "hint", text: t("portal.pin_hint") }), box, field(t("canvass.lat"), lat), field(t("canvass.lon"), lon)],
    lat,
    lon,
    cleanup: () => dispose(map),
  };
}
