// Investigations: common plates (plates seen near several scenes, each a point and a moment, clicked on the map) and
// co-travel (plates seen close in time to a target plate at several distinct cameras). Both carry a purpose and,
// where the purpose demands it, a case number; a plate in the results opens its track with the same purpose.

import L from "leaflet";
import { post } from "../core/api";
import { el, field, formatTime, input, nextId, table, type Child } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Current } from "../core/newest";
import { purposeFields } from "../governance/purposes";
import { localInput } from "../cameras/canvass";

export const ANALYSIS_PATHS = {
  common: "/api/v1/search/common",
  cotravel: "/api/v1/search/cotravel",
};

export interface PurposeValue {
  purpose: string;
  case_number: string | null;
}

/** What opens a plate's track: the plate, the purpose it was found under and the time range to show. */
export interface TrackRequest extends PurposeValue {
  plate: string;
  start?: Date;
  end?: Date;
}

/** What the Search screen lends a mode: its map layers, message areas and the way to open a track. */
export interface AnalysisContext {
  map: L.Map;
  resultLayer: L.LayerGroup;
  drawLayer: L.LayerGroup;
  error: HTMLElement;
  out: HTMLElement;
  /** Starts a query's turn; its check turns false once a newer query (of any mode) starts or the screen is left. */
  turn: () => Current;
  fail: (err: unknown) => void;
  openTrack: (req: TrackRequest) => void;
  range: () => { start: HTMLInputElement; end: HTMLInputElement; nodes: HTMLElement[] };
}

interface CommonHit {
  place: number;
  read_id: string;
  observed_at: string;
  lat: number | null;
  lon: number | null;
  camera_code: string | null;
}
interface CommonResult {
  plates: Array<{ plate_norm: string; plate: string; places: number[]; place_count: number; reads: number; hits?: CommonHit[] }>;
  places_searched: number;
  result_count: number;
}
interface CoTravelResult {
  plate_norm: string;
  target_reads: number;
  plates: Array<{
    plate_norm: string;
    plate: string;
    camera_codes: string[];
    camera_count: number;
    passes: number;
    min_gap_s: number;
    evidence?: Array<{ camera_code: string; target_at: string; observed_at: string; gap_s: number }>;
  }>;
  result_count: number;
}

interface Scene {
  lat: HTMLInputElement;
  lon: HTMLInputElement;
  at: HTMLInputElement;
}

const SCENE_COLOR = "#5b2a86";
const HIT_COLORS = ["#b00020", "#0b5cad", "#1b5e20", "#e65100", "#4a148c"];

function iso(v: string): string | null {
  return v ? new Date(v).toISOString() : null;
}

function num(v: string): number | null {
  const n = Number(v.trim().replace(",", "."));
  return v.trim() && Number.isFinite(n) ? n : null;
}

/** A plate shown as a button that opens its track. */
function plateButton(plate: string, open: () => void): HTMLButtonElement {
  return el("button", { type: "button", class: "link plate", "aria-label": t("search.open_track", { plate }), onclick: open }, plate);
}

