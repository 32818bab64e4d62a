// The what-if simulator (/app/simulator): pick a ready-made scenario (or write one as JSON), start it as a background
// run with a progress bar, then read its response-time distribution per priority beside the baseline (medians and
// p90 with 95 % intervals, a banded histogram of both), unit utilisation and queue; below, the latest backtest
// (predicted against observed median and p90 per priority on weeks the fit has not seen) and a form to start one.

import { ApiError, get, post } from "../core/api";
import { el, field, input, select, table, type Child } from "../core/dom";
import { t } from "../core/i18n";
import type { Life } from "../core/router";

interface Ci {
  value: number | null;
  lo: number | null;
  hi: number | null;
}
interface PriorityRow {
  priority: string;
  calls: number;
  unreached: number;
  median_s: Ci;
  p90_s: Ci;
  histogram: number[];
}
interface UnitRow {
  unit: string;
  unit_type: string;
  utilisation: number;
  calls: number;
}
interface Summary {
  priorities: PriorityRow[];
  histogram_edges_min: number[];
  units: UnitRow[];
  queue: { mean: Ci; max: number };
}
interface BacktestRow {
  priority: string;
  observed_calls: number;
  observed_median_s: number | null;
  predicted_median_s: number | null;
  median_error_pct: number | null;
  observed_p90_s: number | null;
  predicted_p90_s: number | null;
  p90_error_pct: number | null;
}
interface Run {
  id: string;
  kind: "scenario" | "backtest";
  name: string;
  status: string;
  progress: number;
  error: string | null;
  request: Record<string, unknown>;
  results: Record<string, unknown> | null;
  created_at: string;
  finished_at: string | null;
}
interface Preset {
  key: string;
  scenario: Record<string, unknown>;
}

const minutes = (s: number | null | undefined): string => (s === null || s === undefined ? "–" : (s / 60).toFixed(1));
const ci = (c: Ci): string =>
  c.lo === null || c.hi === null ? minutes(c.value) : `${minutes(c.value)} [${minutes(c.lo)}–${minutes(c.hi)}]`;
const pct = (v: number | null): string => (v === null ? "–" : `${v > 0 ? "+" : ""}${v.toFixed(0)} %`);

function errorText(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : String(err);
}

/** Two bars per band (baseline, scenario): the share of each one's calls whose response falls in the band. */
function histogram(row: PriorityRow, other: PriorityRow, edges: number[]): HTMLElement {
  const share = (h: number[]): number[] => {
    const total = h.reduce((a, b) => a + b, 0) || 1;
    return h.map((x) => x / total);
  };
  const a = share(row.histogram);
  const b = share(other.histogram);
  const top = Math.max(...a, ...b, 0.01);
  const labels = edges.map((e, i) => `${i === 0 ? 0 : edges[i - 1]}–${e}`).concat([`>${edges[edges.length - 1]}`]);
  const fig = el("figure", { class: "sim-hist" });
  fig.append(el("figcaption", { text: t("sim.distribution", { priority: row.priority }) }));
  const rows: Child[][] = labels.map((label, i) => [
    label,
    el("span", { class: "sim-bar base", style: `width:${(100 * a[i]) / top}%`, title: `${(100 * a[i]).toFixed(1)} %` }),
    el("span", { class: "sim-bar scen", style: `width:${(100 * b[i]) / top}%`, title: `${(100 * b[i]).toFixed(1)} %` }),
  ]);
  fig.append(table(t("sim.distribution", { priority: row.priority }), ["min", t("sim.baseline"), t("sim.scenario_bar")], rows));
  return fig;
}

