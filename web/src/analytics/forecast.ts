// The analytics screen (/app/analytics, analytics:read): this week's hotspot forecast per category on the map, with
// the measured accuracy of its rolling-origin backtest beside it (PAI, PEI, hit rate at 0.25 and 0.75 sq mi, every
// model including the naive baselines, the number of incidents), the model in use named; an analyst's "recompute now"
// (analytics:run); and the placement panel proposing the next ALPR camera and drone dock with the coverage gained.
// Forecasts are read as stored by the server's job: nothing waits for a model unless the analyst asks.

import L from "leaflet";
import { get, post, qs } from "../core/api";
import { el, formatTime } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { navigate, type Life } from "../core/router";
import * as session from "../core/session";
import { divisionPicker } from "../core/divisions";
import { createMap, dispose } from "../map/basemap";

interface Score {
  model: string;
  area_sq_mi: number;
  mean_pai: number | null;
  mean_pei: number | null;
  mean_hit_rate: number | null;
  incidents: number;
  hits: number;
}
interface Cell {
  cell: number;
  rank: number;
  expected: number;
  ring: Array<[number, number]>;
}
interface Forecast {
  id: string;
  category: string;
  horizon_days: number;
  cell_ft: number;
  origin: string;
  computed_at: string;
  computed_by: string;
  status: string;
  model: string | null;
  events: number;
  note: string | null;
  areas: Array<{ sq_mi: number; cells: Cell[] }>;
  backtest_origins: string[];
  scores: Score[];
}
interface Site {
  label: string;
  lat: number;
  lon: number;
  gain: number;
}
interface Placement {
  kind: string;
  demand_weight: number;
  covered_before: number;
  covered_after: number;
  proposed: Site[];
  existing: Site[];
  lscp_sites: number | null;
  status: string;
  gap: number;
  note: string | null;
}

const BASELINES = new Set(["naive_last", "naive_all"]);
const fmt = (v: number | null, d = 2): string => (v === null || v === undefined ? "–" : v.toFixed(d));
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
export const catLabel = (c: string): string => t(`an.cat.${c}` as Key);

function backtestTable(f: Forecast, area: number): HTMLElement {
  const table = el("table", { class: "data", id: "backtest" });
  const head = el("tr", {});
  for (const k of ["an.col.model", "an.col.area", "an.col.pai", "an.col.pei", "an.col.hit", "an.col.incidents"] as Key[]) head.append(el("th", { scope: "col", text: t(k) }));
  table.append(el("caption", { text: t("an.backtest", { n: f.backtest_origins.length }) }), el("thead", {}, head));
  const body = el("tbody", {});
  for (const s of f.scores.filter((x) => Math.abs(x.area_sq_mi - area) < 1e-6)) {
    const tag = s.model === f.model ? ` (${t("an.winner")})` : BASELINES.has(s.model) ? ` (${t("an.baseline")})` : "";
    const tr = el("tr", { "data-model": s.model, class: s.model === f.model ? "winner" : "" });
    tr.append(
      el("th", { scope: "row", text: s.model + tag }),
      el("td", { text: String(s.area_sq_mi) }),
      el("td", { text: fmt(s.mean_pai) }),
      el("td", { text: fmt(s.mean_pei) }),
      el("td", { text: s.mean_hit_rate === null ? "–" : pct(s.mean_hit_rate) }),
      el("td", { text: String(s.incidents) }),
    );
    body.append(tr);
  }
  table.append(body);
  return table;
}

function placementPanel(division: string | null): HTMLElement {
  const box = el("section", { class: "card", id: "placement", "aria-labelledby": "place-h" }, el("h2", { id: "place-h", text: t("an.place.title") }));
  const out = el("div", { "aria-live": "polite" });
  const docks = el("input", { id: "docks", type: "text", inputmode: "decimal", placeholder: "33.86,-118.06" }) as HTMLInputElement;
  const speed = el("input", { id: "speed", type: "number", min: "1", max: "100", value: "20" }) as HTMLInputElement;
  const secs = el("input", { id: "seconds", type: "number", min: "10", max: "1800", value: "90" }) as HTMLInputElement;
  const show = (title: string, p: Placement): HTMLElement => {
    const part = el("div", { class: `placement-${p.kind}` }, el("h3", { text: title }));
    const ul = el("ul", { class: "plain" });
    for (const s of p.proposed) ul.append(el("li", { class: "proposed", text: t("an.place.site", { label: s.label, gain: s.gain }) }));
    part.append(
      ul,
      el("p", {
        text: t("an.place.cover", {
          before: pct(p.covered_before),
          after: pct(p.covered_after),
          weight: p.demand_weight,
          status: p.gap > 0 ? `${p.status}, gap ${pct(p.gap)}` : p.status,
          lscp: p.lscp_sites ?? "–",
        }),
      }),
    );
    if (p.lscp_sites === null) part.lastElementChild!.textContent = t("an.place.cover_only", { before: pct(p.covered_before), after: pct(p.covered_after), weight: p.demand_weight, status: p.gap > 0 ? `${p.status}, gap ${pct(p.gap)}` : p.status });
    if (p.note) part.append(el("p", { class: "hint", text: t("an.place.note", { note: p.note }) }));
    return part;
  };
  const run = async (): Promise<void> => {
    out.replaceChildren(el("p", { text: t("an.refreshing") }));
    try {
      const [a, d, r] = await Promise.all([
        get<Placement>(`/api/v1/analytics/placement/alpr${qs({ division })}`),
        get<Placement>(`/api/v1/analytics/placement/docks${qs({ docks: docks.value.trim() || null, speed_mps: speed.value, seconds: secs.value, division })}`),
        get<Placement>(`/api/v1/analytics/placement/rebates${qs({ count: 3, division })}`).catch(() => null),
      ]);
      out.replaceChildren(show(t("an.place.alpr"), a), show(t("an.place.dock"), d));
      if (r) out.append(show(t("an.place.rebate"), r));
    } catch (e) {
      out.replaceChildren(el("p", { class: "error", role: "alert", text: String((e as Error).message) }));
    }
  };
  box.append(
    el("div", { class: "row" },
      el("label", {}, t("an.place.docks"), docks),
      el("label", {}, t("an.place.speed"), speed),
      el("label", {}, t("an.place.seconds"), secs),
      el("button", { type: "button", id: "propose", onclick: () => void run() }, t("an.place.compute")),
    ),
    out,
  );
  return box;
}

