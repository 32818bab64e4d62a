// Contract oversight (/app/oversight): four sections behind tabs. Response times: interval, grouping and dates,
// a table of median, p90 and mean with their 95% confidence intervals, the share within target (response by
// priority) and each group's data-quality score. Rule changes: pick a priority rule, see the affected calls'
// response before and after its effective date, the difference with its interval, and the months around it.
// Contract: the version in force (demo values labelled). Council reports: the filed months with HTML, PDF and CSV
// downloads (the server logs each), and, for those allowed, generating a month. Works on a phone (stacked tables).

import "./oversight.css";
import { ApiError, get, post, qs } from "../core/api";
import { button, el, field, formatTime, input, select, table, type Child } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import type { Life } from "../core/router";
import { newest } from "../core/newest";
import { can } from "../core/session";
import { divisionPicker } from "../core/divisions";

const API = "/api/v1/oversight";
const INTERVALS = ["response", "processing", "queue", "turnout", "travel", "on_scene"];
const DIMENSIONS = ["priority", "call_type", "shift", "district", "unit_type", "month", "division"];

interface Estimate { value: number | null; low: number | null; high: number | null }
interface Row {
  key: string; calls: number; n: number; median: Estimate; p90: Estimate; mean: Estimate;
  quality: { calls: number; missing: number; out_of_order: number; score: number };
  target_s: number | null; met: number | null;
}
interface KpiTable { interval: string; group_by: string; total: Row; rows: Row[]; computed_ms: number }
interface Rule { id: number; call_type: string; priority: string; effective_from: string; reason: string }
interface Side { calls: number; median: Estimate; p90: Estimate; mean: Estimate }
interface Change {
  rule_id: number; call_type: string; priority: string; previous_priority: string | null; effective_from: string;
  before: Side; after: Side; median_diff: Estimate; mean_diff: Estimate; median_ratio: Estimate; monthly: Row[];
}
interface Contract {
  id: number; name: string; effective_from: string; demo: boolean;
  terms: {
    service_units: Array<{ shift: string; deputy_minutes: number }>;
    targets: Array<{ priority: string; target_s: number; share: number }>;
    cso_hours_per_week: number; guard_hours_per_week: number; overtime_budget_cents: number;
  };
}
interface Report { id: string; month: string; generated_by: string; generated_at: string }

function fail(err: unknown): string {
  if (err instanceof ApiError) {
    const why = err.errors.map((e) => (e.field ? `${e.field}: ${e.msg}` : e.msg)).filter(Boolean);
    return t("ov.failed", { detail: why.length ? `${err.message} (${why.join("; ")})` : err.message });
  }
  return t("ov.failed", { detail: String(err) });
}

function num(v: number | null, digits = 1): string {
  if (v === null || v === undefined) return "–";
  return v.toLocaleString(lang() === "es" ? "es-US" : "en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function minutes(v: number | null): string {
  return v === null ? "–" : num(v / 60);
}

function withCi(e: Estimate): HTMLElement {
  return el("span", { class: "ov-est" }, el("strong", { text: minutes(e.value) }), " ",
    el("small", { class: "ov-ci", text: `(${minutes(e.low)}–${minutes(e.high)})` }));
}

function pct(v: number): string {
  return `${num(v * 100, 1)} %`;
}

function kpiRow(r: Row, label: string): Child[] {
  const met = r.met !== null && r.n ? pct(r.met / r.n) : "–";
  return [
    label, String(r.n), withCi(r.median), withCi(r.p90), withCi(r.mean), met,
    el("span", { title: t("ov.quality_detail", { score: pct(r.quality.score), missing: r.quality.missing, disorder: r.quality.out_of_order }) },
      pct(r.quality.score)),
  ];
}

function kpiHeaders(): string[] {
  return [t("ov.col.group"), t("ov.col.calls"), t("ov.col.median"), t("ov.col.p90"), t("ov.col.mean"), t("ov.col.target"), t("ov.col.quality")];
}

function kpisSection(life: Life): HTMLElement {
  const out = el("div", { class: "ov-result", "aria-live": "polite" });
  const iv = select("interval", INTERVALS.map((k) => [k, t(`ov.iv.${k}` as Key)]), "response");
  const dim = select("group_by", DIMENSIONS.map((k) => [k, t(`ov.dim.${k}` as Key)]), "priority");
  const since = input({ type: "date", name: "since" });
  const until = input({ type: "date", name: "until" });
  const show = el("button", { type: "submit" }, t("ov.show"));
  const form = el("form", { class: "ov-filters", "aria-label": t("ov.kpis.filters") },
    field(t("ov.interval"), iv), field(t("ov.group_by"), dim), field(t("ov.since"), since), field(t("ov.until"), until),
    show);
  let division: HTMLSelectElement | null = null;  // RTCC-wide users narrow the figures to one division
  void divisionPicker(null).then((pick) => {
    if (!pick || !life.alive) return;
    division = pick.select;
    form.insertBefore(pick.field, show);
  });
  const turn = newest(life); // the first table, asked for on opening, may answer after a newer filter's
  async function load(): Promise<void> {
    const current = turn();
    out.replaceChildren(el("p", { text: "…" }));
    try {
      const data = await get<KpiTable>(`${API}/kpis${qs({ interval: iv.value, group_by: dim.value, since: since.value || null, until: until.value || null, division: division?.value || null })}`);
      if (!current()) return;
      if (!data.total.calls) {
        out.replaceChildren(el("p", { class: "ov-empty", text: t("ov.empty") }));
        return;
      }
      const caption = t("ov.table", { interval: t(`ov.iv.${data.interval}` as Key), group: t(`ov.dim.${data.group_by}` as Key) });
      const rows = [...data.rows.map((r) => kpiRow(r, r.key)), kpiRow(data.total, t("ov.all"))];
      out.replaceChildren(table(caption, kpiHeaders(), rows, { class: "stack ov-kpis" }),
        el("p", { class: "hint", text: t("ov.computed", { n: data.total.calls, ms: data.computed_ms }) }));
    } catch (err) {
      if (current()) out.replaceChildren(el("p", { role: "alert", text: fail(err) }));
    }
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); void load(); });
  void load();
  return el("section", { "aria-labelledby": "ov-kpis-h" }, el("h2", { id: "ov-kpis-h", text: t("ov.tab.kpis") }), form, out);
}

