// The map every screen uses: Leaflet (bundled, no CDN), the offline vector base map of the demo city (boundary,
// arterials, intersections; always drawn) and, when the server configures one, a raster tile layer under it.

import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { get } from "../core/api";
import { t } from "../core/i18n";

export interface WebConfig {
  tile_url: string | null;
  tile_attribution: string;
  tile_max_zoom: number;
  basemap_url: string;
  transparency_url: string;
  languages: string[];
  /** The city's IANA time zone: every time on screen is shown in it. */
  time_zone?: string | null;
  /** The city's name from its profile, and where its maps open. */
  city_name?: string;
  center?: [number, number];
}

let configPromise: Promise<WebConfig> | null = null;
export function webConfig(): Promise<WebConfig> {
  if (!configPromise) {
    configPromise = get<WebConfig>("/api/v1/web/config").catch(() => ({
      tile_url: null,
      tile_attribution: "",
      tile_max_zoom: 19,
      basemap_url: "/api/v1/places/basemap.geojson",
      transparency_url: "/transparency",
      languages: ["en", "es"],
    }));
  }
  return configPromise;
}

let basemapData: Promise<GeoJSON.FeatureCollection | null> | null = null;
function basemap(url: string): Promise<GeoJSON.FeatureCollection | null> {
  if (!basemapData) {
    basemapData = fetch(url)
      .then((r) => (r.ok ? (r.json() as Promise<GeoJSON.FeatureCollection>) : null))
      .catch(() => null);
  }
  return basemapData;
}

/** Where maps open before the base map has loaded: the middle of the city profile (set from the web config). */
let cityCenter: L.LatLngTuple = [0, 0];
let cityName = "";

/** Take the city's name and centre from the web config (at boot, before anything is drawn). */
export function setCity(config: WebConfig): void {
  if (config.center) cityCenter = [config.center[0], config.center[1]];
  cityName = config.city_name ?? "";
}

/** The city's name from its profile ("" before the config has loaded). */
export function city(): string {
  return cityName;
}

export interface RtccMap {
  map: L.Map;
  layers: L.Control.Layers;
  ready: Promise<void>;
}

/** A map in `container` with the base layers; `label` names it for screen readers. */
export function createMap(container: HTMLElement, label: string): RtccMap {
  container.classList.add("map");
  container.setAttribute("role", "region");
  container.setAttribute("aria-label", label);
  // no zoom animation: its end runs on a timer that fails once the screen (and its map) is gone
  const map = L.map(container, { center: cityCenter, zoom: 14, zoomControl: true, keyboard: true, zoomAnimation: false });
  map.attributionControl.setPrefix(false);
  const layers = L.control.layers(undefined, undefined, { collapsed: false }).addTo(map);
  let removed = false;
  map.on("unload", () => {
    removed = true;
  });
  const ready = (async () => {
    const cfg = await webConfig();
    if (removed) return;
    if (cfg.tile_url) {
      L.tileLayer(cfg.tile_url, { attribution: cfg.tile_attribution, maxZoom: cfg.tile_max_zoom }).addTo(map);
    }
    const doc = await basemap(cfg.basemap_url);
    if (!doc || removed) return;
    const vector = L.geoJSON(doc, {
      style: (f) => {
        const kind = f?.properties?.kind;
        if (kind === "boundary") return { color: "#3b5b7a", weight: 2, fillColor: "#e9eef2", fillOpacity: 0.35 };
        return { color: "#8a7f6a", weight: 4, opacity: 0.8 };
      },
      pointToLayer: (_f, latlng) =>
        L.circleMarker(latlng, { radius: 3, color: "#6b6354", weight: 1, fillColor: "#fff", fillOpacity: 1 }),
      onEachFeature: (f, layer) => {
        const name = f.properties?.name;
        if (name) layer.bindTooltip(String(name), { sticky: true });
      },
      interactive: true,
    }).addTo(map);
    vector.bringToBack();
    layers.addOverlay(vector, t("map.layer.basemap"));
    const boundary = doc.features.find((f) => f.properties?.kind === "boundary");
    if (boundary) {
      await whenSized(container); // a map made before its box is on the page has no size to fit into yet
      if (removed) return;
      map.invalidateSize();
      map.fitBounds(L.geoJSON(boundary).getBounds(), { padding: [10, 10] });
    }
    map.attributionControl.addAttribution(t("map.attribution", { city: cityName }));
  })();
  return { map, layers, ready };
}

/** Let the map measure its box once the page has laid it out (only while it is still on the page). */
export function settle(map: L.Map, box: HTMLElement): void {
  void whenSized(box).then(() => {
    if (box.isConnected) map.invalidateSize();
  });
}

/** Resolves once `el` is on the page with a non-zero size. */
export function whenSized(el: HTMLElement): Promise<void> {
  return new Promise((resolve) => {
    const sized = () => el.isConnected && el.clientWidth > 0 && el.clientHeight > 0;
    if (sized()) return resolve();
    const ro = new ResizeObserver(() => {
      if (!sized()) return;
      ro.disconnect();
      resolve();
    });
    ro.observe(el);
  });
}

/** Remove a map safely (no animation left running on a detached element). */
export function dispose(map: L.Map): void {
  map.stop();
  map.remove(); // fires "unload", which stops createMap's pending base-map work
}

/** A field-of-view cone (a polygon) from a camera at `lat,lon` looking at `bearing` degrees. */
export function viewCone(lat: number, lon: number, bearing: number, fov: number, rangeM: number): L.LatLngTuple[] {
  const pts: L.LatLngTuple[] = [[lat, lon]];
  const steps = 8;
  for (let i = 0; i <= steps; i++) {
    const b = ((bearing - fov / 2 + (fov * i) / steps) * Math.PI) / 180;
    const dLat = (rangeM * Math.cos(b)) / 111320;
    const dLon = (rangeM * Math.sin(b)) / (111320 * Math.cos((lat * Math.PI) / 180));
    pts.push([lat + dLat, lon + dLon]);
  }
  return pts;
}