/** The common-plates form: scenes added by clicking the map (or at the map centre), each editable and removable. */
export function commonForm(ctx: AnalysisContext): { node: HTMLElement; onMapClick: (at: L.LatLng) => void } {
  const p = purposeFields({ bounds: true });
  const scenes: Scene[] = [];
  const list = el("ol", { class: "scene-list", id: "common-scenes" });
  const status = el("p", { role: "status", id: "common-scene-status" });
  const radius = input({ name: "radius_m", type: "number", min: 10, max: 5000, step: 10, value: 300, required: true, id: "common-radius" });
  const windowMin = input({ name: "window_min", type: "number", min: 1, max: 720, step: 1, value: 30, required: true, id: "common-window" });
  const minPlaces = input({ name: "min_places", type: "number", min: 1, max: 20, step: 1, value: 2, required: true, id: "common-min" });

  const redraw = () => {
    ctx.drawLayer.clearLayers();
    const r = num(radius.value) ?? 300;
    scenes.forEach((s, i) => {
      const lat = num(s.lat.value);
      const lon = num(s.lon.value);
      if (lat == null || lon == null) return;
      L.circle([lat, lon], { radius: r, color: SCENE_COLOR, weight: 2, fillOpacity: 0.08 })
        .bindTooltip(t("search.scene", { n: i + 1 }), { permanent: true, direction: "top", className: "scene-label" })
        .addTo(ctx.drawLayer);
    });
  };

  const renderList = () => {
    list.replaceChildren(
      ...scenes.map((s, i) => {
        const remove = el(
          "button",
          {
            type: "button",
            "aria-label": t("search.scene_remove_n", { n: i + 1 }),
            onclick: () => {
              scenes.splice(i, 1);
              renderList();
              redraw();
              status.textContent = t("search.scene_removed", { n: i + 1, total: scenes.length });
            },
          },
          t("search.scene_remove"),
        );
        return el(
          "li",
          { class: "scene" },
          el(
            "fieldset",
            {},
            el("legend", { text: t("search.scene", { n: i + 1 }) }),
            field(t("search.lat"), s.lat),
            field(t("search.lon"), s.lon),
            field(t("search.scene_time"), s.at),
            remove,
          ),
        );
      }),
    );
  };

  const addScene = (at: L.LatLng) => {
    if (scenes.length >= 20) {
      status.textContent = t("search.scene_max");
      return;
    }
    const lat = input({ name: "lat", inputmode: "decimal", required: true, value: at.lat.toFixed(6) });
    const lon = input({ name: "lon", inputmode: "decimal", required: true, value: at.lng.toFixed(6) });
    const when = input({ name: "at", type: "datetime-local", required: true, value: localInput(new Date()) });
    for (const c of [lat, lon]) c.addEventListener("input", redraw);
    scenes.push({ lat, lon, at: when });
    renderList();
    redraw();
    status.textContent = t("search.scene_added", { n: scenes.length });
  };
  radius.addEventListener("input", redraw);

  const addAtCentre = el("button", { type: "button", onclick: () => addScene(ctx.map.getCenter()) }, t("search.scene_add_centre"));
  const form = el(
    "form",
    { class: "card", "aria-label": t("search.mode.common") },
    el("p", { class: "hint", text: t("search.common_hint") }),
    status,
    list,
    addAtCentre,
    field(t("search.radius"), radius),
    field(t("search.window"), windowMin, t("search.window_hint")),
    field(t("search.min_scenes"), minPlaces),
    ...p.nodes,
    el("button", { type: "submit", class: "primary" }, t("search.run")),
    ctx.error,
  );

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    ctx.error.textContent = "";
    if (scenes.length < 2) {
      ctx.error.textContent = t("search.need_scenes");
      return;
    }
    const places = [];
    for (const [i, s] of scenes.entries()) {
      const lat = num(s.lat.value);
      const lon = num(s.lon.value);
      if (lat == null || lon == null || lat < -90 || lat > 90 || lon < -180 || lon > 180 || !s.at.value) {
        ctx.error.textContent = t("search.scene_invalid", { n: i + 1 });
        return;
      }
      places.push({
        lat,
        lon,
        radius_m: num(radius.value) ?? 300,
        at: iso(s.at.value),
        window_s: (num(windowMin.value) ?? 30) * 60,
        label: t("search.scene", { n: i + 1 }),
      });
    }
    const purpose = p.value();
    const sceneTimes = scenes.map((s) => new Date(s.at.value).getTime());
    const current = ctx.turn();
    try {
      const res = await post<CommonResult>(ANALYSIS_PATHS.common, { places, min_places: num(minPlaces.value) ?? 2, ...purpose });
      if (!current()) return;
      const track = (plate: string) =>
        ctx.openTrack({
          plate,
          ...purpose,
          start: new Date(Math.min(...sceneTimes) - 86400e3),
          end: new Date(Math.max(...sceneTimes) + 86400e3),
        });
      plotHits(ctx, res);
      ctx.out.replaceChildren(
        el("p", { text: t("search.common_found", { n: res.result_count, scenes: res.places_searched }) }),
        table(
          t("search.results"),
          [t("search.rank"), t("alerts.plate"), t("search.scenes_matched"), t("search.which_scenes"), t("search.reads")],
          res.plates.map((x, i): Child[] => [
            String(i + 1),
            plateButton(x.plate, () => track(x.plate)),
            t("search.n_of_m", { n: x.place_count, m: res.places_searched }),
            x.places.map((n) => t("search.scene", { n: n + 1 })).join(", "),
            String(x.reads),
          ]),
          { id: "common-results" },
        ),
      );
    } catch (err) {
      if (current()) ctx.fail(err);
    }
  });
  return { node: el("div", {}, form, ctx.out), onMapClick: addScene };
}

