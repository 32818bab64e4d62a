// The dispatcher's screen (/app/dispatch): call entry and the intake answer on the left; the map of calls and units
// with the unit status board in the middle; the pending queue and the recommendation panel for the selected call on
// the right. One DispatchStore per mounted screen, fed by the live stream; a click on the map sets the new call's
// point. Keyboard: the call type field has the focus on arrival; Alt+N goes back to it from anywhere on the screen.

import "./dispatch.css";
import L from "leaflet";
import { el } from "../core/dom";
import { t } from "../core/i18n";
import type { Cleanup, Life } from "../core/router";
import { can } from "../core/session";
import { createMap, dispose, settle } from "../map/basemap";
import { get } from "../core/api";
import { alarmPanel } from "./alarmctx";
import { unitBoard } from "./board";
import { callEntry } from "./entry";
import { dispatchLayers } from "./layers";
import { droneLayer } from "../drones/layer";
import { API, DispatchStore, type CallRead } from "./model";
import { pendingQueue } from "./queue";
import { recommendationPanel } from "./recommend";

export async function dispatchView(root: HTMLElement, _params: URLSearchParams, life: Life): Promise<Cleanup> {
  root.append(el("h1", { class: "visually-hidden", text: t("dispatch.title") }));
  const loading = el("p", { class: "hint", role: "status", text: t("dispatch.loading") });
  root.append(loading);
  const store = new DispatchStore();
  life.onCleanup(() => store.close());
  try {
    await store.load({ calls: true, units: can("units:read"), types: true });
  } catch (err) {
    loading.textContent = t("common.failed", { detail: err instanceof Error ? err.message : String(err) });
    return;
  }
  if (!life.alive) return;
  loading.remove();

  const announcer = el("div", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const mapBox = el("div", { id: "dispatch-map" });
  const left = el("div", { class: "dispatch-left" });
  const middle = el("div", { class: "dispatch-middle" }, mapBox);
  const right = el("div", { class: "dispatch-right" });
  root.append(el("div", { class: "dispatch-layout" }, left, middle, right), announcer);

  const { map, layers, ready } = createMap(mapBox, t("dispatch.map_label"));
  life.onCleanup(() => dispose(map));
  const panel = recommendationPanel(store, () => undefined);
  const alarm = alarmPanel(store);
  let selected: string | null = null;
  const choose = (id: string) => {
    selected = id;
    queue.select(id);
    overlay.focusCall(id);
    void panel.show(id);
    alarm.show(null);
    get<CallRead>(`${API}/calls/${id}`)
      .then((call) => {
        if (selected === id) alarm.show(call);
      })
      .catch(() => undefined);
  };
  const queue = pendingQueue(store, (c) => choose(c.id), (text) => (announcer.textContent = text));
  life.onCleanup(() => queue.close());
  const overlay = dispatchLayers(map, layers, store, (c) => choose(c.id));
  life.onCleanup(() => overlay.close());
  if (can("drones:read")) life.onCleanup(droneLayer(map, layers).close); // the drone program's docks and drones

  let pin: L.CircleMarker | null = null;
  const showPin = (lat: number, lon: number) => {
    pin?.remove();
    pin = L.circleMarker([lat, lon], { radius: 6, color: "#222222", weight: 2, fillColor: "#ffffff", fillOpacity: 1, interactive: false }).addTo(map);
  };
  const entry = can("calls:create")
    ? callEntry(store, (c) => choose(c.id), (lat, lon) => {
        showPin(lat, lon);
        map.setView([lat, lon], Math.max(map.getZoom(), 15));
      })
    : null;
  if (entry) {
    left.append(entry.node);
    map.on("click", (ev: L.LeafletMouseEvent) => {
      const { lat, lng } = ev.latlng;
      entry.setPoint(Number(lat.toFixed(6)), Number(lng.toFixed(6)));
      showPin(lat, lng);
      announcer.textContent = t("dispatch.map.point_set", { lat: lat.toFixed(5), lon: lng.toFixed(5) });
    });
  }
  right.append(queue.node, panel.node, alarm.node);
  if (can("units:read")) {
    const board = unitBoard(store);
    life.onCleanup(() => board.close());
    middle.append(board.node);
  }
  // the selected call left the queue (assigned elsewhere, closed): keep its panel, it still says what happened
  life.onCleanup(
    store.subscribe((what, id) => {
      if (what !== "calls" || !id || id !== selected) return;
      if (!store.calls.has(id)) queue.select(null);
      panel.changed(id);
    }),
  );
  const onKey = (ev: KeyboardEvent) => {
    if (ev.altKey && (ev.key === "n" || ev.key === "N") && entry) {
      ev.preventDefault();
      entry.focus();
    }
  };
  document.addEventListener("keydown", onKey);
  life.onCleanup(() => document.removeEventListener("keydown", onKey));
  entry?.focus();
  await ready;
  if (life.alive) settle(map, mapBox);
}
