// The portal's "my reports" page (/portal/reports): the calls and online reports the signed-in resident made, each
// with its coarse status (received, assigned, visited, closed — the Strategic Plan's objective 7.1) and when it got
// there, and a form to file an online report (only the call types an online report may take). The API returns only
// the account's own calls and nothing of units, notes or other people (GET/POST /api/v1/community/reports).

import { get, post } from "../core/api";
import { el, field, formatTime, select } from "../core/dom";
import { lang, named, t } from "../core/i18n";
import type { Key } from "../core/strings";
import type { Cleanup } from "../core/router";
import { newest } from "../core/newest";
import { failText, pinPicker } from "./common";

const R = "/api/v1/community/reports";

interface Report {
  id: string;
  number: string;
  call_type_name: string;
  call_type_names?: Record<string, string>;
  online_report: boolean;
  status: string;
  received_at: string;
  steps: Array<{ status: string; at: string }>;
}

function label(status: string): string {
  return t(`reports.status.${status}` as Key);
}

function card(r: Report): HTMLElement {
  const steps = el("ol", { class: "steps", "aria-label": t("reports.progress") });
  for (const s of r.steps) steps.append(el("li", {}, el("strong", { text: label(s.status) }), ` — ${formatTime(s.at, lang())}`));
  return el(
    "article",
    { class: "card report", "data-number": r.number, "data-status": r.status },
    el("h3", {}, `${r.number} — `, el("span", { class: "badge", text: label(r.status) })),
    el("p", { text: `${r.online_report ? t("reports.online") : t("reports.call")}: ${named(r.call_type_name, r.call_type_names)}` }),
    steps,
  );
}

export async function reportsPage(root: HTMLElement): Promise<Cleanup> {
  root.append(el("h1", { text: t("reports.title") }), el("p", { class: "lead", text: t("reports.lead") }));
  const list = el("div", { id: "my-reports", "aria-live": "polite" });
  const error = el("p", { class: "error", role: "alert" });
  const turn = newest(); // an older list must not replace the one drawn after a change was saved
  const load = async () => {
    const current = turn();
    try {
      const items = await get<Report[]>(R);
      if (!current()) return;
      list.replaceChildren(...(items.length ? items.map(card) : [el("p", { text: t("reports.none") })]));
    } catch (err) {
      if (current()) list.replaceChildren(el("p", { text: failText(err) }));
    }
  };

  const types = await get<Array<{ code: string; name: string; names?: Record<string, string> }>>(`${R}/types`).catch(() => []);
  const kind = select("call_type", types.map((c) => [c.code, named(c.name, c.names)] as [string, string]));
  const narrative = el("textarea", { name: "narrative", rows: 4, required: true, minlength: 3, maxlength: 8000 });
  const pin = pinPicker(t("reports.file"));
  const done = el("p", { role: "status" });
  const form = el(
    "form",
    { id: "report-form", class: "card" },
    el("h2", { text: t("reports.file") }),
    el("p", { class: "hint", text: t("reports.file_lead") }),
    field(t("reports.type"), kind),
    field(t("reports.narrative"), narrative),
    ...pin.nodes,
    el("button", { type: "submit" }, t("reports.submit")),
    done,
    error,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    error.textContent = "";
    done.textContent = "";
    const body = { call_type: kind.value, lat: Number(pin.lat.value), lon: Number(pin.lon.value), narrative: narrative.value.trim() };
    void post<Report>(R, body)
      .then(async (r) => {
        done.textContent = t("reports.filed", { number: r.number });
        narrative.value = "";
        await load();
      })
      .catch((err: unknown) => {
        error.textContent = failText(err);
      });
  });
  root.append(el("h2", { text: t("reports.nav") }), list, form);
  await load();
  return pin.cleanup;
}
