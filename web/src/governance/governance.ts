// Governance administration: the retention policy per data class and the purge runs (a dry run or a real pass for
// those who may), legal holds (request; approve/deny/release by another person), the purpose codes, and the
// sharing policy where the governance API offers it.

import { ApiError, get, hasApi, post } from "../core/api";
import { el, field, formatTime, input, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import { can } from "../core/session";
import { newest } from "../core/newest";
import { purposes } from "./purposes";
import { sharingSection } from "./sharing";

interface RetentionClass {
  name: string;
  days: number;
  description: string;
}
interface Policy {
  classes: RetentionClass[];
  batch_size: number;
  interval_s: number;
}
interface Outcome {
  name: string;
  count: number;
  cutoff: string;
  complete: boolean;
}
interface Run {
  id: string;
  started_at: string;
  trigger: string;
  actor: string;
  dry_run: boolean;
  status: string;
  classes: Record<string, { count?: number }>;
}
interface Hold {
  id: string;
  case_number: string;
  reason: string;
  plates: string[];
  review_date: string;
  status: string;
  requested_by: string;
}

function failed(box: HTMLElement, err: unknown): void {
  box.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
}

export async function governanceView(root: HTMLElement): Promise<void> {
  root.append(el("h1", { text: t("gov.title") }));
  const error = el("p", { class: "error", role: "alert" });
  root.append(error);

  // retention policy and runs
  const ret = el("section", { class: "card", "aria-labelledby": "ret-title" }, el("h2", { id: "ret-title", text: t("gov.retention") }));
  root.append(ret);
  try {
    const policy = await get<Policy>("/api/v1/retention/policy");
    ret.append(
      table(
        t("gov.retention"),
        [t("gov.class"), t("gov.days"), t("gov.description")],
        policy.classes.map((c) => [el("code", { text: c.name }), String(c.days), c.description]),
        { id: "retention-policy" },
      ),
    );
  } catch (err) {
    failed(error, err);
  }
  const runsBox = el("div", {});
  const runsTurn = newest(); // the list asked for on opening may answer after the one asked for once a run is done
  const loadRuns = async () => {
    const current = runsTurn();
    try {
      const runs = await get<Run[]>("/api/v1/retention/runs?limit=20");
      if (!current()) return;
      runsBox.replaceChildren(
        table(
          t("gov.runs"),
          [t("audit.at"), t("gov.trigger"), t("audit.actor"), t("gov.dry_run"), t("audit.state"), t("gov.counts")],
          runs.map((r) => [
            formatTime(r.started_at, lang()),
            r.trigger,
            r.actor,
            r.dry_run ? t("common.yes") : t("common.no"),
            r.status,
            Object.entries(r.classes)
              .map(([k, v]) => `${k}: ${v?.count ?? 0}`)
              .join(", "),
          ]),
        ),
      );
    } catch {
      /* shown with the policy error already */
    }
  };
  ret.append(runsBox);
  if (can("retention:run")) {
    const out = el("p", { role: "status" });
    const runBtn = (dry: boolean) =>
      el(
        "button",
        {
          type: "button",
          onclick: async () => {
            if (!dry && !window.confirm(t("gov.confirm_purge"))) return;
            try {
              const res = await post<Outcome[]>("/api/v1/retention/run", { dry_run: dry });
              out.textContent = res.map((o) => `${o.name}: ${o.count}`).join(" · ") || t("gov.nothing_due");
              await loadRuns();
            } catch (err) {
              failed(out, err);
            }
          },
        },
        dry ? t("gov.dry_run_now") : t("gov.purge_now"),
      );
    ret.append(el("div", { class: "buttons" }, runBtn(true), runBtn(false)), out);
  }
  await loadRuns();

  // legal holds
  if (can("holds:request")) {
    const holds = el("section", { class: "card", "aria-labelledby": "holds-title" }, el("h2", { id: "holds-title", text: t("gov.holds") }));
    const list = el("div", {});
    root.append(holds);
    const turn = newest(); // an older list must not replace the one drawn after a hold was requested or acted on
    const load = async () => {
      const current = turn();
      try {
        const rows = await get<Hold[]>("/api/v1/holds?limit=100");
        if (!current()) return;
        list.replaceChildren(
          table(
            t("gov.holds"),
            [t("alerts.case"), t("alerts.reason"), t("gov.plates"), t("gov.review"), t("audit.state"), t("gov.requested_by"), ""],
            rows.map((h) => {
              const acts = el("div", { class: "buttons" });
              if (can("holds:approve")) {
                const act = (what: string) =>
                  el(
                    "button",
                    {
                      type: "button",
                      "aria-label": t("gov.hold_act_named", { action: t(`gov.hold.${what}` as never), case: h.case_number }),
                      onclick: async () => {
                        try {
                          await post(`/api/v1/holds/${h.id}/${what}`, {});
                          await load();
                        } catch (err) {
                          failed(error, err);
                        }
                      },
                    },
                    t(`gov.hold.${what}` as never),
                  );
                if (h.status === "requested") acts.append(act("approve"), act("deny"));
                if (h.status === "active") acts.append(act("release"));
              }
              return [h.case_number, h.reason, h.plates.join(", "), h.review_date, el("span", { "data-status": h.status, text: h.status }), h.requested_by, acts];
            }),
            { id: "holds" },
          ),
        );
      } catch (err) {
        if (current()) failed(error, err);
      }
    };
    const caseNo = input({ name: "case_number", required: true });
    const reason = input({ name: "reason", required: true });
    const plates = input({ name: "plates" });
    const review = input({ name: "review_date", type: "date", required: true });
    const form = el(
      "form",
      { "aria-label": t("gov.hold_request") },
      el("h3", { text: t("gov.hold_request") }),
      field(t("alerts.case"), caseNo),
      field(t("alerts.reason"), reason),
      field(t("gov.plates"), plates, t("gov.plates_hint")),
      field(t("gov.review"), review),
      el("button", { type: "submit" }, t("gov.hold_request")),
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await post("/api/v1/holds", {
          case_number: caseNo.value.trim(),
          reason: reason.value.trim(),
          review_date: review.value,
          plates: plates.value.split(",").map((s) => s.trim()).filter(Boolean),
        });
        form.reset();
        await load();
      } catch (err) {
        failed(error, err);
      }
    });
    holds.append(list, form);
    await load();
  }

  // purposes (C1)
  const plist = await purposes();
  if (plist.length) {
    root.append(
      el(
        "section",
        { class: "card", "aria-labelledby": "purposes-title" },
        el("h2", { id: "purposes-title", text: t("gov.purposes") }),
        table(
          t("gov.purposes"),
          [t("gov.code"), t("gov.label"), t("gov.requires_case"), t("gov.description")],
          plist.map((p) => [el("code", { text: p.code }), p.label, p.requires_case ? t("common.yes") : t("common.no"), p.description ?? ""]),
        ),
      ),
    );
  }

  // sharing policy: agencies (add, edit, suspend) and the log of other agencies' requests (governance API)
  if (can("sharing:read") && (await hasApi("/api/v1/sharing/agencies"))) root.append(await sharingSection());
}
