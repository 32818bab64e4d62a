// Sharing administration (governance API): the agencies we share with — add one, edit the data classes and purposes
// it may receive, suspend or reactivate it — and the log of every request other agencies sent, allowed or denied,
// with the policy's reason. Only purposes the policy allows are offered; forbidden ones are named, never offered.

import { ApiError, get, patch, post, qs } from "../core/api";
import { el, field, formatTime, input, nextId, select, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { can } from "../core/session";
import { newest } from "../core/newest";

/** The data classes the sharing API accepts (rtcc.governance.logic.DATA_CLASSES). */
export const DATA_CLASSES = ["reads_hit", "reads_nonhit", "images", "alerts", "hotlist_hits"] as const;

interface PurposeRow {
  code: string;
  label: string;
  requires_case: boolean;
  allowed: boolean;
}

export interface Agency {
  code: string;
  name: string;
  contact: string | null;
  data_classes: string[];
  purposes: string[];
  active: boolean;
}

interface SharingRequest {
  at: string;
  agency_code: string;
  requested_by: string;
  data_class: string;
  purpose: string;
  case_number: string | null;
  decision: string;
  reason: string;
  result_count: number | null;
}

const AGENCIES = "/api/v1/sharing/agencies";
const REQUESTS = "/api/v1/sharing/requests";

function problem(err: unknown): string {
  if (err instanceof ApiError) {
    const extra = err.errors.map((e) => e.msg).filter((m) => m && !err.message.includes(m));
    return t("common.failed", { detail: [err.message, ...extra].join(" — ") });
  }
  return t("common.failed", { detail: String(err) });
}

function classLabel(c: string): string {
  return (DATA_CLASSES as readonly string[]).includes(c) ? t(`dc.${c}` as Key) : c;
}

/** A fieldset of checkboxes; `values()` answers the checked ones. */
function checkboxes(legend: string, name: string, options: Array<[string, string]>): { node: HTMLFieldSetElement; set: (v: string[]) => void; values: () => string[] } {
  const boxes: HTMLInputElement[] = [];
  const node = el("fieldset", { class: "checks" }, el("legend", { text: legend }));
  for (const [value, label] of options) {
    const id = nextId(name);
    const box = el("input", { type: "checkbox", id, name, value });
    boxes.push(box);
    node.append(el("div", { class: "check" }, box, el("label", { for: id, text: label })));
  }
  return {
    node,
    set: (v) => {
      for (const b of boxes) b.checked = v.includes(b.value);
    },
    values: () => boxes.filter((b) => b.checked).map((b) => b.value),
  };
}

/** The sharing card of the governance screen. */
export async function sharingSection(): Promise<HTMLElement> {
  const box = el("section", { class: "card", "aria-labelledby": "sharing-title", id: "sharing" }, el("h2", { id: "sharing-title", text: t("gov.sharing") }));
  const error = el("p", { class: "error", role: "alert", id: "sharing-error" });
  const status = el("p", { role: "status", "aria-live": "polite", id: "sharing-status" });
  const list = el("div", {});
  const log = el("div", {});
  box.append(error, status, list);

  let allPurposes: PurposeRow[] = [];
  try {
    allPurposes = await get<PurposeRow[]>("/api/v1/governance/purposes");
  } catch {
    /* the form then offers no purposes; the API would refuse unknown ones anyway */
  }
  const allowed = allPurposes.filter((p) => p.allowed);
  const forbidden = allPurposes.filter((p) => !p.allowed);
  const admin = can("sharing:admin");

  // the add / edit form
  let editing: string | null = null;
  const code = input({ name: "code", required: true, pattern: "[A-Za-z0-9][A-Za-z0-9_.\\-]{1,63}", autocomplete: "off" });
  const name = input({ name: "name", required: true, maxlength: 128 });
  const contact = input({ name: "contact", maxlength: 255 });
  const active = el("input", { type: "checkbox", name: "active", checked: true });
  const classes = checkboxes(t("gov.allowed_classes"), "data_classes", DATA_CLASSES.map((c) => [c, `${classLabel(c)} (${c})`]));
  const purposes = checkboxes(
    t("gov.allowed_purposes"),
    "purposes",
    allowed.map((p) => [p.code, `${p.label}${p.requires_case ? " *" : ""}`]),
  );
  const title = el("h3", { id: "agency-form-title", text: t("gov.agency_add") });
  const cancel = el("button", { type: "button", hidden: true }, t("adm.cancel"));
  const form = el(
    "form",
    { "aria-labelledby": "agency-form-title", id: "agency-form" },
    title,
    field(t("gov.code"), code, t("gov.agency_code_hint")),
    field(t("gov.agency"), name),
    field(t("gov.contact"), contact),
    classes.node,
    purposes.node,
    forbidden.length ? el("p", { class: "hint", text: t("gov.forbidden_note", { codes: forbidden.map((p) => p.label).join(", ") }) }) : null,
    el("div", { class: "check" }, active, el("label", { for: (active.id = nextId("active")), text: t("gov.agency_active") })),
    el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("gov.agency_save")), cancel),
  );
  const startAdd = () => {
    editing = null;
    form.reset();
    classes.set([]);
    purposes.set([]);
    active.checked = true;
    code.disabled = false;
    title.textContent = t("gov.agency_add");
    cancel.hidden = true;
  };
  const startEdit = (a: Agency) => {
    editing = a.code;
    code.value = a.code;
    code.disabled = true;
    name.value = a.name;
    contact.value = a.contact ?? "";
    classes.set(a.data_classes);
    purposes.set(a.purposes);
    active.checked = a.active;
    title.textContent = t("gov.agency_edit", { code: a.code });
    cancel.hidden = false;
    name.focus();
  };
  cancel.addEventListener("click", startAdd);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    status.textContent = "";
    const body = {
      name: name.value.trim(),
      contact: contact.value.trim() || null,
      data_classes: classes.values(),
      purposes: purposes.values(),
      active: active.checked,
    };
    try {
      if (editing) {
        const saved = await patch<Agency>(`${AGENCIES}/${encodeURIComponent(editing)}`, body);
        status.textContent = t("gov.agency_updated", { code: saved.code });
      } else {
        const saved = await post<Agency>(AGENCIES, { code: code.value.trim(), ...body });
        status.textContent = t("gov.agency_added", { code: saved.code });
      }
      startAdd();
      await loadAgencies();
    } catch (err) {
      error.textContent = problem(err);
    }
  });

  const setActive = async (a: Agency, on: boolean) => {
    error.textContent = "";
    try {
      await patch(`${AGENCIES}/${encodeURIComponent(a.code)}`, { active: on });
      status.textContent = t(on ? "gov.agency_reactivated" : "gov.agency_suspended", { code: a.code });
      await loadAgencies();
    } catch (err) {
      error.textContent = problem(err);
    }
  };

  const agenciesTurn = newest(); // an older list must not replace the one drawn after a save
  const loadAgencies = async () => {
    const current = agenciesTurn();
    try {
      const agencies = await get<Agency[]>(AGENCIES);
      if (!current()) return;
      const label = (c: string) => allPurposes.find((p) => p.code === c)?.label ?? c;
      list.replaceChildren(
        agencies.length
          ? table(
              t("gov.agencies"),
              [t("gov.agency"), t("gov.code"), t("gov.contact"), t("gov.data_classes"), t("gov.purposes"), t("hotlists.active"), ""],
              agencies.map((a) => [
                a.name,
                el("code", { text: a.code }),
                a.contact ?? "",
                a.data_classes.map(classLabel).join(", "),
                a.purposes.map(label).join(", "),
                a.active ? t("common.yes") : t("common.no"),
                admin
                  ? el(
                      "div",
                      { class: "buttons" },
                      el("button", { type: "button", "aria-label": t("gov.edit_named", { name: a.name }), onclick: () => startEdit(a) }, t("gov.edit")),
                      el(
                        "button",
                        {
                          type: "button",
                          "aria-label": t(a.active ? "gov.suspend_named" : "gov.reactivate_named", { name: a.name }),
                          onclick: () => void setActive(a, !a.active),
                        },
                        t(a.active ? "gov.suspend" : "gov.reactivate"),
                      ),
                    )
                  : "",
              ]),
              { id: "sharing-agencies" },
            )
          : el("p", { text: t("gov.sharing_none") }),
      );
    } catch (err) {
      if (current()) error.textContent = problem(err);
    }
  };

  // the request log
  const decision = select("decision", [
    ["", t("gov.all_decisions")],
    ["allow", t("gov.decision.allow")],
    ["deny", t("gov.decision.deny")],
  ]);
  const logTurn = newest(); // the log asked for on opening may answer after a newer decision filter's
  const loadLog = async () => {
    const current = logTurn();
    try {
      const reqs = await get<SharingRequest[]>(`${REQUESTS}${qs({ decision: decision.value, limit: 100, purpose: "audit_review" })}`);
      if (!current()) return;
      log.replaceChildren(
        reqs.length
          ? table(
              t("gov.sharing_requests"),
              [t("audit.at"), t("gov.agency"), t("gov.requested_by_key"), t("gov.class"), t("purpose.label"), t("alerts.case"), t("gov.decision"), t("alerts.reason")],
              reqs.map((r) => [
                formatTime(r.at, lang()),
                r.agency_code,
                r.requested_by,
                classLabel(r.data_class),
                r.purpose,
                r.case_number ?? "",
                el("strong", { class: r.decision === "allow" ? "ok" : "error", "data-decision": r.decision, text: r.decision === "allow" ? t("gov.decision.allow") : t("gov.decision.deny") }),
                r.reason,
              ]),
              { id: "sharing-requests" },
            )
          : el("p", { text: t("gov.sharing_requests_none") }),
      );
    } catch (err) {
      if (current()) error.textContent = problem(err);
    }
  };
  decision.addEventListener("change", () => void loadLog());

  if (admin) box.append(form);
  box.append(
    el("h3", { text: t("gov.sharing_requests") }),
    el(
      "div",
      { class: "filters" },
      field(t("gov.show_decisions"), decision),
      el("button", { type: "button", onclick: () => void Promise.all([loadAgencies(), loadLog()]) }, t("adm.refresh")),
    ),
    log,
  );
  await Promise.all([loadAgencies(), loadLog()]);
  return box;
}
