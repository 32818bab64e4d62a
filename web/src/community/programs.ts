// Community programs for city staff: the tip queue (triage with a note to the reporter) and the camera-rebate
// review queue (approve or deny with a reason) with the program's budget.

import { ApiError, get, post, qs } from "../core/api";
import { el, field, formatTime, input, select, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import type { Life } from "../core/router";
import { can } from "../core/session";
import { newest } from "../core/newest";

interface StaffTip {
  id: string;
  reference: string;
  category: string;
  status: string;
  description: string;
  occurred_at: string;
  location_text: string | null;
  reporter: string | null;
  submitted_at: string;
}
interface Application {
  id: string;
  status: string;
  address: string;
  neighborhood: string | null;
  retailer: string;
  amount_cents: number;
  rebate_cents: number;
  submitted_at: string | null;
  waitlist_position: number | null;
}
interface Program {
  total_cents: number;
  committed_cents: number;
  paid_cents: number;
  available_cents: number;
  waitlisted: number;
}

const TIP_STATUSES = ["received", "reviewing", "referred", "closed"];

function money(cents: number): string {
  return (cents / 100).toLocaleString(lang() === "es" ? "es-US" : "en-US", { style: "currency", currency: "USD" });
}

function failText(err: unknown): string {
  return t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
}

async function tipsSection(life: Life): Promise<HTMLElement> {
  const box = el("section", { class: "card", "aria-labelledby": "tips-title" }, el("h2", { id: "tips-title", text: t("programs.tips") }));
  const error = el("p", { class: "error", role: "alert" });
  const filter = select("status", [["", t("alerts.filter.all")], ...TIP_STATUSES.map((s): [string, string] => [s, t(`portal.status.${s}` as Key)])], "");
  filter.id = "tip-filter";
  const list = el("div", {});
  box.append(el("div", { class: "field inline" }, el("label", { for: filter.id, text: t("alerts.filter") }), filter), error, list);
  const turn = newest(life); // the queue asked for on opening may answer after a newer status filter's
  const load = async () => {
    const current = turn();
    try {
      const page = await get<{ items: StaffTip[]; total: number }>(`/api/v1/tips${qs({ status: filter.value, limit: 100 })}`);
      if (!current()) return;
      list.replaceChildren(
        page.items.length
          ? table(
              t("programs.tips"),
              [t("programs.reference"), t("portal.category"), t("portal.description"), t("portal.where"), t("portal.when"), t("programs.reporter"), t("audit.state"), ""],
              page.items.map((tip) => {
                const status = select("status", TIP_STATUSES.map((s) => [s, t(`portal.status.${s}` as Key)]), tip.status);
                const note = input({ name: "note_to_reporter" });
                const form = el(
                  "form",
                  { "aria-label": t("programs.triage", { ref: tip.reference }) },
                  field(t("audit.state"), status),
                  field(t("programs.note_to_reporter"), note),
                  el("button", { type: "submit" }, t("programs.save")),
                );
                form.addEventListener("submit", async (ev) => {
                  ev.preventDefault();
                  try {
                    await post(`/api/v1/tips/${tip.id}/triage`, { status: status.value, note_to_reporter: note.value.trim() || null });
                    await load();
                  } catch (err) {
                    error.textContent = failText(err);
                  }
                });
                return [
                  tip.reference,
                  t(`portal.cat.${tip.category}` as Key),
                  tip.description,
                  tip.location_text ?? "",
                  formatTime(tip.occurred_at, lang()),
                  tip.reporter ?? t("programs.anonymous"),
                  t(`portal.status.${tip.status}` as Key),
                  el("details", {}, el("summary", { text: t("programs.triage_short") }), form),
                ];
              }),
              { id: "tip-queue" },
            )
          : el("p", { text: t("portal.no_tips") }),
      );
    } catch (err) {
      if (current()) error.textContent = failText(err);
    }
  };
  filter.addEventListener("change", () => void load());
  await load();
  return box;
}

async function rebatesSection(life: Life): Promise<HTMLElement> {
  const box = el("section", { class: "card", "aria-labelledby": "rebates-title" }, el("h2", { id: "rebates-title", text: t("programs.rebates") }));
  const error = el("p", { class: "error", role: "alert" });
  const budget = el("p", { id: "rebate-budget" });
  const list = el("div", {});
  box.append(budget, error, list);
  const turn = newest(life); // an older queue must not replace the one drawn after a decision
  const load = async () => {
    const current = turn();
    try {
      const [program, page] = await Promise.all([
        get<Program>("/api/v1/rebates/program"),
        get<{ items: Application[]; total: number }>("/api/v1/rebates/queue?limit=100"),
      ]);
      if (!current()) return;
      budget.textContent = t("programs.budget", {
        total: money(program.total_cents),
        available: money(program.available_cents),
        committed: money(program.committed_cents),
        paid: money(program.paid_cents),
        waiting: program.waitlisted,
      });
      list.replaceChildren(
        page.items.length
          ? table(
              t("programs.rebates"),
              [t("portal.address"), t("programs.neighborhood"), t("portal.retailer"), t("programs.rebate"), t("programs.submitted"), t("audit.state"), ""],
              page.items.map((a) => {
                const acts = el("div", { class: "buttons" });
                if (a.status === "eligible") {
                  acts.append(
                    el(
                      "button",
                      {
                        type: "button",
                        class: "primary",
                        "aria-label": t("programs.approve_at", { address: a.address }),
                        onclick: async () => {
                          try {
                            await post(`/api/v1/rebates/${a.id}/approve`, {});
                            await load();
                          } catch (err) {
                            error.textContent = failText(err);
                          }
                        },
                      },
                      t("programs.approve"),
                    ),
                  );
                }
                if (a.status === "eligible" || a.status === "waitlisted") {
                  const reason = input({ name: "reason", required: true, minlength: 3 });
                  const deny = el("form", { "aria-label": t("programs.deny_at", { address: a.address }) }, field(t("alerts.reason"), reason), el("button", { type: "submit" }, t("programs.deny")));
                  deny.addEventListener("submit", async (ev) => {
                    ev.preventDefault();
                    try {
                      await post(`/api/v1/rebates/${a.id}/deny`, { reason: reason.value.trim() });
                      await load();
                    } catch (err) {
                      error.textContent = failText(err);
                    }
                  });
                  acts.append(el("details", {}, el("summary", { text: t("programs.deny") }), deny));
                }
                return [
                  a.address,
                  a.neighborhood ?? "",
                  a.retailer,
                  money(a.rebate_cents),
                  formatTime(a.submitted_at, lang()),
                  a.waitlist_position ? `${t(`portal.status.${a.status}` as Key)} (#${a.waitlist_position})` : t(`portal.status.${a.status}` as Key),
                  acts,
                ];
              }),
              { id: "rebate-queue" },
            )
          : el("p", { text: t("programs.queue_empty") }),
      );
    } catch (err) {
      if (current()) error.textContent = failText(err);
    }
  };
  await load();
  return box;
}

export async function programsView(root: HTMLElement, _params: URLSearchParams, life: Life): Promise<void> {
  root.append(el("h1", { text: t("programs.title") }));
  if (can("tips:triage")) root.append(await tipsSection(life));
  if (can("rebates:review") && life.alive) root.append(await rebatesSection(life));
}
