// The audit log for auditors and supervisors: filter by actor, action and time, page back through the chain, see
// each entry's purpose and case, verify the hash chain; and the misuse flags raised by governance where that API
// is installed.

import { ApiError, api, del, get, hasApi, post, qs } from "../core/api";
import { el, field, formatTime, input, nextId, select, table } from "../core/dom";
import type { Key } from "../core/strings";
import { lang, t } from "../core/i18n";
import { newest } from "../core/newest";
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
  const turn = newest(); // a page asked for before a newer filter must not land on that filter's list
  const load = async (append: boolean) => {
    const current = turn();
    error.textContent = "";
    if (!append) more.hidden = true; // no "more" of the old filter's list while the new filter's first page comes
    const before = append && rows.length ? rows[rows.length - 1].seq : undefined;
    const iso = (v: string) => (v ? new Date(v).toISOString() : undefined);
    try {
      const page = await get<Entry[]>(
        `/api/v1/audit/entries${qs({ actor: actor.value.trim(), action: action.value.trim(), since: iso(since.value), until: iso(until.value), before_seq: before, limit: 100 })}`,
      );
      if (!current()) return;
      rows = append ? rows.concat(page) : page;
      more.hidden = page.length < 100;
      draw();
    } catch (err) {
      if (current()) error.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
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
const DETECTORS = ["off_duty", "volume", "repeated_plate", "inactive_case", "forbidden_purpose"];

interface Flag {
  id: string;
  detector: string;
  subject: string;
  window_start: string;
  window_end: string;
  severity: string;
  summary: string;
  evidence: Record<string, unknown>;
  status: string;
  disposition: string | null;
  note: string | null;
  created_at: string;
  resolved_by: string | null;
}

interface ScanResult {
  entries_examined: number;
  flags_raised: number;
  flags_created: number;
  flags_updated: number;
}

function problem(err: unknown): string {
  return t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
}

function detectorLabel(d: string): string {
  return DETECTORS.includes(d) ? t(`misuse.detector.${d}` as Key) : d;
}

/** The auditor's queue of misuse flags (governance): run a scan, open a flag's evidence (the audit entries it
 * cites), resolve it with a disposition and a note; and the duty schedules the off-duty detector reads. */
async function misuseFlags(): Promise<HTMLElement> {
  const box = el("section", { "aria-labelledby": "misuse-title", class: "card", id: "misuse" }, el("h2", { id: "misuse-title", text: t("audit.misuse") }));
  if (!(await hasApi(MISUSE))) {
    box.append(el("p", { text: t("common.not_installed") }));
    return box;
  }
  const error = el("p", { class: "error", role: "alert" });
  const status = el("p", { role: "status", "aria-live": "polite", id: "misuse-status" });
  const list = el("div", {});
  const show = select("status", [
    ["", t("misuse.all")],
    ["open", t("misuse.status.open")],
    ["resolved", t("misuse.status.resolved")],
  ]);
  const tools = el("div", { class: "filters" }, field(t("misuse.show"), show));
  if (can("misuse:resolve")) {
    tools.append(
      el(
        "button",
        {
          type: "button",
          id: "misuse-scan",
          onclick: async () => {
            error.textContent = "";
            status.textContent = t("misuse.scanning");
            try {
              const r = await post<ScanResult>("/api/v1/governance/misuse-scans");
              status.textContent = t("misuse.scanned", {
                examined: r.entries_examined,
                raised: r.flags_raised,
                created: r.flags_created,
                updated: r.flags_updated,
              });
              await load();
            } catch (err) {
              status.textContent = "";
              error.textContent = problem(err);
            }
          },
        },
        t("misuse.scan_now"),
      ),
    );
  }
  box.append(tools, error, status, list);
  const turn = newest(); // the flags asked for on opening may answer after a newer status filter's
  const load = async () => {
    const current = turn();
    try {
      const page = await get<{ items: Flag[]; total: number }>(`${MISUSE}${qs({ status: show.value, limit: 100 })}`);
      if (!current()) return;
      list.replaceChildren(
        page.items.length
          ? table(
              t("audit.misuse"),
              [t("audit.at"), t("audit.subject"), t("audit.flag"), t("audit.severity"), t("audit.details"), t("audit.state"), ""],
              page.items.map((f) => {
                const state = el("div", {}, el("span", { "data-status": f.status, text: f.status === "open" ? t("misuse.status.open") : t("misuse.status.resolved") }));
                if (f.disposition) {
                  state.append(` (${t(`audit.disposition.${f.disposition}` as Key)})`);
                  state.append(el("br"), el("small", { text: t("misuse.resolved_by", { who: f.resolved_by ?? "", note: f.note ?? "" }) }));
                }
                return [
                  formatTime(f.created_at, lang()),
                  f.subject,
                  detectorLabel(f.detector),
                  f.severity,
                  el("div", {}, f.summary, evidence(f)),
                  state,
                  f.status === "open" && can("misuse:resolve") ? resolveForm(f, load, error, status) : "",
                ];
              }),
              { id: "misuse-flags" },
            )
          : el("p", { text: t("audit.misuse_none") }),
      );
    } catch (err) {
      if (current()) error.textContent = problem(err);
    }
  };
  show.addEventListener("change", () => void load());
  await load();
  const wrap = el("div", {}, box);
  if (await hasApi("/api/v1/governance/duty-schedules")) wrap.append(await dutySchedules());
  return wrap;
}

/** A flag's evidence, loaded when opened: the flag itself (the view is audited) and the audit entries it cites. */
function evidence(f: Flag): HTMLElement {
  const body = el("div", {});
  const details = el("details", { class: "evidence" }, el("summary", { "aria-label": t("misuse.evidence_of", { subject: f.subject }), text: t("misuse.evidence") }), body);
  let loaded = false;
  details.addEventListener("toggle", async () => {
    if (!details.open || loaded) return;
    loaded = true;
    body.replaceChildren(el("p", { role: "status", text: t("misuse.loading") }));
    try {
      const full = await get<Flag>(`${MISUSE}/${f.id}`);
      const ev = full.evidence ?? {};
      const seqs = Array.isArray(ev.seqs) ? (ev.seqs as number[]) : [];
      const figures = Object.entries(ev).filter(([k]) => k !== "seqs" && k !== "times");
      const nodes: HTMLElement[] = [
        el("p", { text: t("misuse.window", { from: formatTime(full.window_start, lang()), to: formatTime(full.window_end, lang()) }) }),
        el("ul", {}, ...figures.map(([k, v]) => el("li", {}, el("code", { text: k }), `: ${typeof v === "string" ? v : JSON.stringify(v)}`))),
      ];
      if (seqs.length && can("audit:read")) {
        const shown = seqs.slice(0, 25);
        const entries = (
          await Promise.all(shown.map((seq) => get<Entry[]>(`/api/v1/audit/entries${qs({ before_seq: seq + 1, limit: 1 })}`)))
        )
          .flat()
          .filter((e) => shown.includes(e.seq));
        nodes.push(
          table(
            t("misuse.cited", { shown: entries.length, n: seqs.length }),
            [t("audit.seq"), t("audit.at"), t("audit.actor"), t("audit.action"), t("audit.details")],
            entries.map((e) => [String(e.seq), formatTime(e.at, lang()), e.actor, el("code", { text: e.action }), detailsText(e.details)]),
            { class: "evidence-entries" },
          ),
        );
      } else if (seqs.length) {
        nodes.push(el("p", { text: `${t("audit.seq")} ${seqs.join(", ")}` }));
      }
      body.replaceChildren(...nodes);
    } catch (err) {
      loaded = false;
      body.replaceChildren(el("p", { class: "error", text: problem(err) }));
    }
  });
  return details;
}

function resolveForm(f: Flag, reload: () => Promise<void>, error: HTMLElement, status: HTMLElement): HTMLElement {
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
    error.textContent = "";
    try {
      await post(`${MISUSE}/${f.id}/resolve`, { disposition: disposition.value, note: note.value.trim() });
      status.textContent = t("misuse.resolved_ok", { subject: f.subject, disposition: t(`audit.disposition.${disposition.value}` as Key) });
      await reload();
    } catch (err) {
      error.textContent = problem(err);
    }
  });
  return el("details", {}, el("summary", { text: t("audit.resolve") }), form);
}

