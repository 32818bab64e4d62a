// The pilot's screen (/app/drones): launch requests waiting for a pilot — the call (type, number, where, on the
// map) and the recorded decision (dock, drone, ETA, how many seconds before the first patrol car, the rule and
// policy version that decided) with Accept / Decline (a reason is required) — the fleet (docks, drones, status,
// battery), and the recorded decisions, refusals naming their rule; a supervisor overrides a refusal the policy
// lets him waive, with a reason (audited by the server); the flights in the air and recent ones, with "Return to
// dock" and "Land now" for a flight in the air (recorded, audited and sent over the drone's telemetry channel by
// the server). Kept current by the live topic `drones`.

import "./drones.css";
import L from "leaflet";
import { ApiError, get, hasApi, post } from "../core/api";
import { append, el, formatTime, nextId, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import { live } from "../core/live";
import type { Cleanup, Life } from "../core/router";
import { can } from "../core/session";
import { createMap, dispose, settle } from "../map/basemap";
import { droneLayer } from "./layer";
import { DRONES_API, droneStatus, etaText, leadClass, leadText, outcomeText, ruleText, type Decision, type Fleet, type LaunchRequest } from "./model";

function failed(err: unknown): string {
  return t("common.failed", { detail: err instanceof Error ? err.message : String(err) });
}

export async function pilotView(root: HTMLElement, _params: URLSearchParams, life: Life): Promise<Cleanup> {
  const msg = el("p", { class: "drones-message", role: "status", "aria-live": "polite" });
  const requestsBox = el("div", { class: "drone-requests" });
  const fleetBox = el("div", { class: "drone-fleet" });
  const decisionsBox = el("div", { class: "drone-decisions" });
  const flightsBox = el("div", { class: "drone-flights" });
  const mapBox = el("div", { id: "drones-map" });
  root.append(
    el("h1", { text: t("drones.title") }),
    msg,
    el("div", { class: "drones-layout" },
      el("section", { class: "drones-queue", "aria-labelledby": "drone-requests-title" }, el("h2", { id: "drone-requests-title", text: t("drones.requests") }), requestsBox),
      mapBox,
    ),
    el("section", { "aria-labelledby": "drone-flights-title" }, el("h2", { id: "drone-flights-title", text: t("drones.flights") }), flightsBox),
    el("section", { "aria-labelledby": "drone-fleet-title" }, el("h2", { id: "drone-fleet-title", text: t("drones.fleet") }), fleetBox),
    el("section", { "aria-labelledby": "drone-decisions-title" }, el("h2", { id: "drone-decisions-title", text: t("drones.decisions") }), decisionsBox),
  );
  const { map, layers, ready } = createMap(mapBox, t("drones.map_label"));
  life.onCleanup(() => dispose(map));
  const drones = droneLayer(map, layers);
  life.onCleanup(drones.close);
  const callLayer = L.layerGroup().addTo(map);
  let fleet: Fleet = { docks: [], drones: [] };
  const droneCode = (id: string | null) => fleet.drones.find((d) => d.id === id)?.code ?? "—";
  const dockCode = (id: string | null) => fleet.docks.find((d) => d.id === id)?.code ?? "—";
  const decisions = new Map<string, Decision>();
  const say = (text: string, kind: "ok" | "error") => {
    msg.textContent = text;
    msg.className = `drones-message ${kind}`;
  };

  const decisionOf = async (id: string): Promise<Decision> => {
    const known = decisions.get(id);
    if (known) return known;
    const d = await get<Decision>(`${DRONES_API}/decisions/${id}`);
    decisions.set(id, d);
    return d;
  };

  const requestCard = (r: LaunchRequest, d: Decision): HTMLElement => {
    const number = r.call_number ?? r.call_id.slice(0, 8);
    const headId = nextId("req");
    const card = el("article", { class: "drone-request", "data-request": r.id, "data-call": number, "aria-labelledby": headId });
    append(
      card,
      el("h3", { id: headId, text: t("drones.request.title", { number, type: r.call_type }) }),
      el("p", { class: "where", text: t("drones.request.where", { lat: r.lat.toFixed(5), lon: r.lon.toFixed(5) }) }),
      el("p", { class: "decision-line" }, t("drones.decision.launch", { dock: dockCode(d.dock_id), drone: droneCode(r.drone_id), eta: etaText(r.eta_s ?? d.eta_s) }), " · ", el("strong", { class: leadClass(d.lead_s), text: leadText(d.lead_s, d.patrol_eta_s) })),
      el("p", { class: "rule", "data-rule": d.rule_id, text: ruleText(d) }),
      d.override_reason ? el("p", { class: "hint", text: `${outcomeText(d.outcome)}: ${d.override_reason}` }) : null,
      el("p", { class: "hint", text: t("drones.request.by", { at: formatTime(r.requested_at, lang()), who: r.requested_by }) }),
    );
    if (can("drones:pilot")) {
      const reason = el("textarea", { id: nextId("decline"), name: "reason", rows: 2, maxlength: 2000 });
      const declineForm = el("form", { class: "decline-form", hidden: true }, el("label", { for: reason.id, text: t("drones.decline.reason") }), reason, el("button", { type: "submit", class: "danger" }, t("drones.decline.confirm")));
      const accept = el("button", { type: "button", class: "primary accept" }, t("drones.accept"));
      const decline = el("button", { type: "button", class: "decline" }, t("drones.decline"));
      const answer = (ok: boolean, body: { reason?: string }) => {
        accept.disabled = decline.disabled = true;
        post<LaunchRequest>(`${DRONES_API}/launch-requests/${r.id}/${ok ? "accept" : "decline"}`, body)
          .then(async () => {
            say(ok ? t("drones.accepted", { drone: droneCode(r.drone_id), number }) : t("drones.declined", { number }), "ok");
            // accepting is launching: where the flights API is installed, the flight (its track, the log) starts now
            if (ok && (await hasApi(`${DRONES_API}/flights`))) {
              await post<{ id: string }>(`${DRONES_API}/flights`, { request_id: r.id })
                .then(() => say(t("drones.flight_started", { drone: droneCode(r.drone_id), number }), "ok"))
                .catch((err: unknown) => {
                  if (!(err instanceof ApiError && err.status === 409)) say(failed(err), "error"); // 409: started already
                });
            }
            void refresh();
          })
          .catch((err: unknown) => {
            accept.disabled = decline.disabled = false;
            say(failed(err), "error");
          });
      };
      accept.addEventListener("click", () => answer(true, {}));
      decline.addEventListener("click", () => {
        declineForm.hidden = false;
        reason.focus();
      });
      declineForm.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const text = reason.value.trim();
        if (!text) {
          say(t("drones.decline.need_reason"), "error");
          reason.focus();
          return;
        }
        answer(false, { reason: text });
      });
      card.append(el("div", { class: "buttons" }, accept, decline), declineForm);
    }
    return card;
  };

  const requested = new Set<string>(); // decisions a launch was requested on (any state)
  const showRequests = async () => {
    const [list, all] = await Promise.all([
      get<LaunchRequest[]>(`${DRONES_API}/launch-requests?state=pending`),
      get<LaunchRequest[]>(`${DRONES_API}/launch-requests?limit=200`),
    ]);
    for (const r of all) requested.add(r.decision_id);
    const pairs = await Promise.all(list.map(async (r) => [r, await decisionOf(r.decision_id)] as const));
    if (!life.alive) return;
    callLayer.clearLayers();
    for (const [r] of pairs) {
      const text = t("drones.request.title", { number: r.call_number ?? "", type: r.call_type });
      const m = L.circleMarker([r.lat, r.lon], { radius: 10, weight: 3, color: "#b00020", fillOpacity: 0.35 }).addTo(callLayer);
      m.bindTooltip(text);
      m.getElement()?.setAttribute("aria-label", text);
    }
    requestsBox.replaceChildren(...(pairs.length ? pairs.map(([r, d]) => requestCard(r, d)) : [el("p", { class: "hint empty", text: t("drones.requests.none") })]));
  };

  const showFleet = (f: Fleet) => {
    fleet = f;
    const wind = (w: number | null) => (w == null ? "—" : `${w.toFixed(1)} m/s`);
    fleetBox.replaceChildren(
      table(t("drones.fleet.docks"), [t("drones.col.code"), t("drones.col.name"), t("drones.col.status"), t("drones.col.launch"), t("drones.col.wind")],
        f.docks.map((d) => [d.code, d.name, droneStatus(d.status), `${Math.round(d.launch_time_s)} s`, wind(d.wind_mps)]), { class: "stack dock-table" }),
      table(t("drones.fleet.drones"), [t("drones.col.code"), t("drones.col.model"), t("drones.col.dock"), t("drones.col.status"), t("drones.col.battery")],
        f.drones.map((d) => [el("span", { "data-drone": d.code, text: d.code }), d.model, dockCode(d.dock_id), el("span", { class: `drone-status s-${d.status}`, text: droneStatus(d.status) }), `${Math.round(d.battery_pct)} %`]), { class: "stack drone-table" }),
    );
  };
  drones.onFleet(showFleet);

  const overrideForm = (d: Decision): HTMLElement => {
    const reason = el("textarea", { id: nextId("override"), name: "reason", rows: 2, minlength: 10, maxlength: 2000 });
    const form = el("form", { class: "override-form" }, el("label", { for: reason.id, text: t("drones.override.reason") }), reason, el("button", { type: "submit" }, t("drones.override.confirm")));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = reason.value.trim();
      if (text.length < 10) {
        say(t("drones.override.short"), "error");
        reason.focus();
        return;
      }
      post<Decision>(`${DRONES_API}/calls/${d.call_id}/override`, { decision_id: d.id, reason: text })
        .then(() => {
          say(t("drones.override.done", { number: d.call_number ?? "" }), "ok");
          void refresh();
        })
        .catch((err: unknown) => say(failed(err), "error"));
    });
    return el("details", { class: "override" }, el("summary", { text: t("drones.override") }), form);
  };

  // what a row offers: a supervisor overrides an overridable refusal; once overridden, a launch may be requested
  const action = (d: Decision, overridden: Set<string | null>): HTMLElement | string => {
    if (d.outcome === "refused" && d.overridable && !overridden.has(d.id) && can("drones:override")) return overrideForm(d);
    if (d.outcome !== "overridden" || !can("drones:request") || requested.has(d.id)) return "";
    const b = el("button", { type: "button", class: "request-launch" }, t("drones.rec.request"));
    b.addEventListener("click", () => {
      b.disabled = true;
      post<LaunchRequest>(`${DRONES_API}/launch-requests`, { decision_id: d.id })
        .then(() => {
          say(t("drones.rec.requested", { drone: droneCode(d.drone_id) }), "ok");
          void refresh();
        })
        .catch((err: unknown) => {
          b.disabled = false;
          say(failed(err), "error");
        });
    });
    return b;
  };

  const showDecisions = async () => {
    const page = await get<{ items: Decision[]; total: number }>(`${DRONES_API}/decisions?limit=50`);
    if (!life.alive) return;
    for (const d of page.items) decisions.set(d.id, d);
    const overridden = new Set(page.items.map((d) => d.overrides_id).filter(Boolean));
    const rows = page.items.map((d) => [
      formatTime(d.decided_at, lang()),
      d.call_number ?? "—",
      d.call_type,
      el("span", { class: `outcome o-${d.outcome}`, text: outcomeText(d.outcome) }),
      el("span", { class: "rule", "data-rule": d.rule_id },
        `${d.rule_id} (v${d.policy_version ?? "—"}): ${d.rule}`,
        d.override_reason ? el("small", { class: "override-reason" }, el("br"), t("drones.override.reason_shown", { reason: d.override_reason })) : null),
      d.outcome === "refused" ? "—" : etaText(d.eta_s),
      d.outcome === "refused" ? "—" : leadText(d.lead_s, d.patrol_eta_s),
      action(d, overridden),
    ]);
    const tbl = table(t("drones.decisions"), [t("drones.col.when"), t("drones.col.call"), t("drones.col.type"), t("drones.col.outcome"), t("drones.col.rule"), t("drones.col.eta"), t("drones.col.lead"), t("drones.col.action")], rows, { class: "stack decisions-table" });
    tbl.querySelectorAll("tbody tr").forEach((tr, i) => tr.setAttribute("data-outcome", page.items[i].outcome));
    decisionsBox.replaceChildren(page.items.length ? tbl : el("p", { class: "hint", text: t("drones.decisions.none") }));
  };

  type Flight = { id: string; drone_code: string; call_number: string | null; call_type: string | null; status: string; launched_at: string; landed_at: string | null };
  type Command = { command: string; channel: string; drone_code: string };
  const lastCommand = new Map<string, Command>();
  const commandName = (c: string) => t(c === "land" ? "drones.cmd.land_name" : "drones.cmd.return_to_dock");
  const commandButton = (f: Flight, command: "return_to_dock" | "land"): HTMLElement => {
    const b = el("button", { type: "button", class: command === "land" ? "danger cmd-land" : "cmd-rtl" }, t(command === "land" ? "drones.cmd.land" : "drones.cmd.rtl"));
    b.addEventListener("click", () => {
      b.disabled = true;
      post<Command>(`${DRONES_API}/flights/${f.id}/commands`, { command })
        .then((c) => {
          lastCommand.set(f.id, c);
          const args = { command: commandName(c.command), drone: c.drone_code, channel: c.channel };
          say(c.channel === "none" ? t("drones.cmd.relay", args) : t("drones.cmd.sent", args), "ok");
          void refresh();
        })
        .catch((err: unknown) => {
          b.disabled = false;
          say(failed(err), "error");
        });
    });
    return b;
  };

  const showFlights = async () => {
    if (!(await hasApi(`${DRONES_API}/flights`))) return;
    const list = await get<Flight[]>(`${DRONES_API}/flights?limit=20`);
    if (!life.alive) return;
    const rows = list.map((f) => {
      const last = lastCommand.get(f.id);
      const actions = f.status === "in_flight" && can("drones:pilot")
        ? el("div", { class: "buttons" }, commandButton(f, "return_to_dock"), commandButton(f, "land"), last ? el("small", { text: t("drones.cmd.last", { command: commandName(last.command), channel: last.channel }) }) : null)
        : "";
      return [
        el("span", { "data-drone": f.drone_code, text: f.drone_code }),
        f.call_number ? `${f.call_number} · ${f.call_type ?? ""}` : "—",
        el("span", { class: `flight-status s-${f.status}`, text: t(f.status === "in_flight" ? "drones.flights.in_flight" : "drones.flights.landed") }),
        formatTime(f.launched_at, lang()),
        f.landed_at ? formatTime(f.landed_at, lang()) : "—",
        actions,
      ];
    });
    const tbl = table(t("drones.flights"), [t("drones.col.drone"), t("drones.col.call"), t("drones.col.status"), t("drones.col.launched"), t("drones.col.landed"), t("drones.col.action")], rows, { class: "stack flights-table" });
    tbl.querySelectorAll("tbody tr").forEach((tr, i) => { tr.setAttribute("data-flight", list[i].id); tr.setAttribute("data-status", list[i].status); });
    flightsBox.replaceChildren(list.length ? tbl : el("p", { class: "hint", text: t("drones.flights.none") }));
  };

  // one read at a time; events that arrive meanwhile ask for one more read after it
  let running = false;
  let again = false;
  const refresh = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await showRequests();
      await showDecisions();
      await showFlights();
    } catch (err) {
      if (life.alive) say(failed(err instanceof ApiError ? err : String(err)), "error");
    } finally {
      running = false;
    }
    if (again && life.alive) {
      again = false;
      await refresh();
    }
  };
  life.onCleanup(live.subscribe((m) => {
    if (m.topic === "drones" && (m.type.startsWith("drones.") || m.type === "drone.flight")) void refresh();
  }));
  await refresh();
  await ready;
  if (life.alive) settle(map, mapBox);
}
