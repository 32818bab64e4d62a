// Calls and units on a map: open calls as circles coloured by priority (rank 1 red, 2 orange, 3 blue), units as
// labelled markers shaped by type and coloured by status (CSS classes, so the CSP needs no inline style attribute).
// Both layers follow a DispatchStore, i.e. the live stream. Used by the dispatcher's screen and the live map.

import L from "leaflet";
import { el } from "../core/dom";
import { named, t } from "../core/i18n";
import { statusText, type CallRow, type DispatchStore, type UnitRow } from "./model";

const PRIORITY_COLOR: Record<number, string> = { 1: "#b00020", 2: "#e65100", 3: "#0b5cad" };

export interface DispatchLayers {
  calls: L.LayerGroup;
  units: L.LayerGroup;
  focusCall(id: string): void;
  close(): void;
}

function unitIcon(u: UnitRow): L.DivIcon {
  const label = el("span", { class: "unit-label", text: u.call_sign });
  return L.divIcon({ html: label, className: `unit-marker t-${u.unit_type} s-${u.status}`, iconSize: [34, 20], iconAnchor: [17, 10] });
}

export function dispatchLayers(map: L.Map, control: L.Control.Layers, store: DispatchStore, onCall?: (c: CallRow) => void): DispatchLayers {
  const calls = L.layerGroup().addTo(map);
  const units = L.layerGroup().addTo(map);
  control.addOverlay(calls, t("dispatch.map.calls"));
  control.addOverlay(units, t("dispatch.map.units"));
  const callMarkers = new Map<string, L.CircleMarker>();
  const unitMarkers = new Map<string, L.Marker>();

  const drawCall = (id: string) => {
    const c = store.calls.get(id);
    const old = callMarkers.get(id);
    if (!c || c.status === "closed") {
      if (old) calls.removeLayer(old);
      callMarkers.delete(id);
      return;
    }
    const color = PRIORITY_COLOR[c.priority_rank] ?? "#555555";
    const m = old ?? L.circleMarker([c.lat, c.lon], { radius: 10, weight: 3, fillOpacity: 0.35 });
    m.setLatLng([c.lat, c.lon]);
    m.setStyle({ color, fillColor: color, dashArray: c.status === "received" || c.status === "queued" ? undefined : "4 3" });
    const label = `${c.number} · ${store.typeName(c.call_type)} · ${store.priorityName(c.priority)} · ${statusText(c.status)}${c.units.length ? ` · ${c.units.join(", ")}` : ""}`;
    m.bindTooltip(label);
    if (!old) {
      m.addTo(calls);
      if (onCall) m.on("click", () => onCall(store.calls.get(id) ?? c));
      callMarkers.set(id, m);
    }
    m.getElement()?.setAttribute("aria-label", label);
    m.getElement()?.classList.add("call-marker");
    m.getElement()?.setAttribute("data-call", c.number);
  };

  const drawUnit = (sign: string) => {
    const u = store.units.get(sign);
    const old = unitMarkers.get(sign);
    if (!u || u.lat == null || u.lon == null) {
      if (old) units.removeLayer(old);
      unitMarkers.delete(sign);
      return;
    }
    const label = `${u.call_sign} (${u.unit_type_name ? named(u.unit_type_name, u.unit_type_names) : u.unit_type}): ${statusText(u.status)}${u.current_call_number ? ` · ${u.current_call_number}` : ""}`;
    const m = old ?? L.marker([u.lat, u.lon], { keyboard: false });
    m.setLatLng([u.lat, u.lon]);
    m.setIcon(unitIcon(u));
    m.bindTooltip(label);
    if (!old) {
      m.addTo(units);
      unitMarkers.set(sign, m);
    }
    m.getElement()?.setAttribute("aria-label", label);
    m.getElement()?.setAttribute("data-unit", u.call_sign);
    m.getElement()?.setAttribute("data-status", u.status);
  };

  for (const id of store.calls.keys()) drawCall(id);
  for (const sign of store.units.keys()) drawUnit(sign);
  const unsubscribe = store.subscribe((what, id) => {
    if (what === "calls") {
      if (id) drawCall(id);
      else for (const k of store.calls.keys()) drawCall(k);
    } else if (id) drawUnit(id);
  });
  return {
    calls,
    units,
    focusCall(id: string) {
      const m = callMarkers.get(id);
      if (!m) return;
      map.setView(m.getLatLng(), Math.max(map.getZoom(), 15));
      m.openTooltip();
    },
    close: unsubscribe,
  };
}
