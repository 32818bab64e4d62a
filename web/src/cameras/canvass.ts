// Canvass: click a point on the map (or type coordinates, or pick an intersection), choose the time window, and
// list the registered cameras that could have seen it, ranked, with their view cones and whether the owner's
// footage still exists; each can be asked for its footage (footage request API) from here. Every shared camera is drawn
// as a grey dot so that a click can land near one, and an empty answer says why (what was searched, the nearest
// cameras and what stops them seeing the place).

import L from "leaflet";
import { ApiError, get, hasApi, post } from "../core/api";
import { el, field, formatTime, input, nextId, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Life } from "../core/router";
import { can } from "../core/session";
import { createMap, dispose, settle, viewCone } from "../map/basemap";
import { CANVASS, CANVASS_CAMERAS, type CameraPoint, type CanvassEmpty, type CanvassHit, type CanvassResult } from "./registry";
import { FOOTAGE_REQUESTS, footageRequestForm } from "./footage";

interface Place {
  name: string;
  lat: number;
  lon: number;
}

/** A datetime-local value (local time, minutes) for `d`. */
export function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Why a canvass found nothing: what was searched, and the nearest cameras with what stops each seeing the place. */
function emptyNode(res: CanvassResult, why: CanvassEmpty): HTMLElement {
  const box = el("div", { class: "card empty-canvass", id: "canvass-empty" });
  box.append(
    el("p", {}, el("strong", { text: t("canvass.empty_title") })),
    el("p", {
      text: t("canvass.empty_searched", {
        shared: why.shared_cameras,
        registered: why.registered_cameras,
        radius: Math.round(why.radius_m),
        start: formatTime(res.start, lang()),
        end: formatTime(res.end, lang()),
      }),
    }),
  );
  if (!why.nearest.length) {
    box.append(el("p", { text: t("canvass.empty_none") }));
    return box;
  }
  const list = el("ul", {});
  for (const n of why.nearest) {
    const c = n.camera;
    const params = {
      name: c.name,
      code: c.code,
      distance: Math.round(n.distance_m),
      range: Math.round(c.range_m ?? 0),
      off: Math.round(n.angle_off_axis_deg),
      half: Math.round((c.fov_deg ?? 0) / 2),
    };
    list.append(el("li", { text: n.in_range ? t("canvass.near_facing_away", params) : t("canvass.near_out_of_range", params) }));
  }
  box.append(el("p", { text: t("canvass.empty_nearest") }), list);
  return box;
}

