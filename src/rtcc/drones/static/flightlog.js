// The public drone flight log page: reads /api/v1/public/drones/* and renders it in English or Spanish.
// Every value from the API is written with textContent (never innerHTML), so data can never run as code.
"use strict";
(function () {
  const STRINGS = {
    en: {
      title: "Drone flight log",
      intro: "Every flight of the drone program: when it flew, for which call, what came of the call, how high it flew and how long its camera pointed down. Paths are coarsened near homes so that no house can be singled out.",
      months: "Monthly figures", flights: "Flights", more: "More flights", loading: "Loading…", none: "No flights yet.",
      error: "Could not load the flight log.",
      flightsN: "Flights", median: "Median time to scene", cleared: "Cleared without patrol", byType: "By call type",
      date: "Date", launch: "Launch", landing: "Landing", duration: "Duration", callType: "Call type", ref: "Call reference",
      outcome: "Outcome", maxAlt: "Max altitude", camDown: "Camera down", footage: "Footage", flagged: "Geofence breach",
      pending: "call still open", yes: "yes", no: "no", min: "min", s: "s", m: "m", noPath: "no public path",
      footageNone: "none recorded", footageRetained: "kept until", footageEvidence: "kept as evidence", footagePurged: "purged on",
      cwp: "cleared without patrol",
    },
    es: {
      title: "Registro de vuelos de drones",
      intro: "Cada vuelo del programa de drones: cuándo voló, para qué llamada, cómo terminó la llamada, a qué altura voló y cuánto tiempo la cámara apuntó hacia abajo. Las rutas se simplifican cerca de las viviendas para que ninguna casa pueda ser identificada.",
      months: "Cifras mensuales", flights: "Vuelos", more: "Más vuelos", loading: "Cargando…", none: "Todavía no hay vuelos.",
      error: "No se pudo cargar el registro de vuelos.",
      flightsN: "Vuelos", median: "Tiempo mediano hasta el lugar", cleared: "Resuelto sin patrulla", byType: "Por tipo de llamada",
      date: "Fecha", launch: "Despegue", landing: "Aterrizaje", duration: "Duración", callType: "Tipo de llamada", ref: "Referencia de la llamada",
      outcome: "Resultado", maxAlt: "Altura máxima", camDown: "Cámara hacia abajo", footage: "Video", flagged: "Infracción de geocerca",
      pending: "llamada aún abierta", yes: "sí", no: "no", min: "min", s: "s", m: "m", noPath: "sin ruta pública",
      footageNone: "sin grabación", footageRetained: "se conserva hasta", footageEvidence: "conservado como evidencia", footagePurged: "eliminado el",
      cwp: "resuelto sin patrulla",
    },
  };
  const params = new URLSearchParams(location.search);
  let lang = params.get("lang") || ((navigator.language || "en").toLowerCase().startsWith("es") ? "es" : "en");
  if (!STRINGS[lang]) lang = "en";
  let cursor = null;
  let definition = {};
  const $ = (id) => document.getElementById(id);
  const t = (k) => STRINGS[lang][k];
  function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; }
  function fmtTime(iso) { return iso ? new Date(iso).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }) : "–"; }
  function fmtDur(s) { if (s === null || s === undefined) return "–"; const m = Math.floor(s / 60); return m + " " + t("min") + " " + Math.round(s % 60) + " " + t("s"); }
  function pct(x) { return x === null || x === undefined ? "–" : Math.round(x * 1000) / 10 + " %"; }
  function row(dl, k, v, cls) { dl.appendChild(el("dt", t(k))); dl.appendChild(el("dd", v, cls)); }
  function footage(f) {
    if (f.footage === "retained") return t("footageRetained") + " " + (f.footage_until || "").slice(0, 10);
    if (f.footage === "evidence") return t("footageEvidence");
    if (f.footage === "purged") return t("footagePurged") + " " + (f.footage_purged_at || "").slice(0, 10);
    return t("footageNone");
  }
  function pathSvg(path) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "path");
    const pts = path.flat();
    if (!pts.length) { const tx = document.createElementNS(ns, "text"); tx.setAttribute("x", "8"); tx.setAttribute("y", "20"); tx.textContent = t("noPath"); svg.appendChild(tx); return svg; }
    const lats = pts.map((p) => p[0]), lons = pts.map((p) => p[1]);
    const minLa = Math.min(...lats), maxLa = Math.max(...lats), minLo = Math.min(...lons), maxLo = Math.max(...lons);
    const w = Math.max(maxLo - minLo, 1e-4), h = Math.max(maxLa - minLa, 1e-4);
    svg.setAttribute("viewBox", "-5 -5 110 110");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    for (const seg of path) {
      const pl = document.createElementNS(ns, "polyline");
      pl.setAttribute("points", seg.map((p) => ((p[1] - minLo) / w * 100).toFixed(1) + "," + ((maxLa - p[0]) / h * 100).toFixed(1)).join(" "));
      pl.setAttribute("fill", "none"); pl.setAttribute("stroke", "#3a6ea5"); pl.setAttribute("stroke-width", "2.5");
      svg.appendChild(pl);
    }
    return svg;
  }
  function flightCard(f) {
    const card = el("article", undefined, "card");
    card.appendChild(el("strong", (f.call_type_name || f.call_type || "–") + " · " + f.date));
    const dl = el("dl");
    row(dl, "launch", fmtTime(f.launched_at)); row(dl, "landing", fmtTime(f.landed_at)); row(dl, "duration", fmtDur(f.duration_s));
    row(dl, "ref", f.call_ref || "–");
    row(dl, "outcome", f.outcome ? f.outcome + (f.cleared_without_patrol ? " (" + t("cwp") + ")" : "") : t("pending"));
    row(dl, "maxAlt", f.max_alt_m === null ? "–" : f.max_alt_m + " " + t("m"));
    row(dl, "camDown", f.camera_down_min + " " + t("min"));
    row(dl, "footage", footage(f));
    if (f.flagged) row(dl, "flagged", f.flags.join(", "), "flag");
    card.appendChild(dl);
    card.appendChild(pathSvg(f.path || []));
    return card;
  }
  function monthCard(m) {
    const card = el("article", undefined, "card");
    card.appendChild(el("strong", m.month));
    const dl = el("dl");
    row(dl, "flightsN", m.flights);
    row(dl, "median", m.median_time_to_scene_s === null ? "–" : fmtDur(m.median_time_to_scene_s));
    row(dl, "cleared", pct(m.share_cleared_without_patrol));
    row(dl, "byType", Object.entries(m.share_by_call_type).map(([k, v]) => k + " " + pct(v)).join(", "));
    card.appendChild(dl);
    return card;
  }
  async function getJson(url) { const r = await fetch(url, { headers: { Accept: "application/json" } }); if (!r.ok) throw new Error(String(r.status)); return r.json(); }
  async function loadMonths() {
    const data = await getJson("/api/v1/public/drones/figures");
    definition = data.definition; $("definition").textContent = definition[lang] || definition.en;
    const box = $("months"); box.replaceChildren(...data.months.map(monthCard));
  }
  async function loadFlights(reset) {
    if (reset) { cursor = null; $("flights").replaceChildren(); }
    $("status").textContent = t("loading");
    const url = "/api/v1/public/drones/flights?limit=50" + (cursor ? "&after=" + encodeURIComponent(cursor) : "");
    const page = await getJson(url);
    for (const f of page.items) $("flights").appendChild(flightCard(f));
    cursor = page.next; $("more").hidden = !cursor;
    $("status").textContent = $("flights").children.length ? "" : t("none");
  }
  function applyLang() {
    document.documentElement.lang = lang;
    document.title = t("title");
    $("title").textContent = t("title"); $("intro").textContent = t("intro");
    $("months-title").textContent = t("months"); $("flights-title").textContent = t("flights"); $("more").textContent = t("more");
    $("lang-en").setAttribute("aria-pressed", String(lang === "en")); $("lang-es").setAttribute("aria-pressed", String(lang === "es"));
    if (definition.en) $("definition").textContent = definition[lang] || definition.en;
  }
  async function render() {
    applyLang();
    try { await loadMonths(); await loadFlights(true); } catch (e) { $("status").textContent = t("error"); }
  }
  for (const b of document.querySelectorAll(".lang button")) b.addEventListener("click", () => { lang = b.dataset.lang; render(); });
  $("more").addEventListener("click", () => { loadFlights(false).catch(() => { $("status").textContent = t("error"); }); });
  render();
})();