/** The matched reads of each common plate on the map, one colour per plate (the top five), with the scenes. */
function plotHits(ctx: AnalysisContext, res: CommonResult): void {
  ctx.resultLayer.clearLayers();
  const pts: L.LatLngTuple[] = [];
  res.plates.forEach((x, i) => {
    const color = HIT_COLORS[Math.min(i, HIT_COLORS.length - 1)];
    for (const h of x.hits ?? []) {
      if (h.lat == null || h.lon == null) continue;
      pts.push([h.lat, h.lon]);
      L.circleMarker([h.lat, h.lon], { radius: i === 0 ? 8 : 6, color, fillOpacity: 0.7, className: "common-hit" })
        .bindTooltip(`${x.plate} · ${t("search.scene", { n: h.place + 1 })} · ${h.camera_code ?? ""} · ${formatTime(h.observed_at, lang())}`)
        .addTo(ctx.resultLayer);
    }
  });
  ctx.drawLayer.eachLayer((layer) => {
    if (layer instanceof L.Circle) {
      const c = layer.getLatLng();
      pts.push([c.lat, c.lng]);
    }
  });
  if (pts.length) ctx.map.fitBounds(L.latLngBounds(pts).pad(0.3), { maxZoom: 16 });
}

function signed(seconds: number): string {
  const s = Math.round(seconds);
  return s > 0 ? `+${s}` : String(s);
}

/** The co-travel form: a target plate, the interval, the time range and the minimum of distinct cameras. */
export function cotravelForm(ctx: AnalysisContext): HTMLElement {
  const p = purposeFields({ bounds: true });
  const plate = input({ name: "plate", required: true, maxlength: 24, minlength: 2, id: "cotravel-plate" });
  const interval = input({ name: "window_s", type: "number", min: 1, max: 900, step: 1, value: 60, required: true, id: "cotravel-window" });
  const minCameras = input({ name: "min_cameras", type: "number", min: 1, max: 50, step: 1, value: 2, required: true, id: "cotravel-min" });
  const r = ctx.range();
  const form = el(
    "form",
    { class: "card", "aria-label": t("search.mode.cotravel") },
    el("p", { class: "hint", text: t("search.cotravel_hint") }),
    field(t("search.target_plate"), plate),
    field(t("search.interval"), interval, t("search.interval_hint")),
    ...r.nodes,
    field(t("search.min_cameras"), minCameras),
    ...p.nodes,
    el("button", { type: "submit", class: "primary" }, t("search.run")),
    ctx.error,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    ctx.error.textContent = "";
    const purpose = p.value();
    const current = ctx.turn();
    try {
      const res = await post<CoTravelResult>(ANALYSIS_PATHS.cotravel, {
        plate: plate.value.trim(),
        window_s: num(interval.value) ?? 60,
        min_cameras: num(minCameras.value) ?? 2,
        start: iso(r.start.value),
        end: iso(r.end.value),
        ...purpose,
      });
      if (!current()) return;
      ctx.resultLayer.clearLayers();
      const track = (x: string) =>
        ctx.openTrack({
          plate: x,
          ...purpose,
          start: r.start.value ? new Date(r.start.value) : undefined,
          end: r.end.value ? new Date(r.end.value) : undefined,
        });
      ctx.out.replaceChildren(
        el("p", { text: t("search.cotravel_found", { plate: res.plate_norm, reads: res.target_reads, n: res.result_count }) }),
        el("p", {}, plateButton(res.plate_norm, () => track(res.plate_norm)), " ", t("search.cotravel_target")),
        table(
          t("search.results"),
          [t("search.rank"), t("alerts.plate"), t("search.distinct_cameras"), t("search.passes"), t("search.closest_gap"), t("search.evidence")],
          res.plates.map((x, i): Child[] => {
            const evidenceId = nextId("evidence");
            return [
              String(i + 1),
              plateButton(x.plate, () => track(x.plate)),
              `${x.camera_count} (${x.camera_codes.join(", ")})`,
              String(x.passes),
              t("search.seconds", { n: Math.round(x.min_gap_s) }),
              el(
                "ul",
                { class: "evidence", id: evidenceId, "aria-label": t("search.evidence_of", { plate: x.plate }) },
                ...(x.evidence ?? []).map((e) =>
                  el(
                    "li",
                    {},
                    `${e.camera_code} · `,
                    el("time", { datetime: e.observed_at, text: formatTime(e.observed_at, lang()) }),
                    ` (${t("search.gap", { s: signed(e.gap_s) })})`,
                  ),
                ),
              ),
            ];
          }),
          { id: "cotravel-results" },
        ),
      );
    } catch (err) {
      if (current()) ctx.fail(err);
    }
  });
  return el("div", {}, form, ctx.out);
}
