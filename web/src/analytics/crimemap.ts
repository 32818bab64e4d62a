// The public crime map (/portal/crime, no sign-in; linked from the portal's navigation): recent crimes by category at
// masked locations (the server moves each to the centre of its square and shows the hundred block; the rule is printed
// here), a list, and weekly counts per neighborhood (or reporting district). Made for phones: one column, the map first.

import L from "leaflet";
import { get, qs } from "../core/api";
import { el } from "../core/dom";
import { t } from "../core/i18n";
import type { Life } from "../core/router";
import { city, createMap, dispose } from "../map/basemap";
import { catLabel } from "./forecast";

interface Incident {
  category: string;
  day: string;
  block: string | null;
  lat: number;
  lon: number;
  neighborhood: string | null;
}
interface CrimeMap {
  city: string;
  since: string;
  until: string;
  categories: string[];
  mask_cell_m: number;
  area_kind: string;
  incidents: Incident[];
  areas: Array<{ code: string; name: string; weeks: Array<{ week: string; counts: Record<string, number> }> }>;
}

const COLORS = ["#b3261e", "#6a1b9a", "#1565c0", "#2e7d32", "#ef6c00", "#00838f", "#5d4037"];

export async function crimeMapPage(root: HTMLElement, life: Life): Promise<void> {
  const days = 28;
  const data = await get<CrimeMap>(`/api/v1/public/crime-map${qs({ days })}`);
  const color = (c: string): string => COLORS[Math.max(0, data.categories.indexOf(c)) % COLORS.length];
  const filter = el("select", { id: "crime-filter" }, el("option", { value: "", text: t("crime.all") })) as HTMLSelectElement;
  for (const c of data.categories) filter.append(el("option", { value: c, text: catLabel(c) }));
  root.append(
    el("h1", { text: t("crime.title", { city: city() || data.city }) }),
    el("p", { class: "lead", text: t("crime.lead", { days }) }),
    el("p", { class: "card", id: "mask-rule", text: t("crime.rule", { m: data.mask_cell_m }) }),
    el("label", {}, t("crime.filter"), " ", filter),
  );
  const mapBox = el("div", { id: "crime-map" });
  const list = el("ul", { class: "plain", id: "crime-list" });
  root.append(mapBox, el("h2", { text: t("crime.list") }), list);
  const m = createMap(mapBox, t("crime.map"));
  life.onCleanup(() => dispose(m.map));
  const layer = L.layerGroup().addTo(m.map);
  const draw = (): void => {
    layer.clearLayers();
    list.replaceChildren();
    const shown = data.incidents.filter((i) => !filter.value || i.category === filter.value);
    if (!shown.length) list.append(el("li", { text: t("crime.none") }));
    for (const i of shown) {
      const text = `${i.day} · ${catLabel(i.category)}${i.block ? ` · ${i.block}` : ""}${i.neighborhood ? ` · ${i.neighborhood}` : ""}`;
      L.circleMarker([i.lat, i.lon], { radius: 6, color: color(i.category), fillOpacity: 0.6, className: "crime-dot" }).bindTooltip(text).addTo(layer);
    }
    for (const i of shown.slice(0, 50)) {
      list.append(el("li", { class: "crime-item" }, el("span", { class: "dot", style: `background:${color(i.category)}` }), ` ${i.day} · ${catLabel(i.category)}${i.block ? ` · ${i.block}` : ""}`));
    }
  };
  filter.addEventListener("change", draw);
  // weekly counts per area
  const weekly = el("section", { id: "crime-weekly" }, el("h2", { text: t(data.area_kind === "neighborhood" ? "crime.weekly" : "crime.weekly_district") }));
  for (const a of data.areas) {
    const table = el("table", { class: "data" }, el("caption", { text: a.name }));
    const head = el("tr", {}, el("th", { scope: "col", text: t("crime.week") }));
    for (const c of data.categories) head.append(el("th", { scope: "col", text: catLabel(c) }));
    const body = el("tbody", {});
    for (const w of a.weeks) {
      const tr = el("tr", {}, el("th", { scope: "row", text: w.week }));
      for (const c of data.categories) tr.append(el("td", { text: String(w.counts[c] ?? 0) }));
      body.append(tr);
    }
    table.append(el("thead", {}, head), body);
    weekly.append(el("div", { class: "scroll-x" }, table));
  }
  root.append(weekly);
  await m.ready;
  draw();
}