function results(run: Run): HTMLElement {
  const res = run.results as { baseline: Summary; scenario: Summary; scenario_name: string };
  const out = el("section", { "aria-label": t("sim.results", { name: res.scenario_name }) });
  const rows: Child[][] = res.baseline.priorities.map((b) => {
    const s = res.scenario.priorities.find((p) => p.priority === b.priority) ?? b;
    return [b.priority, String(b.calls), ci(b.median_s), ci(s.median_s), ci(b.p90_s), ci(s.p90_s)];
  });
  out.append(
    table(
      t("sim.results", { name: res.scenario_name }),
      [t("sim.priority"), t("sim.calls"), t("sim.base_median"), t("sim.scen_median"), t("sim.base_p90"), t("sim.scen_p90")],
      rows,
      { class: "stack", id: "sim-results" },
    ),
  );
  for (const b of res.baseline.priorities) {
    const s = res.scenario.priorities.find((p) => p.priority === b.priority);
    if (s) out.append(histogram(b, s, res.baseline.histogram_edges_min));
  }
  const util = new Map(res.baseline.units.map((u) => [u.unit, u.utilisation]));
  out.append(
    table(
      t("sim.units"),
      [t("sim.unit"), t("sim.type"), t("sim.util_base"), t("sim.util_scen")],
      res.scenario.units.map((u) => [
        u.unit,
        u.unit_type,
        util.has(u.unit) ? `${(100 * (util.get(u.unit) ?? 0)).toFixed(0)} %` : "–",
        `${(100 * u.utilisation).toFixed(0)} %`,
      ]),
      { class: "stack" },
    ),
  );
  const q = (c: Ci): string => (c.value === null ? "–" : c.value.toFixed(2));
  out.append(
    el("p", {
      text: t("sim.queue", {
        base: q(res.baseline.queue.mean),
        scen: q(res.scenario.queue.mean),
        bmax: res.baseline.queue.max,
        smax: res.scenario.queue.max,
      }),
    }),
  );
  return out;
}

function backtestTable(run: Run, id = "sim-backtest"): HTMLElement {
  const res = run.results as { fit_until: string; predict_until: string; rows: BacktestRow[] };
  const origin = String(run.request.origin ?? "all history");
  return table(
    t("sim.backtest_caption", { origin, fit: res.fit_until.slice(0, 16), until: res.predict_until.slice(0, 16) }),
    [t("sim.priority"), t("sim.obs_calls"), t("sim.obs_median"), t("sim.pred_median"), t("sim.error"), t("sim.obs_p90"), t("sim.pred_p90"), t("sim.error")],
    res.rows.map((r) => [
      r.priority,
      String(r.observed_calls),
      minutes(r.observed_median_s),
      minutes(r.predicted_median_s),
      pct(r.median_error_pct),
      minutes(r.observed_p90_s),
      minutes(r.predicted_p90_s),
      pct(r.p90_error_pct),
    ]),
    { class: "stack", id },
  );
}

/** Poll a run until it ends, moving the progress bar; resolves with the finished run. */
async function follow(id: string, bar: HTMLProgressElement, status: HTMLElement, life: Life): Promise<Run> {
  for (;;) {
    const run = await get<Run>(`/api/v1/simulator/runs/${id}`);
    bar.value = run.progress;
    status.textContent = t("sim.status", { name: run.name, status: run.status, pct: run.progress });
    if (run.status === "done" || run.status === "failed" || !life.alive) return run;
    await new Promise((r) => setTimeout(r, 400));
  }
}

