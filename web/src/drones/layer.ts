// The drones on a map: docks (squares), each drone where it last was (the fleet's lat/lon, then every
// `drone.position` event of the live topic `drones`), the track of its current flight (positions of one flight_id;
// a map opened mid-flight first reads the track so far, GET /flights/{id}/track, when that API is installed) and
// its camera footprint (the event's GeoJSON polygon). Tolerant of events without the flight fields: a position
// alone moves the marker. `drone.flight` (landed) clears the footprint; `drones.launch.answered` re-reads the fleet.

import L from "leaflet";
import { get, hasApi } from "../core/api";
import { el } from "../core/dom";
import { t } from "../core/i18n";
import { live, type LiveMessage } from "../core/live";
import { DRONES_API, droneStatus, type Dock, type Drone, type Fleet } from "./model";

interface Position {
  drone_id?: string;
  drone?: string;
  flight_id?: string | null;
  call_number?: string | null;
  lat?: number;
  lon?: number;
  alt_m?: number | null;
  battery_pct?: number | null;
  camera_down?: boolean;
  flagged?: boolean;
  footprint?: { type: string; coordinates: number[][][] } | null;
}

interface Shown {
  code: string;
  status: string;
  marker: L.Marker;
  flight: string | null;
  track: L.Polyline | null;
  footprint: L.Polygon | null;
}

export interface DroneLayer {
  layer: L.LayerGroup;
  docks: L.LayerGroup;
  /** The fleet as last read (docks and drones by id). */
  fleet(): Fleet;
  onFleet(fn: (f: Fleet) => void): void;
  close(): void;
}

function icon(code: string, status: string, flagged: boolean): L.DivIcon {
  const label = el("span", { class: "drone-label", text: code });
  return L.divIcon({ html: label, className: `drone-marker s-${status}${flagged ? " flagged" : ""}`, iconSize: [58, 20], iconAnchor: [29, 10] });
}

