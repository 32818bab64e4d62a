// Footage requests for staff (/app/footage): the list with a state and case filter, and one request's detail with
// its clips (name, size, SHA-256, uploader, times, download), "verify hashes" with the result per clip, the
// evidence-package download (zip with manifest), cancel or close with a reason, and the chain-of-custody log.
// Every clip download and package export is logged by the server in the custody log, audit log and the camera's
// owner-visible access log.

import { ApiError, get, post, qs } from "../core/api";
import { el, field, formatTime, input, select, table, type Child } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import type { Life } from "../core/router";
import { newest, type Current } from "../core/newest";
import { can } from "../core/session";
import { FOOTAGE_REQUESTS } from "../cameras/footage";

/** The request states of the footage API (rtcc.footage.logic.RequestState). */
export const STATES = ["requested", "approved", "declined", "cancelled", "expired", "fulfilled", "closed"];

interface Clip {
  id: string;
  sha256: string;
  size_bytes: number;
  content_type: string;
  filename: string;
  uploaded_by: string;
  uploaded_by_role: string | null;
  upload_started_at: string;
  uploaded_at: string;
  recorded_start: string | null;
  recorded_end: string | null;
  note: string | null;
}

export interface StaffRequest {
  id: string;
  camera_id: string;
  camera_code: string;
  camera_name: string;
  owner_type: string;
  agency_owned: boolean;
  case_number: string;
  incident_number: string | null;
  purpose: string;
  reason: string;
  window_start: string;
  window_end: string;
  state: string;
  allowed_events: string[];
  requested_by: string;
  requested_at: string;
  due_at: string | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  fulfilled_at: string | null;
  closed_at: string | null;
  clip_count: number;
  clips: Clip[];
}

interface Custody {
  seq: number;
  action: string;
  actor: string;
  actor_role: string | null;
  at: string;
  clip_id: string | null;
  sha256: string | null;
  client_ip: string | null;
  details: Record<string, unknown>;
  hash: string;
}

interface ClipCheck {
  clip_id: string;
  filename: string;
  expected_sha256: string;
  actual_sha256: string | null;
  ok: boolean;
  problem: string | null;
}

interface VerifyResult {
  ok: boolean;
  clips: ClipCheck[];
  custody_ok: boolean;
  custody_checked: number;
  custody_problem: string | null;
}

function failText(err: unknown): string {
  if (err instanceof ApiError) {
    const why = err.errors.map((e) => (e.field ? `${e.field}: ${e.msg}` : e.msg)).filter(Boolean);
    return t("common.failed", { detail: why.length ? `${err.message} (${why.join("; ")})` : err.message });
  }
  return t("common.failed", { detail: String(err) });
}

function label(prefix: string, value: string): string {
  const key = `${prefix}.${value}` as Key;
  const text = t(key);
  return text === key ? value.replace(/_/g, " ") : text;
}

export function stateLabel(state: string): string {
  return label("fr.state", state);
}

function stateBadge(state: string): HTMLElement {
  return el("span", { class: `badge fr-state fr-state-${state}`, "data-state": state, text: stateLabel(state) });
}

function size(bytes: number): string {
  const fmt = (n: number) => n.toLocaleString(lang() === "es" ? "es-US" : "en-US", { maximumFractionDigits: 1 });
  if (bytes < 1024) return `${fmt(bytes)} B`;
  if (bytes < 1024 * 1024) return `${fmt(bytes / 1024)} KB`;
  return `${fmt(bytes / (1024 * 1024))} MB`;
}

function when(iso: string | null | undefined): string {
  return formatTime(iso, lang());
}

function windowText(r: StaffRequest): string {
  return `${when(r.window_start)} – ${when(r.window_end)}`;
}

function ownerText(r: StaffRequest): string {
  return r.agency_owned ? t("fr.agency") : label("owner", r.owner_type);
}