export async function simulatorView(root: HTMLElement, _params: URLSearchParams, life: Life): Promise<void> {
  root.append(el("h1", { text: t("sim.title") }), el("p", { text: t("sim.help") }));
  const note = el("p", { role: "status", id: "sim-note" });
  const text = el("textarea", { name: "scenario", rows: 6, spellcheck: "false" }) as HTMLTextAreaElement;
  text.value = JSON.stringify({ name: "baseline" }, null, 1);
  const picker = select("preset", [["", t("sim.custom")]]);
  let presets: Preset[] = [];
  try {
    presets = await get<Preset[]>("/api/v1/simulator/presets");
    for (const p of presets) picker.append(el("option", { value: p.key, text: String(p.scenario.name ?? p.key) }));
  } catch (err) {
    note.textContent = t("sim.no_presets", { error: errorText(err) });
  }
  picker.addEventListener("change", () => {
    const found = presets.find((p) => p.key === picker.value);
    if (found) text.value = JSON.stringify(found.scenario, null, 1);
  });
  const hours = input({ name: "hours", type: "number", min: 1, max: 1344, value: 168 });
  const reps = input({ name: "replications", type: "number", min: 1, max: 200, value: 10 });
  const bar = el("progress", { max: 100, value: 0, "aria-label": t("sim.progress"), id: "sim-progress" }) as HTMLProgressElement;
  const status = el("p", { role: "status", id: "sim-status" });
  const out = el("div", { id: "sim-out" });
  const form = el("form", { class: "card" });
  const start = el("button", { type: "submit", text: t("sim.start") });
  form.append(
    el("h2", { text: t("sim.scenario") }),
    field(t("sim.preset"), picker),
    field(t("sim.json"), text, t("sim.json_hint")),
    field(t("sim.hours"), hours),
    field(t("sim.replications"), reps),
    start,
    bar,
    status,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let scenario: unknown;
    try {
      scenario = JSON.parse(text.value);
    } catch (err) {
      note.textContent = t("sim.bad_json", { error: errorText(err) });
      return;
    }
    start.disabled = true;
    out.replaceChildren();
    try {
      const run = await post<Run>("/api/v1/simulator/runs", {
        scenario,
        hours: Number(hours.value),
        replications: Number(reps.value),
      });
      const done = await follow(run.id, bar, status, life);
      if (done.status === "done") out.append(results(done));
      else out.append(el("p", { role: "alert", text: t("sim.failed", { error: done.error ?? "" }) }));
    } catch (err) {
      out.append(el("p", { role: "alert", text: t("sim.failed", { error: errorText(err) }) }));
    } finally {
      start.disabled = false;
    }
  });
  root.append(note, form, out);

  const bt = el("section", { class: "card", "aria-label": t("sim.backtest") });
  bt.append(el("h2", { text: t("sim.backtest") }));
  const btOut = el("div", {});
  const runs = await get<Run[]>("/api/v1/simulator/runs");
  // the latest finished scenario (the demo seeds one) beside its baseline, and the latest backtest of each history
  const scen = runs.find((r) => r.kind === "scenario" && r.status === "done");
  if (scen && !out.childElementCount) {
    out.append(el("p", { text: t("sim.latest", { name: scen.name, when: (scen.finished_at ?? scen.created_at).slice(0, 16) }) }), results(scen));
  }
  const latest = new Map<string, Run>();
  for (const r of runs) {
    const key = String(r.request.origin ?? "");
    if (r.kind === "backtest" && r.status === "done" && !latest.has(key)) latest.set(key, r);
  }
  const tables = [...latest.values()].map((r, i) => backtestTable(r, i === 0 ? "sim-backtest" : `sim-backtest-${i}`));
  if (tables.length) btOut.append(...tables);
  else btOut.append(el("p", { text: t("sim.backtest_none") }));
  const fitUntil = input({ name: "fit_until", type: "datetime-local" });
  const predictUntil = input({ name: "predict_until", type: "datetime-local" });
  const btBar = el("progress", { max: 100, value: 0, "aria-label": t("sim.progress") }) as HTMLProgressElement;
  const btStatus = el("p", { role: "status" });
  const btForm = el("form", {}, field(t("sim.fit_until"), fitUntil), field(t("sim.predict_until"), predictUntil));
  btForm.append(el("button", { type: "submit", text: t("sim.start_backtest") }), btBar, btStatus);
  btForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const run = await post<Run>("/api/v1/simulator/backtests", {
        fit_until: new Date(fitUntil.value).toISOString(),
        predict_until: new Date(predictUntil.value).toISOString(),
      });
      const done = await follow(run.id, btBar, btStatus, life);
      btOut.replaceChildren(done.status === "done" ? backtestTable(done) : el("p", { role: "alert", text: t("sim.failed", { error: done.error ?? "" }) }));
    } catch (err) {
      btStatus.textContent = t("sim.failed", { error: errorText(err) });
    }
  });
  bt.append(btOut, btForm);
  root.append(bt);
}