export function droneLayer(map: L.Map, control: L.Control.Layers | null): DroneLayer {
  const layer = L.layerGroup().addTo(map);
  const docks = L.layerGroup().addTo(map);
  control?.addOverlay(layer, t("drones.layer"));
  control?.addOverlay(docks, t("drones.layer.docks"));
  const shown = new Map<string, Shown>(); // by drone id
  let fleet: Fleet = { docks: [], drones: [] };
  const fleetListeners: Array<(f: Fleet) => void> = [];
  let closed = false;
  const trackApi = hasApi(`${DRONES_API}/flights/{flight_id}/track`);

  const label = (code: string, status: string) => t("drones.marker", { drone: code, status: droneStatus(status) });
  const mark = (m: L.Marker, code: string, text: string) => {
    m.bindTooltip(text);
    const node = m.getElement();
    node?.setAttribute("aria-label", text);
    node?.setAttribute("data-drone", code);
  };

  const drawDock = (d: Dock) => {
    const m = L.marker([d.lat, d.lon], { icon: L.divIcon({ html: el("span", { class: "dock-label", text: d.code }), className: `dock-marker s-${d.status}`, iconSize: [58, 18], iconAnchor: [29, 9] }), keyboard: false });
    m.addTo(docks);
    const text = `${d.code} — ${d.name} · ${droneStatus(d.status)}`;
    m.bindTooltip(text);
    m.getElement()?.setAttribute("aria-label", text);
    m.getElement()?.setAttribute("data-dock", d.code);
  };

  const drawDrone = (d: Drone) => {
    const dock = fleet.docks.find((k) => k.id === d.dock_id);
    const lat = d.lat ?? dock?.lat;
    const lon = d.lon ?? dock?.lon;
    if (lat == null || lon == null) return;
    let s = shown.get(d.id);
    if (!s) {
      const marker = L.marker([lat, lon], { icon: icon(d.code, d.status, false), zIndexOffset: 500 }).addTo(layer);
      s = { code: d.code, status: d.status, marker, flight: null, track: null, footprint: null };
      shown.set(d.id, s);
    } else {
      s.status = d.status;
      s.marker.setIcon(icon(d.code, d.status, false));
      if (d.lat != null && d.lon != null) s.marker.setLatLng([d.lat, d.lon]);
    }
    mark(s.marker, d.code, label(d.code, d.status));
  };

  const loadFleet = () =>
    get<Fleet>(`${DRONES_API}/fleet`)
      .then((f) => {
        if (closed) return;
        fleet = f;
        docks.clearLayers();
        for (const d of f.docks) drawDock(d);
        for (const d of f.drones) drawDrone(d);
        for (const fn of fleetListeners) fn(f);
      })
      .catch(() => undefined);

  const startTrack = (s: Shown, flightId: string) => {
    s.flight = flightId;
    if (s.track) layer.removeLayer(s.track);
    s.track = L.polyline([], { color: "#5b2a86", weight: 3, opacity: 0.8, interactive: false, className: "drone-track" }).addTo(layer);
    void trackApi.then((ok) => {
      if (!ok || closed) return;
      get<Array<{ lat: number; lon: number }>>(`${DRONES_API}/flights/${flightId}/track`)
        .then((points) => {
          if (closed || s.flight !== flightId || !s.track) return;
          const now = s.track.getLatLngs() as L.LatLng[];
          s.track.setLatLngs([...points.map((p) => L.latLng(p.lat, p.lon)), ...now]);
        })
        .catch(() => undefined);
    });
  };

  const position = (p: Position) => {
    if (p.lat == null || p.lon == null) return;
    const id = p.drone_id ?? [...fleet.drones].find((d) => d.code === p.drone)?.id;
    if (!id) return;
    let s = shown.get(id);
    const code = p.drone ?? s?.code ?? "?";
    if (!s) {
      const marker = L.marker([p.lat, p.lon], { icon: icon(code, "in_flight", !!p.flagged), zIndexOffset: 500 }).addTo(layer);
      s = { code, status: "in_flight", marker, flight: null, track: null, footprint: null };
      shown.set(id, s);
    }
    s.status = s.status === "returning" ? "returning" : "in_flight";
    s.marker.setLatLng([p.lat, p.lon]);
    s.marker.setIcon(icon(code, s.status, !!p.flagged));
    const text = p.call_number
      ? t("drones.marker.flight", { drone: code, number: p.call_number, alt: Math.round(p.alt_m ?? 0), battery: Math.round(p.battery_pct ?? 0) })
      : label(code, s.status);
    mark(s.marker, code, text);
    if (p.flight_id) {
      if (s.flight !== p.flight_id) startTrack(s, p.flight_id);
      s.track?.addLatLng([p.lat, p.lon]);
    }
    const ring = p.footprint?.type === "Polygon" ? p.footprint.coordinates[0] : null;
    if (ring && ring.length >= 3) {
      const latlngs = ring.map(([lon, lat]) => L.latLng(lat, lon));
      const color = p.camera_down ? "#b00020" : "#5b2a86";
      if (!s.footprint) s.footprint = L.polygon(latlngs, { color, weight: 1, fillOpacity: 0.2, interactive: false, className: "drone-footprint" }).addTo(layer);
      else s.footprint.setLatLngs(latlngs).setStyle({ color });
    } else if (s.footprint) {
      layer.removeLayer(s.footprint);
      s.footprint = null;
    }
  };

  const unsubscribe = live.subscribe((m: LiveMessage) => {
    if (m.topic !== "drones") return;
    if (m.type === "drone.position") position(m.data as Position);
    else if (m.type === "drone.flight") {
      const d = m.data as { drone_id?: string; status?: string };
      const s = d.drone_id ? shown.get(d.drone_id) : undefined;
      if (s && d.status === "landed" && s.footprint) {
        layer.removeLayer(s.footprint);
        s.footprint = null;
      }
      void loadFleet();
    } else if (m.type === "drones.launch.answered") void loadFleet();
  });
  void loadFleet();

  return {
    layer,
    docks,
    fleet: () => fleet,
    onFleet: (fn) => {
      fleetListeners.push(fn);
    },
    close: () => {
      closed = true;
      unsubscribe();
    },
  };
}
