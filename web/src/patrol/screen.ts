// The staff patrol screen (/app/patrol): near-repeat alerts made from burglary calls (circle, days at raised risk,
// the rule that set them) with "publish to neighborhood" (an explicit, audited action; community:admin), a form to
// make a unit's patrol plan for a shift (patrol:plan), the plans with their dose delivered against planned, and the
// report of dose against burglaries in patrolled and comparable unpatrolled cells (its rule printed under it).

import { get, post } from "../core/api";
import { el, field, formatTime, input, select, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import * as session from "../core/session";
import { newest } from "../core/newest";
import type { Plan } from "./plan";

interface NearRepeat {
  id: string;
  call_number: string;
  call_type: string;
  neighborhood: string | null;
  radius_m: number;
  ends_at: string;
  rule_source: string;
  rule_detail: string;
  community_alert_id: string | null;
  published_at: string | null;
  active: boolean;
}

interface Group {
  cells: number;
  dose_min: number;
  crimes_during: number;
  crimes_before: number;
  change: number | null;
}

interface DoseReport {
  plans: number;
  rule: string;
  patrolled: Group;
  comparison: Group;
}

const P = "/api/v1/patrol";
const REPORT_DAYS = 28;

function failText(err: unknown): string {
  return t("common.failed", { detail: err instanceof Error ? err.message : String(err) });
}

export async function patrolView(root: HTMLElement): Promise<void> {
  root.append(el("h1", { text: t("patrol.title") }));
  const msg = el("p", { role: "status", id: "patrol-msg" });
  const nrBox = el("section", { class: "card", id: "patrol-near-repeats", "aria-labelledby": "patrol-nr-h" });
  const plansBox = el("section", { class: "card", id: "patrol-plans", "aria-labelledby": "patrol-plans-h" });
  const reportBox = el("section", { class: "card", id: "patrol-report", "aria-labelledby": "patrol-report-h" });

  const loadReport = async () => {
    const until = new Date();
    const since = new Date(until.getTime() - REPORT_DAYS * 86400_000);
    const r = await get<DoseReport>(`${P}/report?since=${encodeURIComponent(since.toISOString())}&until=${encodeURIComponent(until.toISOString())}`);
    const row = (name: string, g: Group): Array<string> => [
      name,
      String(g.cells),
      g.dose_min.toFixed(1),
      String(g.crimes_during),
      String(g.crimes_before),
      g.change === null ? "—" : `${Math.round(g.change * 100)}%`,
    ];
    reportBox.replaceChildren(
      el("h2", { id: "patrol-report-h", text: t("patrol.report.title", { days: REPORT_DAYS, plans: r.plans }) }),
      table(
        t("patrol.report.title", { days: REPORT_DAYS, plans: r.plans }),
        [t("patrol.report.group"), t("patrol.report.cells"), t("patrol.report.dose"), t("patrol.report.during"), t("patrol.report.before"), t("patrol.report.change")],
        [row(t("patrol.report.patrolled"), r.patrolled), row(t("patrol.report.comparison"), r.comparison)],
        { class: "stack" },
      ),
      el("p", { class: "hint", text: r.rule }),
    );
  };

  const alertsTurn = newest(); // an older list must not replace the one drawn after a publish or a refresh
  const loadAlerts = async () => {
    const current = alertsTurn();
    const items = await get<NearRepeat[]>(`${P}/near-repeats`);
    if (!current()) return;
    const rows = items.map((a) => {
      let action: Node;
      if (a.published_at) action = el("span", { class: "ok", text: t("patrol.nr.published", { at: formatTime(a.published_at, lang()) }) });
      else if (!a.neighborhood) action = el("span", { text: t("patrol.nr.no_hood") });
      else if (!session.can("community:admin") || !a.active) action = el("span", { text: "—" });
      else
        action = el(
          "button",
          {
            type: "button",
            class: "primary",
            "data-publish": a.id,
            onclick: async () => {
              if (!window.confirm(t("patrol.nr.confirm", { hood: a.neighborhood ?? "" }))) return;
              try {
                await post(`${P}/near-repeats/${a.id}/publish`, {});
                await loadAlerts();
              } catch (err) {
                msg.textContent = failText(err);
              }
            },
          },
          t("patrol.nr.publish"),
        );
      return [
        `${a.call_number} (${a.call_type})`,
        `${a.neighborhood ?? "—"} · ${Math.round(a.radius_m)} m`,
        formatTime(a.ends_at, lang()),
        el("small", { text: a.rule_detail }),
        action,
      ];
    });
    nrBox.replaceChildren(
      el("h2", { id: "patrol-nr-h", text: t("patrol.nr.title") }),
      el("button", { type: "button", onclick: () => void refreshAlerts() }, t("patrol.nr.refresh")),
      items.length
        ? table(t("patrol.nr.title"), [t("patrol.nr.call"), t("patrol.nr.area"), t("patrol.nr.until"), t("patrol.nr.rule"), ""], rows, { class: "stack" })
        : el("p", { text: t("patrol.nr.none") }),
    );
  };
  const refreshAlerts = async () => {
    try {
      await post(`${P}/near-repeats/sync`, {});
      await loadAlerts();
    } catch (err) {
      msg.textContent = failText(err);
    }
  };

  const plansTurn = newest(); // the list asked for on opening may answer after the one asked for once a plan is made
  const loadPlans = async () => {
    const current = plansTurn();
    const plans = await get<Plan[]>(`${P}/plans`);
    if (!current()) return;
    const rows = plans.map((p) => [
      p.call_sign,
      t(`plan.kind.${p.kind}` as Key),
      `${formatTime(p.starts_at, lang())} – ${formatTime(p.ends_at, lang())}`,
      p.stops.map((s) => `${s.seq}. ${t(`plan.stop.${s.kind}` as Key)}`).join(", "),
      `${p.dose_delivered_min.toFixed(1)} / ${p.dose_planned_min.toFixed(0)}`,
    ]);
    plansBox.replaceChildren(
      el("h2", { id: "patrol-plans-h", text: t("patrol.plans") }),
      table(t("patrol.plans"), [t("patrol.plan.unit_col"), t("patrol.plan.kind"), t("patrol.plan.start"), t("patrol.plan.stops"), t("patrol.plan.dose")], rows, { class: "stack" }),
    );
  };

  const sign = input({ name: "call_sign", required: true, maxlength: 16 });
  const kind = select("kind", ["cso", "guard", "holiday", "special"].map((k) => [k, t(`plan.kind.${k}` as Key)]), "cso");
  const start = input({ name: "starts_at", type: "datetime-local", required: true });
  const hours = input({ name: "hours", type: "number", min: 1, max: 16, value: "4", required: true });
  const form = el(
    "form",
    { class: "card", id: "patrol-plan-form", "aria-labelledby": "patrol-make-h" },
    el("h2", { id: "patrol-make-h", text: t("patrol.plan.make") }),
    field(t("patrol.plan.unit"), sign),
    field(t("patrol.plan.kind"), kind),
    field(t("patrol.plan.start"), start),
    field(t("patrol.plan.hours"), hours),
    el("button", { type: "submit", class: "primary" }, t("patrol.plan.make")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    msg.textContent = "";
    const from = start.value ? new Date(start.value) : new Date();
    const to = new Date(from.getTime() + Number(hours.value) * 3600_000);
    try {
      const plan = await post<Plan>(`${P}/plans`, { call_sign: sign.value.trim(), kind: kind.value, starts_at: from.toISOString(), ends_at: to.toISOString() });
      msg.textContent = t("patrol.plan.made", { sign: plan.call_sign, n: plan.stops.length });
      await loadPlans();
    } catch (err) {
      msg.textContent = failText(err);
    }
  });

  root.append(msg, nrBox);
  if (session.can("patrol:plan")) root.append(form);
  root.append(plansBox, reportBox);
  try {
    await loadAlerts();
    await loadPlans();
    await loadReport();
  } catch (err) {
    msg.textContent = failText(err);
  }
}
