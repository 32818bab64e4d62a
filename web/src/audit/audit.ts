// The audit log for auditors and supervisors: filter by actor, action and time, page back through the chain, see
// each entry's purpose and case, verify the hash chain; and the misuse flags raised by governance where that API
// is installed.

import { ApiError, get, hasApi, post, qs } from "../core/api";
import { el, field, formatTime, input, select, table } from "../core/dom";
import type { Key } from "../core/strings";
import { lang, t } from "../core/i18n";
import { can } from "../core/session";

interface Entry {
  seq: number;
  at: string;
  actor: string;
  actor_role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
}

interface Verification {
  ok: boolean;
  checked: number;
  first_bad_seq: number | null;
  problem: string | null;
}

/** A short, readable line of an entry's details (purpose and case first). */
export function detailsText(d: Record<string, unknown>): string {
  const parts: string[] = [];
  const first = ["kind", "purpose", "case_number", "result_count", "reason", "decision"];
  for (const k of first) if (d[k] !== undefined && d[k] !== null) parts.push(`${k}=${JSON.stringify(d[k])}`);
  for (const [k, v] of Object.entries(d)) {
    if (first.includes(k) || v === null || v === undefined) continue;
    parts.push(`${k}=${JSON.stringify(v)}`);
  }
  const s = parts.join(" · ");
  return s.length > 400 ? `${s.slice(0, 400)}…` : s;
}

export async function auditView(root: HTMLElement): Promise<void> {
  root.append(el("h1", { text: t("audit.title") }));
  const actor = input({ name: "actor" });
  const action = input({ name: "action", placeholder: "alpr.search" });
  const since = input({ name: "since", type: "datetime-local" });
  const until = input({ name: "until", type: "datetime-local" });
  const error = el("p", { class: "error", role: "alert" });
  const out = el("div", { class: "results" });
  const more = el("button", { type: "button", hidden: true }, t("audit.more"));
  const form = el(
    "form",
    { class: "card filters", "aria-label": t("audit.filters") },
    field(t("audit.actor"), actor),
    field(t("audit.action"), action, t("audit.action_hint")),
    field(t("audit.since"), since),
    field(t("audit.until"), until),
    el("button", { type: "submit", class: "primary" }, t("audit.search")),
  );
  root.append(form, error);
  if (can("audit:verify")) {
    const result = el("p", { role: "status", id: "verify-result" });
    root.append(
      el(
        "div",
        { class: "card" },
        el(
          "button",
          {
            type: "button",
            onclick: async () => {
              result.textContent = t("audit.verifying");
              try {
                const v = await post<Verification>("/api/v1/audit/verify");
                result.textContent = v.ok
                  ? t("audit.verified_ok", { n: v.checked })
                  : t("audit.verified_bad", { seq: v.first_bad_seq ?? "?", problem: v.problem ?? "" });
                result.className = v.ok ? "ok" : "error";
              } catch (err) {
                result.textContent = t("common.failed", { detail: String(err) });
              }
            },
          },
          t("audit.verify"),
        ),
        result,
      ),
    );
  }
  root.append(out, more);
  let rows: Entry[] = [];
  const draw = () => {
    out.replaceChildren(
      table(
        t("audit.entries"),
        [t("audit.seq"), t("audit.at"), t("audit.actor"), t("audit.role"), t("audit.action"), t("audit.target"), t("audit.details")],
        rows.map((e) => [
          String(e.seq),
          formatTime(e.at, lang()),
          e.actor,
          e.actor_role ?? "",
          el("code", { text: e.action }),
          e.target_type ? `${e.target_type} ${e.target_id ?? ""}` : "",
          detailsText(e.details),
        ]),
        { id: "audit-entries" },
      ),
    );
    if (!rows.length) out.append(el("p", { class: "empty", text: t("audit.empty") }));
  };
  const load = async (append: boolean) => {
    error.textContent = "";
    const before = append && rows.length ? rows[rows.length - 1].seq : undefined;
    const iso = (v: string) => (v ? new Date(v).toISOString() : undefined);
    try {
      const page = await get<Entry[]>(
        `/api/v1/audit/entries${qs({ actor: actor.value.trim(), action: action.value.trim(), since: iso(since.value), until: iso(until.value), before_seq: before, limit: 100 })}`,
      );
      rows = append ? rows.concat(page) : page;
      more.hidden = page.length < 100;
      draw();
    } catch (err) {
      error.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
    }
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void load(false);
  });
  more.addEventListener("click", () => void load(true));
  await load(false);

  if (can("misuse:read")) root.append(await misuseFlags());
}

const MISUSE = "/api/v1/governance/misuse-flags";
const DISPOSITIONS = ["no_issue", "training", "referred", "policy_violation"];

interface Flag {
  id: string;
  detector: string;
  subject: string;
  severity: string;
  summary: string;
  status: string;
  disposition: string | null;
  created_at: string;
}

/** The auditor's queue of misuse flags (governance), with resolve for those who may. */
async function misuseFlags(): Promise<HTMLElement> {
  const box = el("section", { "aria-labelledby": "misuse-title", class: "card" }, el("h2", { id: "misuse-title", text: t("audit.misuse") }));
  if (!(await hasApi(MISUSE))) {
    box.append(el("p", { text: t("common.not_installed") }));
    return box;
  }
  const error = el("p", { class: "error", role: "alert" });
  const list = el("div", {});
  box.append(error, list);
  const load = async () => {
    try {
      const page = await get<{ items: Flag[]; total: number }>(`${MISUSE}?limit=100`);
      list.replaceChildren(
        page.items.length
          ? table(
              t("audit.misuse"),
              [t("audit.at"), t("audit.subject"), t("audit.flag"), t("audit.severity"), t("audit.details"), t("audit.state"), ""],
              page.items.map((f) => [
                formatTime(f.created_at, lang()),
                f.subject,
                f.detector,
                f.severity,
                f.summary,
                f.disposition ? `${f.status} (${f.disposition})` : f.status,
                f.status === "open" && can("misuse:resolve") ? resolveForm(f, load, error) : "",
              ]),
              { id: "misuse-flags" },
            )
          : el("p", { text: t("audit.misuse_none") }),
      );
    } catch (err) {
      error.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
    }
  };
  await load();
  return box;
}

function resolveForm(f: Flag, reload: () => Promise<void>, error: HTMLElement): HTMLElement {
  const disposition = select("disposition", DISPOSITIONS.map((d) => [d, t(`audit.disposition.${d}` as Key)]), "no_issue");
  const note = input({ name: "note", required: true, minlength: 3 });
  const form = el(
    "form",
    { "aria-label": t("audit.resolve_flag", { subject: f.subject }) },
    field(t("audit.disposition"), disposition),
    field(t("alerts.note"), note),
    el("button", { type: "submit" }, t("audit.resolve")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await post(`${MISUSE}/${f.id}/resolve`, { disposition: disposition.value, note: note.value.trim() });
      await reload();
    } catch (err) {
      error.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
    }
  });
  return el("details", {}, el("summary", { text: t("audit.resolve") }), form);
}