interface Duty {
  actor: string;
  weekdays: number[];
  start: string;
  end: string;
  timezone: string | null;
}

const DUTY = "/api/v1/governance/duty-schedules";

/** Per-user duty hours (read by the off-duty detector); editable by user administrators. */
async function dutySchedules(): Promise<HTMLElement> {
  const box = el("section", { "aria-labelledby": "duty-title", class: "card", id: "duty" }, el("h2", { id: "duty-title", text: t("duty.title") }));
  const error = el("p", { class: "error", role: "alert" });
  const status = el("p", { role: "status", "aria-live": "polite" });
  const list = el("div", {});
  const admin = can("users:admin");
  const days = (w: number[]) => w.map((d) => t(`duty.day.${d}` as Key)).join(" ");
  const turn = newest(); // an older answer must not undo a removal or a save drawn since
  const load = async () => {
    const current = turn();
    try {
      const rows = await get<Duty[]>(DUTY);
      if (!current()) return;
      list.replaceChildren(
        rows.length
          ? table(
              t("duty.title"),
              [t("duty.user"), t("duty.weekdays"), t("duty.start"), t("duty.end"), t("duty.timezone"), ""],
              rows.map((d) => [
                d.actor,
                days(d.weekdays),
                d.start,
                d.end,
                d.timezone ?? "",
                admin
                  ? el(
                      "button",
                      {
                        type: "button",
                        "aria-label": t("duty.remove_named", { user: d.actor }),
                        onclick: async () => {
                          try {
                            await del(`${DUTY}/${encodeURIComponent(d.actor)}`);
                            await load();
                          } catch (err) {
                            error.textContent = problem(err);
                          }
                        },
                      },
                      t("common.remove"),
                    )
                  : "",
              ]),
              { id: "duty-schedules" },
            )
          : el("p", { text: t("duty.none") }),
      );
    } catch (err) {
      if (current()) error.textContent = problem(err);
    }
  };
  box.append(error, status, list);
  if (admin) {
    const user = input({ name: "user", required: true, autocomplete: "off" });
    const start = input({ name: "start", type: "time", required: true, value: "07:00" });
    const end = input({ name: "end", type: "time", required: true, value: "19:00" });
    const boxes = [0, 1, 2, 3, 4, 5, 6].map((d) => {
      const id = nextId("day");
      const b = el("input", { type: "checkbox", id, name: "weekdays", value: String(d), checked: d < 5 });
      return { b, node: el("span", { class: "check" }, b, el("label", { for: id, text: t(`duty.day.${d}` as Key) })) };
    });
    const form = el(
      "form",
      { "aria-labelledby": "duty-form-title" },
      el("h3", { id: "duty-form-title", text: t("duty.set") }),
      field(t("duty.user"), user),
      el("fieldset", { class: "buttons" }, el("legend", { text: t("duty.weekdays") }), ...boxes.map((x) => x.node)),
      field(t("duty.start"), start),
      field(t("duty.end"), end, t("duty.end_hint")),
      el("button", { type: "submit" }, t("duty.save")),
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      error.textContent = "";
      try {
        const who = user.value.trim();
        await api("PUT", `${DUTY}/${encodeURIComponent(who)}`, {
          weekdays: boxes.filter((x) => x.b.checked).map((x) => Number(x.b.value)),
          start: start.value.slice(0, 5),
          end: end.value.slice(0, 5),
        });
        status.textContent = t("duty.saved", { user: who });
        await load();
      } catch (err) {
        error.textContent = problem(err);
      }
    });
    box.append(form);
  }
  await load();
  return box;
}