function changeSection(life: Life): HTMLElement {
  const out = el("div", { class: "ov-result", "aria-live": "polite" });
  const wrap = el("section", { "aria-labelledby": "ov-change-h" }, el("h2", { id: "ov-change-h", text: t("ov.tab.change") }));
  const days = input({ type: "number", name: "window_days", min: "7", max: "3650", value: "120" });
  void (async () => {
    try {
      const rules = await get<Rule[]>(`${API}/rules`);
      if (!life.alive) return;
      if (!rules.length) {
        wrap.append(el("p", { text: t("ov.change.none") }));
        return;
      }
      const pick = select("rule", rules.map((r) => [String(r.id), `${r.call_type} → ${r.priority} (${formatTime(r.effective_from, lang())})`]), String(rules[0].id));
      const form = el("form", { class: "ov-filters" }, field(t("ov.change.rule"), pick), field(t("ov.change.window"), days),
        el("button", { type: "submit" }, t("ov.show")));
      const turn = newest(life);
      const show = async (): Promise<void> => {
        const current = turn();
        out.replaceChildren(el("p", { text: "…" }));
        try {
          const c = await get<Change>(`${API}/rules/${pick.value}/change${qs({ window_days: days.value })}`);
          if (!current()) return;
          const side = (name: Key, s: Side): Child[] => [t(name), String(s.calls), withCi(s.median), withCi(s.p90), withCi(s.mean)];
          const range = (e: Estimate) => ({ value: minutes(e.value), low: minutes(e.low), high: minutes(e.high) });
          out.replaceChildren(
            el("h3", { text: t("ov.change.title", { type: c.call_type, from: c.previous_priority ?? "–", to: c.priority, date: formatTime(c.effective_from, lang()) }) }),
            table(t("ov.change.title", { type: c.call_type, from: c.previous_priority ?? "–", to: c.priority, date: "" }),
              [t("ov.change.side"), t("ov.col.calls"), t("ov.col.median"), t("ov.col.p90"), t("ov.col.mean")],
              [side("ov.change.before", c.before), side("ov.change.after", c.after)], { class: "stack ov-change" }),
            el("p", { class: "ov-diff", text: t("ov.change.diff", range(c.median_diff)) }),
            el("p", { text: t("ov.change.mean_diff", range(c.mean_diff)) }),
            el("p", { text: t("ov.change.ratio", { value: num(c.median_ratio.value, 2), low: num(c.median_ratio.low, 2), high: num(c.median_ratio.high, 2) }) }),
            table(t("ov.change.monthly", { type: c.call_type }), kpiHeaders(), c.monthly.map((r) => kpiRow(r, r.key)), { class: "stack" }),
          );
        } catch (err) {
          if (current()) out.replaceChildren(el("p", { role: "alert", text: fail(err) }));
        }
      };
      form.addEventListener("submit", (ev) => { ev.preventDefault(); void show(); });
      wrap.append(form, out);
      void show();
    } catch (err) {
      wrap.append(el("p", { role: "alert", text: fail(err) }));
    }
  })();
  return wrap;
}