function details(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}: ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`)
    .join("; ");
}

/** A definition list of the request's facts. */
function facts(r: StaffRequest): HTMLElement {
  const dl = el("dl", { class: "fr-facts" });
  const add = (term: string, value: Child) => {
    if (value === null || value === undefined || value === "") return;
    dl.append(el("dt", { text: term }), el("dd", {}, value));
  };
  add(t("fr.camera"), `${r.camera_name} (${r.camera_code})`);
  add(t("fr.owner"), ownerText(r));
  add(t("fr.state"), stateBadge(r.state));
  add(t("fr.purpose"), r.purpose);
  add(t("fr.incident"), r.incident_number);
  add(t("fr.reason"), r.reason);
  add(t("fr.window"), windowText(r));
  add(t("fr.requested"), t("fr.by_at", { who: r.requested_by, at: when(r.requested_at) }));
  add(t("fr.due"), when(r.due_at));
  if (r.decided_by) add(t("fr.decided"), t("fr.by_at", { who: r.decided_by, at: when(r.decided_at) }));
  add(t("fr.decision_reason"), r.decision_reason);
  add(t("fr.fulfilled"), when(r.fulfilled_at));
  add(t("fr.closed"), when(r.closed_at));
  return dl;
}

function clipsTable(r: StaffRequest): HTMLElement {
  if (!r.clips.length) return el("p", { text: t("fr.no_clips") });
  return table(
    t("fr.clips_title"),
    [t("fr.file"), t("fr.size"), t("fr.sha256"), t("fr.uploader"), t("fr.upload_started"), t("fr.uploaded"), t("fr.recorded"), t("fr.note"), ""],
    r.clips.map((c) => [
      c.filename,
      size(c.size_bytes),
      el("code", { class: "fr-hash", "data-clip": c.id, text: c.sha256 }),
      c.uploaded_by_role ? `${c.uploaded_by} (${label("role", c.uploaded_by_role)})` : c.uploaded_by,
      when(c.upload_started_at),
      when(c.uploaded_at),
      c.recorded_start ? `${when(c.recorded_start)} – ${when(c.recorded_end)}` : "",
      c.note ?? "",
      el("a", { href: `/api/v1/footage/clips/${c.id}`, download: c.filename, "aria-label": t("fr.download_named", { name: c.filename }) }, t("fr.download")),
    ]),
    { id: "fr-clips" },
  );
}

function custodyTable(entries: Custody[]): HTMLElement {
  if (!entries.length) return el("p", { text: t("fr.custody_empty") });
  return table(
    t("fr.custody"),
    [t("fr.seq"), t("fr.at"), t("fr.action"), t("fr.actor"), t("fr.sha256"), t("fr.ip"), t("fr.details"), t("fr.entry_hash")],
    entries.map((e) => {
      const row: Child[] = [
        String(e.seq),
        when(e.at),
        el("span", { "data-action": e.action, text: label("fr.action", e.action) }),
        e.actor_role ? `${e.actor} (${label("role", e.actor_role)})` : e.actor,
        e.sha256 ? el("code", { class: "fr-hash", text: e.sha256 }) : "",
        e.client_ip ?? "",
        details(e.details),
        el("code", { class: "fr-hash", title: e.hash, text: `${e.hash.slice(0, 16)}…` }),
      ];
      return row;
    }),
    { id: "fr-custody" },
  );
}

function verifyOutcome(v: VerifyResult): HTMLElement[] {
  const out: HTMLElement[] = [];
  const summary = v.ok
    ? t("fr.verify_ok", { n: v.clips.length, m: v.custody_checked })
    : !v.custody_ok
      ? t("fr.verify_chain_bad", { problem: v.custody_problem ?? "" })
      : t("fr.verify_bad");
  out.push(el("p", { class: v.ok ? "ok" : "error", "data-ok": String(v.ok), text: summary }));
  if (v.clips.length) {
    out.push(
      table(
        t("fr.verify_results"),
        [t("fr.file"), t("fr.expected"), t("fr.actual"), t("fr.result")],
        v.clips.map((c) => [
          c.filename,
          el("code", { class: "fr-hash", text: c.expected_sha256 }),
          el("code", { class: "fr-hash", text: c.actual_sha256 ?? "—" }),
          el("strong", { class: c.ok ? "ok" : "error", "data-clip": c.clip_id, "data-ok": String(c.ok), text: c.ok ? t("fr.result_ok") : `${t("fr.result_bad")}${c.problem ? `: ${c.problem}` : ""}` }),
        ]),
        { id: "fr-verify" },
      ),
    );
  }
  return out;
}

/** One request: facts, clips, actions and custody log. `current` says whether it is still the request to show (not
 * replaced by one opened since); `changed` reloads the list after a state change. */
async function detailView(box: HTMLElement, id: string, life: Life, current: Current, changed: () => Promise<void>): Promise<void> {
  let r: StaffRequest;
  try {
    r = await get<StaffRequest>(`${FOOTAGE_REQUESTS}/${id}`);
  } catch (err) {
    if (current()) box.replaceChildren(el("p", { class: "error", role: "alert", text: failText(err) }));
    return;
  }
  if (!current()) return; // another request was opened meanwhile, or the screen was left
  const heading = el("h2", { id: "fr-detail-title", tabindex: "-1" }, t("fr.detail", { case: r.case_number }), " ", stateBadge(r.state));
  const status = el("p", { role: "status", "aria-live": "polite", id: "fr-status" });
  const error = el("p", { class: "error", role: "alert" });
  const custodyBox = el("div", { id: "fr-custody-box" });
  const verifyBox = el("div", { id: "fr-verify-box", "aria-live": "polite" });

  const custodyTurn = newest(life); // refresh, verify and the refresh after a download can overlap
  const loadCustody = async () => {
    const mine = custodyTurn();
    try {
      const entries = await get<Custody[]>(`${FOOTAGE_REQUESTS}/${r.id}/custody`);
      if (mine()) custodyBox.replaceChildren(custodyTable(entries));
    } catch (err) {
      if (mine()) error.textContent = failText(err);
    }
  };

  const actions = el("div", { class: "buttons fr-actions" });
  if (r.clips.length) {
    actions.append(
      el(
        "button",
        {
          type: "button",
          class: "primary",
          id: "fr-verify-button",
          onclick: async () => {
            status.textContent = t("fr.verifying");
            error.textContent = "";
            try {
              const v = await post<VerifyResult>(`${FOOTAGE_REQUESTS}/${r.id}/verify`);
              verifyBox.replaceChildren(...verifyOutcome(v));
              status.textContent = v.ok ? t("fr.verify_ok", { n: v.clips.length, m: v.custody_checked }) : t("fr.verify_bad");
              await loadCustody();
            } catch (err) {
              status.textContent = "";
              error.textContent = failText(err);
            }
          },
        },
        t("fr.verify"),
      ),
    );
    if (can("evidence:export")) {
      const hintId = "fr-package-hint";
      actions.append(
        el("a", { class: "fr-package", href: `${FOOTAGE_REQUESTS}/${r.id}/package`, download: `evidence-${r.id}.zip`, "aria-describedby": hintId }, t("fr.package")),
        el("small", { id: hintId, class: "hint", text: t("fr.package_hint") }),
      );
    }
  }

  const transition = (what: "cancel" | "close", labelKey: Key, reasonKey: Key, required: boolean) => {
    const reason = input({ name: "reason", maxlength: 2000, required });
    const form = el("form", { class: "card fr-transition", "aria-label": t(labelKey) }, field(t(reasonKey), reason), el("button", { type: "submit", class: what === "cancel" ? "danger" : "" }, t(labelKey)));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      error.textContent = "";
      const why = reason.value.trim();
      try {
        const after = await post<StaffRequest>(`${FOOTAGE_REQUESTS}/${r.id}/${what}`, why ? { reason: why } : {});
        await changed();
        if (!current()) return; // another request was opened meanwhile
        await detailView(box, r.id, life, current, changed);
        const again = document.getElementById("fr-status");
        if (again) again.textContent = t("fr.done", { state: stateLabel(after.state) });
      } catch (err) {
        error.textContent = failText(err);
      }
    });
    return form;
  };
  const forms: HTMLElement[] = [];
  if (r.allowed_events.includes("cancel") && can("footage:request")) forms.push(transition("cancel", "fr.cancel", "fr.cancel_reason", true));
  if (r.allowed_events.includes("close") && can("footage:request")) forms.push(transition("close", "fr.close", "fr.close_reason", false));

  box.replaceChildren(
    heading,
    status,
    error,
    facts(r),
    el("h3", { text: t("fr.clips_title") }),
    clipsTable(r),
    actions,
    verifyBox,
    ...forms,
    el("div", { class: "fr-custody-head" }, el("h3", { text: t("fr.custody") }), el("button", { type: "button", id: "fr-custody-refresh", onclick: () => void loadCustody() }, t("fr.custody_refresh"))),
    custodyBox,
  );
  await loadCustody();
}

export async function footageView(root: HTMLElement, params: URLSearchParams, life: Life): Promise<void> {
  root.append(el("h1", { text: t("fr.title") }), el("p", { class: "lead", text: t("fr.help") }));
  const state = select("state", [["", t("fr.all_states")], ...STATES.map((s): [string, string] => [s, stateLabel(s)])], params.get("state") ?? "");
  const caseNo = input({ name: "case_number", maxlength: 64, autocomplete: "off", value: params.get("case") ?? "" });
  const filters = el(
    "form",
    { class: "card filters", "aria-label": t("fr.filters"), id: "fr-filters" },
    field(t("fr.state"), state),
    field(t("fr.case"), caseNo),
    el("button", { type: "submit", class: "primary" }, t("fr.show")),
  );
  const count = el("p", { role: "status", id: "fr-count" });
  const error = el("p", { class: "error", role: "alert" });
  const list = el("div", { id: "fr-list" });
  const detail = el("section", { id: "fr-detail", class: "card", "aria-labelledby": "fr-detail-title", hidden: true });
  root.append(filters, count, error, el("div", { class: "fr-layout" }, list, detail));
  // a download is logged by the server: refresh the custody log once the browser has had time to fetch it
  detail.addEventListener("click", (ev) => {
    const a = ev.target instanceof Element ? ev.target.closest("a[download]") : null;
    if (!a) return;
    const timer = window.setTimeout(() => document.getElementById("fr-custody-refresh")?.click(), 1500);
    life.onCleanup(() => window.clearTimeout(timer));
  });

  const openTurn = newest(life); // two rows opened in quick succession: the second one's detail is shown
  const open = async (id: string) => {
    detail.hidden = false;
    const url = new URL(window.location.href);
    url.searchParams.set("id", id);
    history.replaceState(null, "", url.pathname + url.search);
    await detailView(detail, id, life, openTurn(), load);
    document.getElementById("fr-detail-title")?.focus();
  };

  const turn = newest(life); // the unfiltered list asked for on opening may answer after a newer filter's list
  async function load(): Promise<void> {
    const current = turn();
    error.textContent = "";
    try {
      const page = await get<{ items: StaffRequest[]; total: number }>(`${FOOTAGE_REQUESTS}${qs({ state: state.value, case_number: caseNo.value.trim(), limit: 200 })}`);
      if (!current()) return;
      count.textContent = t("fr.count", { n: page.total });
      list.replaceChildren(
        page.items.length
          ? table(
              t("fr.list"),
              [t("fr.case"), t("fr.camera"), t("fr.window"), t("fr.owner"), t("fr.state"), t("fr.due"), t("fr.clips"), ""],
              page.items.map((r) => [
                r.case_number,
                `${r.camera_name} (${r.camera_code})`,
                windowText(r),
                ownerText(r),
                stateBadge(r.state),
                when(r.due_at),
                String(r.clip_count),
                el("button", { type: "button", "data-id": r.id, "aria-label": t("fr.open_named", { case: r.case_number, camera: r.camera_name }), onclick: () => void open(r.id) }, t("fr.open")),
              ]),
              { id: "fr-table" },
            )
          : el("p", { text: t("fr.empty") }),
      );
    } catch (err) {
      if (current()) error.textContent = failText(err);
    }
  }

  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void load();
  });
  state.addEventListener("change", () => void load());
  await load();
  const initial = params.get("id");
  if (initial) await open(initial);
}
