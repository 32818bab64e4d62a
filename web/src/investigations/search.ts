// Investigations: plate search (exact, wildcard, partial or similar plates, with an audited CSV export), vehicle
// track, stakeout drawn on the map, and the analysis modes of ./analysis.ts (common plates over scenes clicked on the
// map, co-travel). Every search carries a purpose and, where the purpose demands it, a case number; the server
// records it in the audit log (and refuses, audited, without them). Results show on the map and as a timeline.

import L from "leaflet";
import { ApiError, post } from "../core/api";
import { el, field, formatTime, input, select, table, type Child } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Life } from "../core/router";
import { createMap, dispose, settle } from "../map/basemap";
import { purposeFields, purposes } from "../governance/purposes";
import { localInput } from "../cameras/canvass";
import { can } from "../core/session";
import { newest } from "../core/newest";
import { commonForm, cotravelForm, type AnalysisContext, type TrackRequest } from "./analysis";

export const SEARCH_PATHS = {
  plates: "/api/v1/search/plates",
  history: "/api/v1/search/history",
  stakeout: "/api/v1/search/stakeout",
  export: "/api/v1/search/export",
};

interface ReadHit {
  id: string;
  plate: string;
  state: string | null;
  observed_at: string;
  camera_code: string | null;
  camera_name: string | null;
  lat: number | null;
  lon: number | null;
  confidence: number | null;
  vehicle_make: string | null;
  vehicle_model: string | null;
  vehicle_color: string | null;
  match: string;
}
interface PlateSearchResult {
  items: ReadHit[];
  next_cursor: string | null;
  matched_plates: string[];
  result_count: number;
}
interface HistoryResult {
  plate_norm: string;
  reads: ReadHit[];
  track: Array<{ observed_at: string; lat: number; lon: number; camera_code: string | null }>;
  stops: Array<{ kind: string; start: string; end: string; lat: number; lon: number; reads: number; duration_s: number }>;
  truncated: boolean;
  result_count: number;
}
interface StakeoutResult {
  plates: Array<{ plate: string; state: string | null; reads: number; first_seen: string; last_seen: string; camera_codes: string[] }>;
  total_plates: number;
  total_reads: number;
}

type Mode = "plates" | "track" | "stakeout" | "common" | "cotravel";
const MODES: Mode[] = ["plates", "track", "stakeout", "common", "cotravel"];

