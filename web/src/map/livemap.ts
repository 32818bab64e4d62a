// The live screen: the map (ALPR cameras with their status, registered cameras with their view cones, open alerts;
// open calls and units for those who see every call; drones, their tracks and camera footprints for the drone
// program's staff) beside the alert queue. Every layer can be switched on and off;
// everything updates from the live stream.

import L from "leaflet";
import { get, hasApi } from "../core/api";
import { el } from "../core/dom";
import { t } from "../core/i18n";
import { live } from "../core/live";
import type { Cleanup, Life } from "../core/router";
import { can } from "../core/session";
import { mountQueue } from "../alerts/queue";
import { alertStore, type Alert } from "../alerts/store";
import { createMap, dispose, settle, viewCone } from "./basemap";
import { REGISTRY_CAMERAS, type RegistryCamera } from "../cameras/registry";
import { dispatchLayers } from "../dispatch/layers";
import { DispatchStore } from "../dispatch/model";
import { droneLayer } from "../drones/layer";

export interface AlprCamera {
  id: string;
  code: string;
  name: string;
  lat: number | null;
  lon: number | null;
  heading_deg: number | null;
  location: string | null;
  status: string;
  last_heartbeat_at: string | null;
  last_read_at: string | null;
  active: boolean;
}

const STATUS_COLOR: Record<string, string> = { online: "#1b7f3b", offline: "#b00020", unknown: "#6b6b6b" };

export async function liveView(root: HTMLElement, _params: URLSearchParams, life: Life): Promise<Cleanup> {
  root.append(el("h1", { class: "visually-hidden", text: t("live.title") }));
  const layout = el("div", { class: "live-layout" });
  const mapBox = el("div", { id: "live-map" });
  const side = el("div", { class: "live-side" });
  layout.append(mapBox, side);
  root.append(layout);
  const { map, layers, ready } = createMap(mapBox, t("live.map_label"));
  life.onCleanup(() => dispose(map));

  const alprLayer = L.layerGroup().addTo(map);
  const alertLayer = L.layerGroup().addTo(map);
  const registryLayer = L.layerGroup();
  layers.addOverlay(alprLayer, t("map.layer.alpr"));
  layers.addOverlay(alertLayer, t("map.layer.alerts"));

  const cams = new Map<string, AlprCamera>();
  const camMarkers = new Map<string, L.CircleMarker>();
  const drawCamera = (c: AlprCamera) => {
    if (c.lat == null || c.lon == null) return;
    const color = STATUS_COLOR[c.status] ?? STATUS_COLOR.unknown;
    let m = camMarkers.get(c.code);
    const label = `${c.code} — ${c.name}: ${t(`cameras.status.${c.status}` as never) || c.status}`;
    if (!m) {
      if (c.heading_deg != null) {
        L.polygon(viewCone(c.lat, c.lon, c.heading_deg, 40, 80), { color, weight: 1, fillOpacity: 0.15, interactive: false }).addTo(alprLayer);
      }
      m = L.circleMarker([c.lat, c.lon], { radius: 7, color: "#fff", weight: 2, fillColor: color, fillOpacity: 1 });
      m.addTo(alprLayer);
      camMarkers.set(c.code, m);
    } else {
      m.setStyle({ fillColor: color });
    }
    m.bindTooltip(label);
    m.getElement()?.setAttribute("aria-label", label);
  };
  if (can("cameras:read")) {
    get<AlprCamera[]>("/api/v1/cameras")
      .then((list) => {
        if (!life.alive) return;
        for (const c of list) {
          cams.set(c.code, c);
          drawCamera(c);
        }
      })
      .catch(() => undefined);
  }
  life.onCleanup(live.subscribe((m) => {
    if (m.topic !== "cameras") return;
    const d = m.data as { code?: string; status?: string };
    const c = d.code ? cams.get(d.code) : undefined;
    if (c && d.status) {
      c.status = d.status;
      drawCamera(c);
    }
  }));

  const alertMarkers = new Map<string, L.CircleMarker>();
  const drawAlert = (a: Alert) => {
    const old = alertMarkers.get(a.id);
    const open = a.state === "new" || a.state === "verified" || a.state === "dispatched";
    const cam = a.camera;
    if (!open || cam?.lat == null || cam?.lon == null) {
      if (old) {
        alertLayer.removeLayer(old);
        alertMarkers.delete(a.id);
      }
      return;
    }
    const color = a.state === "new" ? "#b00020" : a.state === "verified" ? "#e65100" : "#0b5cad";
    const marker = old ?? L.circleMarker([cam.lat, cam.lon], { radius: 12, weight: 3, color, fillOpacity: 0.25 });
    marker.setStyle({ color });
    marker.bindPopup(el("div", {}, el("strong", { text: a.title }), el("br"), `${cam.code} · ${a.state}`));
    if (!old) {
      marker.addTo(alertLayer);
      alertMarkers.set(a.id, marker);
    }
  };
  const locate = (a: Alert) => {
    const cam = a.camera;
    if (cam?.lat == null || cam?.lon == null) return;
    map.setView([cam.lat, cam.lon], 16);
    alertMarkers.get(a.id)?.openPopup();
    mapBox.focus();
  };
  const unsubscribeAlerts = alertStore.subscribe((a) => {
    if (a) drawAlert(a);
    else for (const x of alertStore.list()) drawAlert(x);
  });
  life.onCleanup(unsubscribeAlerts);
  for (const x of alertStore.list()) drawAlert(x);
  life.onCleanup(can("alerts:read_verified") ? mountQueue(side, locate) : () => undefined);

  // registered (business / residential / city) cameras with their view cones, when the registry API is installed
  if (can("registry:read") && (await hasApi(REGISTRY_CAMERAS)) && life.alive) {
    layers.addOverlay(registryLayer, t("map.layer.registry"));
    registryLayer.addTo(map);
    get<RegistryCamera[] | { items: RegistryCamera[] }>(REGISTRY_CAMERAS)
      .then((resp) => {
        if (!life.alive) return;
        const list = Array.isArray(resp) ? resp : resp.items;
        for (const c of list) {
          if (c.lat == null || c.lon == null) continue;
          const color = c.sharing_level === "live_linked" ? "#5b2a86" : "#0b5cad";
          if (c.direction_deg != null) {
            L.polygon(viewCone(c.lat, c.lon, c.direction_deg, c.fov_deg ?? 90, c.range_m ?? 40), {
              color,
              weight: 1,
              fillOpacity: 0.2,
            })
              .bindTooltip(`${c.name} (${c.owner_type})`)
              .addTo(registryLayer);
          }
          L.circleMarker([c.lat, c.lon], { radius: 4, color, fillOpacity: 1 })
            .bindTooltip(`${c.name} — ${c.owner_name ?? ""} · ${c.sharing_level}`)
            .addTo(registryLayer);
        }
      })
      .catch(() => undefined);
  }

  // calls by priority and units by type and status (the dispatch board's layers), for those who see every call
  if (can("calls:read_all") && can("units:read") && life.alive) {
    const store = new DispatchStore();
    life.onCleanup(() => store.close());
    store
      .load({ calls: true, units: true, types: true })
      .then(() => {
        if (life.alive) life.onCleanup(dispatchLayers(map, layers, store).close);
      })
      .catch(() => undefined);
  }

  // the drone program: docks, drones, their tracks and camera footprints (live topic "drones")
  if (can("drones:read") && life.alive) life.onCleanup(droneLayer(map, layers).close);

  await ready;
  if (life.alive) settle(map, mapBox);
}