export async function analyticsView(root: HTMLElement, params: URLSearchParams, life: Life): Promise<void> {
  root.append(el("h1", { text: t("an.title") }), el("p", { class: "lead", text: t("an.lead") }));
  const horizon = Number(params.get("horizon") ?? 7);
  // an RTCC-wide user may pick a division (?division=): its own forecasts and placement over it
  const division = params.get("division") || null;
  const list = (): Promise<Forecast[]> => get<Forecast[]>(`/api/v1/analytics/forecasts${qs({ horizon_days: horizon, division })}`);
  let items = await list();
  const catSel = el("select", { id: "category" }) as HTMLSelectElement;
  const areaSel = el("select", { id: "area" }) as HTMLSelectElement;
  const horizonSel = el("select", { id: "horizon" }) as HTMLSelectElement;
  for (const d of [7, 14, 28, 56, 91]) horizonSel.append(el("option", { value: String(d), text: t("an.days", { n: d }), selected: d === horizon }));
  horizonSel.addEventListener("change", () => navigate(`/app/analytics${qs({ horizon: horizonSel.value, division })}`));
  for (const a of [0.25, 0.75]) areaSel.append(el("option", { value: String(a), text: `${a} sq mi` }));
  const controls = el("div", { class: "row" },
    el("label", {}, t("an.category"), catSel),
    el("label", {}, t("an.area"), areaSel),
    el("label", {}, t("an.horizon"), horizonSel),
  );
  const pick = await divisionPicker(division);
  if (pick) {
    pick.select.addEventListener("change", () => navigate(`/app/analytics${qs({ horizon, division: pick.select.value })}`));
    controls.append(pick.field);
  }
  if (session.can("analytics:run")) {
    const btn = el("button", { type: "button", id: "refresh" }, t("an.refresh")) as HTMLButtonElement;
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      btn.textContent = t("an.refreshing");
      try {
        items = await post<Forecast[]>(`/api/v1/analytics/forecasts/refresh${qs({ division })}`, { horizon_days: horizon, categories: catSel.value ? [catSel.value] : null }).then(list);
        fill();
        draw();
      } finally {
        btn.disabled = false;
        btn.textContent = t("an.refresh");
      }
    });
    controls.append(btn);
  }
  const side = el("div", { class: "forecast-side", id: "forecast-side", "aria-live": "polite" });
  const mapBox = el("div", { id: "forecast-map" });
  root.append(controls, el("div", { class: "two" }, mapBox, side), placementPanel(division));
  const m = createMap(mapBox, t("an.map"));
  life.onCleanup(() => dispose(m.map));
  const layer = L.layerGroup().addTo(m.map);
  const fill = (): void => {
    const keep = catSel.value;
    catSel.replaceChildren(...items.map((f) => el("option", { value: f.category, text: catLabel(f.category), selected: f.category === keep })));
  };
  const draw = (): void => {
    layer.clearLayers();
    const f = items.find((x) => x.category === catSel.value) ?? items[0];
    if (!f) {
      side.replaceChildren(el("p", { id: "no-forecast", text: t("an.none") }));
      return;
    }
    const area = Number(areaSel.value);
    const head = el("div", {},
      el("h2", { text: catLabel(f.category) }),
      el("p", { class: "meta", text: t("an.meta", { origin: formatTime(f.origin, lang()), cell: f.cell_ft, events: f.events, at: formatTime(f.computed_at, lang()), by: f.computed_by }) }),
    );
    if (f.status !== "ok") {
      side.replaceChildren(head, el("p", { id: "model-used", text: t("an.insufficient", { note: f.note ?? "" }) }));
      return;
    }
    side.replaceChildren(head, el("p", { id: "model-used", class: "model", text: t("an.model", { model: f.model ?? "" }) }), backtestTable(f, area));
    const cells = f.areas.find((a) => Math.abs(a.sq_mi - area) < 1e-6)?.cells ?? [];
    for (const c of cells) {
      L.polygon(c.ring.map(([lon, lat]) => [lat, lon] as L.LatLngTuple), { color: "#b3261e", weight: 1, fillOpacity: 0.35, className: "flagged-cell" })
        .bindTooltip(t("an.cell", { rank: c.rank, expected: c.expected.toFixed(2) }))
        .addTo(layer);
    }
  };
  fill();
  catSel.addEventListener("change", draw);
  areaSel.addEventListener("change", draw);
  await m.ready;
  draw();
}