function contractSection(life: Life): HTMLElement {
  const wrap = el("section", { "aria-labelledby": "ov-contract-h" }, el("h2", { id: "ov-contract-h", text: t("ov.tab.contract") }));
  void (async () => {
    try {
      const versions = await get<Contract[]>(`${API}/contracts`);
      if (!life.alive) return;
      const c = versions[0];
      if (!c) {
        wrap.append(el("p", { text: t("ov.contract.none") }));
        return;
      }
      const money = (cents: number) => (cents / 100).toLocaleString(lang() === "es" ? "es-US" : "en-US", { style: "currency", currency: "USD" });
      wrap.append(
        el("h3", { text: c.name }),
        c.demo ? el("p", { class: "ov-demo", text: t("ov.contract.demo") }) : "",
        el("p", { text: t("ov.contract.from", { date: c.effective_from }) }),
        table(t("ov.contract.units"), [t("ov.contract.shift"), t("ov.contract.minutes")],
          c.terms.service_units.map((s) => [s.shift, String(s.deputy_minutes)]), { class: "stack" }),
        table(t("ov.contract.targets"), [t("ov.contract.priority"), t("ov.contract.target"), t("ov.contract.share")],
          c.terms.targets.map((g) => [g.priority, `${minutes(g.target_s)} min`, pct(g.share)]), { class: "stack" }),
        el("p", { text: t("ov.contract.hours", { cso: c.terms.cso_hours_per_week, guard: c.terms.guard_hours_per_week, budget: money(c.terms.overtime_budget_cents) }) }),
      );
    } catch (err) {
      wrap.append(el("p", { role: "alert", text: fail(err) }));
    }
  })();
  return wrap;
}

function reportsSection(life: Life): HTMLElement {
  const list = el("div", { "aria-live": "polite" });
  const note = el("p", { "aria-live": "polite" });
  const turn = newest(life); // the list asked for on opening may answer after the one asked for once a report is made
  async function load(): Promise<void> {
    const current = turn();
    try {
      const reports = await get<Report[]>(`${API}/reports`);
      if (!current()) return;
      if (!reports.length) {
        list.replaceChildren(el("p", { text: t("ov.reports.none") }));
        return;
      }
      const links = (m: string) => el("span", { class: "ov-links" }, ...["html", "pdf", "csv"].map((f) =>
        el("a", { href: `${API}/reports/${m}.${f}`, download: `council-report-${m}.${f}`, "aria-label": `${t("ov.reports.get")} ${m} ${f.toUpperCase()}` }, f.toUpperCase())));
      list.replaceChildren(table(t("ov.reports.list"), [t("ov.reports.month"), t("ov.reports.filed"), t("ov.reports.by"), t("ov.reports.get")],
        reports.map((r) => [r.month, formatTime(r.generated_at, lang()), r.generated_by, links(r.month)]), { class: "stack ov-reports" }));
    } catch (err) {
      if (current()) list.replaceChildren(el("p", { role: "alert", text: fail(err) }));
    }
  }
  const wrap = el("section", { "aria-labelledby": "ov-reports-h" }, el("h2", { id: "ov-reports-h", text: t("ov.tab.reports") }), list);
  if (can("oversight:admin")) {
    const month = input({ type: "month", name: "month", required: true });
    const form = el("form", { class: "ov-filters", "aria-label": t("ov.reports.make") }, field(t("ov.reports.month"), month),
      el("button", { type: "submit" }, t("ov.reports.generate")));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      note.textContent = "…";
      void post<Report>(`${API}/reports`, { month: month.value })
        .then((r) => { note.textContent = t("ov.reports.made", { month: r.month }); return load(); })
        .catch((err) => { note.textContent = fail(err); });
    });
    wrap.append(el("h3", { text: t("ov.reports.make") }), form, note);
  }
  void load();
  return wrap;
}

const SECTIONS: Array<[string, Key, (life: Life) => HTMLElement]> = [
  ["kpis", "ov.tab.kpis", kpisSection],
  ["change", "ov.tab.change", changeSection],
  ["contract", "ov.tab.contract", contractSection],
  ["reports", "ov.tab.reports", reportsSection],
];

export function oversightView(root: HTMLElement, params: URLSearchParams, life: Life): void {
  const body = el("div", { class: "ov-body" });
  const tabs = el("div", { role: "tablist", "aria-label": t("ov.tabs"), class: "ov-tabs" });
  const open = (name: string): void => {
    for (const b of Array.from(tabs.querySelectorAll("button"))) b.setAttribute("aria-selected", String(b.dataset.tab === name));
    const found = SECTIONS.find(([n]) => n === name) ?? SECTIONS[0];
    body.replaceChildren(found[2](life));
    const url = new URL(window.location.href);
    url.searchParams.set("tab", found[0]);
    window.history.replaceState(null, "", url);
  };
  for (const [name, label] of SECTIONS) {
    tabs.append(button(t(label), () => open(name), { role: "tab", "data-tab": name }));
  }
  root.replaceChildren(el("h1", { text: t("ov.title") }), el("p", { class: "hint", text: t("ov.help") }), tabs, body);
  open(params.get("tab") ?? "kpis");
}