/** Save text as a file through a temporary link (the browser's download). */
function saveFile(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function iso(v: string): string | null {
  return v ? new Date(v).toISOString() : null;
}

/** A timeline: one mark per read along the time axis, and the same reads as a list (the accessible form). */
export function timeline(reads: ReadHit[]): HTMLElement {
  const box = el("figure", { class: "timeline" });
  if (!reads.length) return box;
  const times = reads.map((r) => new Date(r.observed_at).getTime());
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const span = Math.max(t1 - t0, 1);
  const axis = el("div", { class: "timeline-axis", "aria-hidden": "true" });
  reads.forEach((r, i) => {
    const mark = el("span", { class: "timeline-mark", title: `${r.plate} · ${r.camera_code ?? ""} · ${formatTime(r.observed_at, lang())}` });
    mark.style.left = `${(((times[i] - t0) / span) * 100).toFixed(2)}%`;
    axis.append(mark);
  });
  const list = el("ol", { class: "timeline-list" });
  for (const r of reads) {
    list.append(el("li", {}, el("time", { datetime: r.observed_at, text: formatTime(r.observed_at, lang()) }), ` — ${r.plate} · ${r.camera_name ?? r.camera_code ?? ""}`));
  }
  box.append(
    el("figcaption", { text: t("search.timeline", { from: formatTime(new Date(t0).toISOString(), lang()), to: formatTime(new Date(t1).toISOString(), lang()) }) }),
    axis,
    list,
  );
  return box;
}

/** The reads as a table; with `open`, each plate is a button that opens its track. */
function readsTable(reads: ReadHit[], open?: (plate: string) => void): HTMLTableElement {
  return table(
    t("search.results"),
    [t("search.time"), t("alerts.plate"), t("hotlists.region"), t("alerts.camera"), t("alerts.vehicle_seen"), t("alerts.confidence"), t("search.match")],
    reads.map((r): Child[] => [
      formatTime(r.observed_at, lang()),
      open
        ? el("button", { type: "button", class: "link plate", "aria-label": t("search.open_track", { plate: r.plate }), onclick: () => open(r.plate) }, r.plate)
        : el("span", { class: "plate", text: r.plate }),
      r.state ?? "",
      r.camera_name ?? r.camera_code ?? "",
      [r.vehicle_color, r.vehicle_make, r.vehicle_model].filter(Boolean).join(" "),
      r.confidence == null ? "" : `${Math.round(r.confidence)}%`,
      r.match,
    ]),
    { id: "search-results" },
  );
}

export async function searchView(root: HTMLElement, params: URLSearchParams, life: Life): Promise<void> {
  let mode: Mode = MODES.includes(params.get("mode") as Mode) ? (params.get("mode") as Mode) : "plates";
  root.append(el("h1", { text: t("search.title") }));
  const tabs = el("div", { class: "tabs", role: "group", "aria-label": t("search.modes") });
  const layout = el("div", { class: "split" });
  const mapBox = el("div", { id: "search-map" });
  const side = el("div", { class: "split-side" });
  layout.append(mapBox, side);
  root.append(tabs, layout);
  const { map, ready } = createMap(mapBox, t("search.map_label_modes"));
  life.onCleanup(() => dispose(map));
  const resultLayer = L.layerGroup().addTo(map);
  const drawLayer = L.layerGroup().addTo(map);
  let vertices: L.LatLng[] = [];
  const redrawShape = () => {
    drawLayer.clearLayers();
    for (const v of vertices) L.circleMarker(v, { radius: 4, color: "#5b2a86" }).addTo(drawLayer);
    if (vertices.length >= 2) L.polygon(vertices, { color: "#5b2a86", weight: 2, fillOpacity: 0.1 }).addTo(drawLayer);
  };
  let onSceneClick: ((at: L.LatLng) => void) | null = null;
  map.on("click", (ev: L.LeafletMouseEvent) => {
    if (mode === "common" && onSceneClick) onSceneClick(ev.latlng);
    if (mode !== "stakeout") return;
    vertices.push(ev.latlng);
    redrawShape();
    shapeStatus.textContent = t("search.vertices", { n: vertices.length });
  });
  const shapeStatus = el("p", { role: "status" });

  const render = (preset?: TrackRequest) => {
    tabs.replaceChildren(
      ...MODES.map((m) =>
        el(
          "button",
          {
            type: "button",
            "aria-pressed": String(m === mode),
            onclick: () => {
              mode = m;
              vertices = [];
              redrawShape();
              resultLayer.clearLayers();
              render();
            },
          },
          t(`search.mode.${m}` as never),
        ),
      ),
    );
    onSceneClick = null;
    side.replaceChildren(formFor(mode, preset));
  };
  /** Switch to the track of a plate found by another mode, under the same purpose and case, and run it. */
  const openTrack = (req: TrackRequest) => {
    mode = "track";
    vertices = [];
    redrawShape();
    resultLayer.clearLayers();
    render(req);
  };

  const error = el("p", { class: "error", role: "alert" });
  const out = el("div", { class: "results", "aria-live": "polite" });
  const fail = (err: unknown) => {
    error.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
  };
  // One turn for every query of the screen, whatever its mode: a slow broad search answered after a newer one (or
  // after a switch of mode) must not put reads the analyst did not ask for this time on the page or the map.
  const turn = newest(life);
  const now = new Date();
  const range = () => {
    const start = input({ name: "start", type: "datetime-local", value: localInput(new Date(now.getTime() - 7 * 86400e3)) });
    const end = input({ name: "end", type: "datetime-local", value: localInput(new Date(now.getTime() + 3600e3)) });
    return { start, end, nodes: [field(t("search.from"), start), field(t("search.to"), end)] };
  };

  const plotReads = (reads: ReadHit[]) => {
    resultLayer.clearLayers();
    const pts: L.LatLngTuple[] = [];
    for (const r of reads) {
      if (r.lat == null || r.lon == null) continue;
      pts.push([r.lat, r.lon]);
      L.circleMarker([r.lat, r.lon], { radius: 6, color: "#b00020", fillOpacity: 0.7 })
        .bindTooltip(`${r.plate} · ${formatTime(r.observed_at, lang())}`)
        .addTo(resultLayer);
    }
    if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.3), { maxZoom: 16 });
  };

  function formFor(m: Mode, preset?: TrackRequest): HTMLElement {
    turn(); // a query still in flight belongs to the mode being left
    error.textContent = "";
    out.replaceChildren();
    if (m === "common" || m === "cotravel") {
      const ctx: AnalysisContext = { map, resultLayer, drawLayer, error, out, turn, fail, openTrack, range };
      if (m === "cotravel") return cotravelForm(ctx);
      const common = commonForm(ctx);
      onSceneClick = common.onMapClick;
      return common.node;
    }
    const p = purposeFields({ bounds: true });
    if (m === "plates") {
      const plate = input({ name: "plate", required: true, maxlength: 24, id: "search-plate" });
      const kind = select(
        "mode",
        [
          ["auto", t("search.kind.auto")],
          ["exact", t("search.kind.exact")],
          ["wildcard", t("search.kind.wildcard")],
          ["partial", t("search.kind.partial")],
          ["similar", t("search.kind.similar")],
        ],
        "auto",
      );
      const state = input({ name: "state", maxlength: 8 });
      const r = range();
      const form = el(
        "form",
        { class: "card", "aria-label": t("search.mode.plates") },
        field(t("search.plate"), plate, t("search.plate_hint")),
        field(t("search.kind"), kind),
        field(t("hotlists.region"), state),
        ...r.nodes,
        ...p.nodes,
        el("button", { type: "submit", class: "primary" }, t("search.run")),
        error,
      );
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        error.textContent = "";
        const current = turn();
        try {
          const query = {
            plate: plate.value.trim(),
            mode: kind.value,
            state: state.value.trim() || null,
            start: iso(r.start.value),
            end: iso(r.end.value),
            ...p.value(),
          };
          const res = await post<PlateSearchResult>(SEARCH_PATHS.plates, query);
          if (!current()) return;
          plotReads(res.items);
          out.replaceChildren(
            el("p", { text: t("search.found", { n: res.result_count, plates: res.matched_plates.join(", ") || "—" }) }),
            ...(can("reads:export") && res.result_count > 0 ? [exportBox(query)] : []),
            timeline(res.items),
            readsTable(res.items, (x) =>
              openTrack({
                plate: x,
                purpose: String(query.purpose),
                case_number: query.case_number,
                start: r.start.value ? new Date(r.start.value) : undefined,
                end: r.end.value ? new Date(r.end.value) : undefined,
              }),
            ),
          );
        } catch (err) {
          if (current()) fail(err);
        }
      });
      return el("div", {}, form, out);
    }
    if (m === "track") {
      const plate = input({ name: "plate", required: true, maxlength: 24, value: preset?.plate ?? "" });
      const r = range();
      if (preset?.start) r.start.value = localInput(preset.start);
      if (preset?.end) r.end.value = localInput(preset.end);
      const form = el(
        "form",
        { class: "card", "aria-label": t("search.mode.track") },
        field(t("search.plate"), plate),
        ...r.nodes,
        ...p.nodes,
        el("button", { type: "submit", class: "primary" }, t("search.run")),
        error,
      );
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        error.textContent = "";
        const current = turn();
        try {
          const res = await post<HistoryResult>(SEARCH_PATHS.history, {
            plate: plate.value.trim(),
            start: iso(r.start.value),
            end: iso(r.end.value),
            ...p.value(),
          });
          if (!current()) return;
          plotReads(res.reads);
          if (res.track.length >= 2) {
            L.polyline(res.track.map((x) => [x.lat, x.lon] as L.LatLngTuple), { color: "#0b5cad", weight: 3 }).addTo(resultLayer);
          }
          for (const s of res.stops) {
            if (s.kind === "dwell") L.circle([s.lat, s.lon], { radius: 120, color: "#e65100" }).bindTooltip(t("search.stop", { min: Math.round(s.duration_s / 60) })).addTo(resultLayer);
          }
          out.replaceChildren(
            el("p", { text: t("search.track_found", { n: res.result_count, stops: res.stops.filter((s) => s.kind === "dwell").length }) }),
            timeline(res.reads),
            readsTable(res.reads),
          );
        } catch (err) {
          if (current()) fail(err);
        }
      });
      if (preset) {
        // the purpose list fills asynchronously: choose the preset's purpose once it is there, then run the track
        void purposes().then(() => {
          const purpose = form.querySelector<HTMLSelectElement>("select[name=purpose]");
          const caseNo = form.querySelector<HTMLInputElement>("input[name=case_number]");
          if (!life.alive || !purpose || !caseNo) return;
          purpose.value = preset.purpose;
          caseNo.value = preset.case_number ?? "";
          if (purpose.value === preset.purpose && preset.purpose) form.requestSubmit();
        });
      }
      return el("div", {}, form, out);
    }
    const r = range();
    r.start.value = localInput(new Date(now.getTime() - 3600e3));
    r.end.value = localInput(now);
    const clear = el("button", { type: "button", onclick: () => { vertices = []; redrawShape(); shapeStatus.textContent = t("search.vertices", { n: 0 }); } }, t("search.clear_shape"));
    const form = el(
      "form",
      { class: "card", "aria-label": t("search.mode.stakeout") },
      el("p", { class: "hint", text: t("search.draw_hint") }),
      shapeStatus,
      clear,
      ...r.nodes,
      ...p.nodes,
      el("button", { type: "submit", class: "primary" }, t("search.run")),
      error,
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      error.textContent = "";
      if (vertices.length < 3) {
        error.textContent = t("search.need_shape");
        return;
      }
      const current = turn();
      try {
        const res = await post<StakeoutResult>(SEARCH_PATHS.stakeout, {
          area: { polygon: vertices.map((v) => [v.lng, v.lat]) },
          start: iso(r.start.value),
          end: iso(r.end.value),
          ...p.value(),
        });
        if (!current()) return;
        out.replaceChildren(
          el("p", { text: t("search.stakeout_found", { plates: res.total_plates, reads: res.total_reads }) }),
          table(
            t("search.results"),
            [t("alerts.plate"), t("hotlists.region"), t("search.reads"), t("search.first"), t("search.last"), t("search.cameras")],
            res.plates.map((x) => [el("span", { class: "plate", text: x.plate }), x.state ?? "", String(x.reads), formatTime(x.first_seen, lang()), formatTime(x.last_seen, lang()), x.camera_codes.join(", ")]),
            { id: "search-results" },
          ),
        );
      } catch (err) {
        if (current()) fail(err);
      }
    });
    return el("div", {}, form, out);
  }

  /** The CSV export of the current plate search, under its purpose and case (the server audits it). */
  function exportBox(query: Record<string, unknown>): HTMLElement {
    const status = el("p", { role: "status", class: "ok" });
    const problem = el("p", { role: "alert", class: "error" });
    const run = el(
      "button",
      {
        type: "button",
        id: "search-export",
        onclick: async () => {
          status.textContent = "";
          problem.textContent = "";
          run.disabled = true;
          try {
            const csv = await post<string>(SEARCH_PATHS.export, query);
            const text = typeof csv === "string" ? csv : "";
            const rows = Math.max(text.split(/\r?\n/).filter((line) => line.trim()).length - 1, 0);
            const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
            saveFile(text, `alpr-search-${stamp}.csv`, "text/csv");
            status.textContent = t("search.export_done", { n: rows });
          } catch (err) {
            problem.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
          } finally {
            run.disabled = false;
          }
        },
      },
      t("search.export"),
    );
    return el("div", { class: "export-box" }, run, el("small", { class: "hint", text: t("search.export_note") }), status, problem);
  }

  render();
  await ready;
  if (life.alive) settle(map, mapBox);
}