export async function canvassView(root: HTMLElement, _params: URLSearchParams, life: Life): Promise<void> {
  root.append(el("h1", { text: t("canvass.title") }), el("p", { class: "lead", text: t("canvass.help") }));
  const layout = el("div", { class: "split" });
  const mapBox = el("div", { id: "canvass-map" });
  const side = el("div", { class: "split-side" });
  layout.append(mapBox, side);
  root.append(layout);
  const { map, ready } = createMap(mapBox, t("canvass.map_label"));
  life.onCleanup(() => dispose(map));
  const registry = L.layerGroup().addTo(map);
  const results = L.layerGroup().addTo(map);
  let pin: L.Marker | null = null;

  const lat = input({ name: "lat", inputmode: "decimal", id: "canvass-lat" });
  const lon = input({ name: "lon", inputmode: "decimal", id: "canvass-lon" });
  const placeList = el("datalist", { id: nextId("places") });
  const place = input({ name: "place", list: placeList.id, id: "canvass-place" });
  const now = new Date();
  const start = input({ name: "start", type: "datetime-local", value: localInput(new Date(now.getTime() - 2 * 3600e3)) });
  const end = input({ name: "end", type: "datetime-local", value: localInput(now) });
  const error = el("p", { class: "error", role: "alert" });
  const out = el("div", { class: "results", "aria-live": "polite" });
  const form = el(
    "form",
    { class: "card", "aria-label": t("canvass.form") },
    el("fieldset", {}, el("legend", { text: t("canvass.point") }), field(t("canvass.lat"), lat), field(t("canvass.lon"), lon)),
    field(t("canvass.place"), place, t("canvass.place_hint")),
    placeList,
    field(t("canvass.start"), start),
    field(t("canvass.end"), end),
    el("button", { type: "submit", class: "primary" }, t("canvass.run")),
    error,
  );
  const registryNote = el("p", { class: "hint", id: "canvass-registry" });
  side.append(form, registryNote, out);
  get<CameraPoint[]>(CANVASS_CAMERAS)
    .then((points) => {
      if (!life.alive) return;
      const renderer = L.canvas({ padding: 0.5 });
      for (const p of points) {
        L.circleMarker([p.lat, p.lon], { renderer, radius: 3, color: "#555", weight: 1, fillColor: "#999", fillOpacity: 0.9, interactive: false }).addTo(registry);
      }
      registryNote.textContent = t("canvass.registry_count", { n: points.length });
    })
    .catch(() => undefined);
  get<Place[]>("/api/v1/canvass/places")
    .then((places) => {
      if (!life.alive) return;
      for (const p of places) placeList.append(el("option", { value: p.name }));
    })
    .catch(() => undefined);

  const setPoint = (ll: L.LatLng) => {
    lat.value = ll.lat.toFixed(6);
    lon.value = ll.lng.toFixed(6);
    place.value = "";
    if (pin) pin.setLatLng(ll);
    else pin = L.marker(ll, { title: t("canvass.point"), keyboard: true, icon: L.divIcon({ className: "pin", iconSize: [18, 18] }) }).addTo(map);
  };
  map.on("click", (ev: L.LeafletMouseEvent) => setPoint(ev.latlng));

  // asked now, awaited when an answer is shown: the form works at once (a click before the answer is not lost)
  const footageApi = can("footage:request") ? hasApi(FOOTAGE_REQUESTS) : Promise.resolve(false);
  const show = async (res: CanvassResult) => {
    const footageOk = await footageApi;
    if (!life.alive) return;
    results.clearLayers();
    setPoint(L.latLng(res.lat, res.lon));
    map.setView([res.lat, res.lon], 17);
    if (res.place) place.value = res.place;
    for (const hit of res.items) {
      const c = hit.camera;
      const color = hit.retention_covers ? "#0b5cad" : "#8a8a8a";
      L.polygon(viewCone(c.lat, c.lon, c.direction_deg ?? 0, c.fov_deg ?? 90, c.range_m ?? 30), { color, weight: 1, fillOpacity: 0.2 })
        .bindTooltip(`${hit.rank}. ${c.name}`)
        .addTo(results);
      L.circleMarker([c.lat, c.lon], { radius: 5, color, fillOpacity: 1 }).addTo(results);
    }
    const rows = res.items.map((hit: CanvassHit) => [
      String(hit.rank),
      `${hit.camera.name} (${hit.camera.code})`,
      `${hit.camera.owner_name ?? ""} · ${t(`owner.${hit.camera.owner_type}` as never)}`,
      `${Math.round(hit.distance_m)} m`,
      `${Math.round(hit.angle_off_axis_deg)}°`,
      hit.retention_covers ? t("canvass.kept") : t("canvass.overwritten"),
      formatTime(hit.request_deadline, lang()),
      footageOk && hit.retention_covers
        ? el("details", {}, el("summary", { text: t("footage.request") }), footageRequestForm(hit, res))
        : "",
    ]);
    if (res.empty) {
      out.replaceChildren(emptyNode(res, res.empty));
      const bounds = L.latLngBounds([[res.lat, res.lon]]);
      for (const n of res.empty.nearest) {
        const c = n.camera;
        L.polygon(viewCone(c.lat, c.lon, c.direction_deg ?? 0, c.fov_deg ?? 90, c.range_m ?? 30), { color: "#b35900", weight: 1, fillOpacity: 0.15 })
          .bindTooltip(`${c.name} · ${Math.round(n.distance_m)} m`)
          .addTo(results);
        L.circleMarker([c.lat, c.lon], { radius: 5, color: "#b35900", fillOpacity: 1 }).addTo(results);
        bounds.extend([c.lat, c.lon]);
      }
      map.fitBounds(bounds.pad(0.3), { maxZoom: 17 }); // the point and the cameras that nearly see it
      return;
    }
    out.replaceChildren(
      el("p", { text: t("canvass.summary", { n: res.items.length, searched: res.searched }) }),
      table(
        t("canvass.results"),
        [t("canvass.rank"), t("canvass.camera"), t("canvass.owner"), t("canvass.distance"), t("canvass.off_axis"), t("canvass.footage"), t("canvass.deadline"), ""],
        rows,
        { id: "canvass-results" },
      ),
    );
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const body: Record<string, unknown> = {
      start: new Date(start.value).toISOString(),
      end: new Date(end.value).toISOString(),
    };
    if (place.value.trim()) body.place = place.value.trim();
    else {
      body.lat = Number(lat.value);
      body.lon = Number(lon.value);
      if (!lat.value || !lon.value || Number.isNaN(body.lat) || Number.isNaN(body.lon)) {
        error.textContent = t("canvass.need_point");
        return;
      }
    }
    try {
      const res = await post<CanvassResult>(CANVASS, body);
      if (life.alive) await show(res);
    } catch (err) {
      error.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
    }
  });
  await ready;
  if (life.alive) settle(map, mapBox);
}
