// Hotlist administration: the lists (category, priority, tolerance, active), their entries (add, remove, find by
// plate) and file import. Writing needs hotlists:write; readers see the same screens without the forms.
// Tolerance (k differing characters beyond OCR look-alikes) is chosen per list beside what it costs: the expected
// false alerts on ordinary traffic that the server estimates from the list's own plates. A choice the server says
// needs confirmation (a large list, or one fed from NCIC/CLEW extracts) shows a warning and an explicit checkbox.

import { ApiError, api, del, get, patch, post, qs } from "../core/api";
import { el, field, formatTime, input, select, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import { can } from "../core/session";
import { newest } from "../core/newest";

interface Hotlist {
  id: string;
  name: string;
  source: string;
  category: string;
  priority: number;
  owner: string;
  max_diff: number;
  allow_large_fuzzy: boolean;
  require_state: boolean;
  active: boolean;
  entry_count: number;
  last_imported_at: string | null;
}

interface Entry {
  id: number;
  plate: string;
  region: string | null;
  reason: string | null;
  case_number: string | null;
  added_by: string;
  added_at: string;
  expires_at: string | null;
  vehicle_make: string | null;
  vehicle_model: string | null;
  vehicle_color: string | null;
}

interface ToleranceOption {
  max_diff: number;
  max_entries: number | null;
  needs_confirmation: string | null;
  estimated_false_hit_rate: number;
  estimated_false_hits_per_10k_reads: number;
}

interface ToleranceReport {
  entries: number;
  max_diff: number;
  allow_large_fuzzy: boolean;
  options: ToleranceOption[];
}

/** Largest list each tolerance suits without an explicit choice (the server's hotlists.tolerance.FUZZY_MAX_ENTRIES). */
const FUZZY_MAX: Record<number, number> = { 1: 1000, 2: 25 };

const CATEGORIES = [
  "stolen_vehicle",
  "stolen_plate",
  "felony_vehicle",
  "wanted_person",
  "missing_person",
  "amber_alert",
  "silver_alert",
  "supervised_release",
  "protection_order",
  "protective_interest",
  "violent_person",
  "gang_terrorist",
];

function failed(box: HTMLElement, err: unknown): void {
  box.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
}

function percent(rate: number): string {
  return new Intl.NumberFormat(lang(), { style: "percent", maximumSignificantDigits: 2 }).format(rate);
}

function toleranceLabel(k: number, max: number | null): string {
  const key = k === 0 ? "hl.tolerance_0" : k === 1 ? "hl.tolerance_1" : "hl.tolerance_2";
  return t(key, { max: (max ?? 0).toLocaleString(lang()) });
}

function costOf(report: ToleranceReport, o: ToleranceOption): string {
  if (report.entries === 0) return t("hl.cost_empty");
  return t("hl.cost", {
    rate: percent(o.estimated_false_hit_rate),
    per10k: o.estimated_false_hits_per_10k_reads.toLocaleString(lang()),
  });
}

function warningOf(report: ToleranceReport, o: ToleranceOption): string {
  if (!o.needs_confirmation) return "";
  if (o.max_entries !== null && report.entries > o.max_entries)
    return t("hl.warn_size", { k: o.max_diff, max: o.max_entries.toLocaleString(lang()), n: report.entries.toLocaleString(lang()) });
  return t("hl.warn_feed");
}

/** The tolerance card of one list: every choice with its expected cost; writers choose, confirming where needed. */
async function toleranceCard(h: Hotlist, writer: boolean, saved: () => Promise<void>): Promise<HTMLElement> {
  const title = t("hl.tolerance_of", { name: h.name });
  const body = el("div", {});
  const status = el("p", { role: "status" });
  const card = el("section", { class: "card", id: "hotlist-tolerance", "aria-label": title }, el("h3", { text: title }), body, status);

  const render = async (): Promise<void> => {
    let report: ToleranceReport;
    try {
      report = await get<ToleranceReport>(`/api/v1/hotlists/${h.id}/tolerance`);
    } catch (err) {
      failed(status, err);
      return;
    }
    const label = (o: ToleranceOption) => toleranceLabel(o.max_diff, o.max_entries);
    body.replaceChildren(
      table(
        title,
        [t("hl.choice"), t("hl.expected")],
        report.options.map((o) => [
          o.max_diff === report.max_diff ? t("hl.current", { k: label(o) }) : label(o),
          report.entries === 0 ? "–" : percent(o.estimated_false_hit_rate),
        ]),
        { class: "tolerance-costs" },
      ),
      el("p", { class: "hint", text: report.entries === 0 ? t("hl.cost_empty") : t("hl.cost_method") }),
    );
    if (!writer) return;
    const choice = select(
      "max_diff",
      report.options.map((o) => [
        String(o.max_diff),
        report.entries === 0 ? label(o) : `${label(o)} · ${t("hl.cost_short", { rate: percent(o.estimated_false_hit_rate) })}`,
      ]),
      String(report.max_diff),
    );
    const cost = el("p", { id: "tolerance-cost", "aria-live": "polite" });
    const warning = el("p", { class: "warning", id: "tolerance-warning", role: "alert" });
    const accept = el("input", { type: "checkbox", name: "allow_large_fuzzy", id: "tolerance-accept" });
    const acceptBox = el("div", { class: "field" }, accept, el("label", { for: "tolerance-accept", text: t("hl.accept") }));
    const chosen = (): ToleranceOption => report.options.find((o) => String(o.max_diff) === choice.value) ?? report.options[0];
    const update = () => {
      const o = chosen();
      cost.textContent = costOf(report, o);
      warning.textContent = warningOf(report, o);
      const confirm = Boolean(o.needs_confirmation);
      acceptBox.hidden = !confirm;
      accept.checked = confirm && o.max_diff === report.max_diff && report.allow_large_fuzzy;
    };
    choice.addEventListener("change", () => {
      status.textContent = "";
      update();
    });
    update();
    const form = el(
      "form",
      { class: "inline", "aria-label": t("hl.tolerance") },
      field(t("hl.tolerance"), choice),
      cost,
      warning,
      acceptBox,
      el("button", { type: "submit", class: "primary" }, t("hl.save_tolerance")),
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const o = chosen();
      if (o.needs_confirmation && !accept.checked) {
        status.textContent = t("hl.accept_needed");
        return;
      }
      const change: Record<string, unknown> = { max_diff: o.max_diff };
      if (o.max_diff > 0 && o.needs_confirmation) change.allow_large_fuzzy = true;
      try {
        await patch(`/api/v1/hotlists/${h.id}`, change);
        await saved();
        await render();
        status.textContent = t("hl.tolerance_saved", { name: h.name, k: o.max_diff });
      } catch (err) {
        failed(status, err);
      }
    });
    body.append(form);
  };
  await render();
  return card;
}

export async function hotlistsView(root: HTMLElement): Promise<void> {
  root.append(el("h1", { text: t("hotlists.title") }));
  const error = el("p", { class: "error", role: "alert" });
  const listBox = el("div", {});
  const detail = el("section", { class: "card", "aria-live": "polite" });
  root.append(error, listBox, detail);
  const writer = can("hotlists:write");

  const entriesTurn = newest(); // a list opened, or a plate looked up, after this one draws instead of this one
  const showEntries = async (h: Hotlist, plate = "") => {
    const current = entriesTurn();
    detail.replaceChildren(el("h2", { text: t("hotlists.entries_of", { name: h.name }) }));
    const find = input({ name: "plate", maxlength: 16 });
    const findForm = el("form", { class: "inline" }, field(t("hotlists.find_plate"), find), el("button", { type: "submit" }, t("common.find")));
    findForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void showEntries(h, find.value.trim());
    });
    find.value = plate;
    const tolerance = await toleranceCard(h, writer, load);
    if (!current()) return;
    detail.append(tolerance, findForm);
    try {
      const page = await get<{ items: Entry[]; total: number }>(`/api/v1/hotlists/${h.id}/entries${qs({ plate, limit: 200, purpose: "audit_review" })}`);
      if (!current()) return;
      detail.append(
        el("p", { text: t("hotlists.entry_count", { n: page.total }) }),
        table(
          t("hotlists.entries_of", { name: h.name }),
          [t("alerts.plate"), t("hotlists.region"), t("alerts.reason"), t("alerts.case"), t("alerts.vehicle_listed"), t("hotlists.added"), ""],
          page.items.map((e) => [
            el("span", { class: "plate", text: e.plate }),
            e.region ?? "",
            e.reason ?? "",
            e.case_number ?? "",
            [e.vehicle_color, e.vehicle_make, e.vehicle_model].filter(Boolean).join(" "),
            `${e.added_by} · ${formatTime(e.added_at, lang())}`,
            writer
              ? el(
                  "button",
                  {
                    type: "button",
                    "aria-label": t("hotlists.remove_entry", { plate: e.plate }),
                    onclick: async () => {
                      try {
                        await del(`/api/v1/hotlists/${h.id}/entries/${e.id}`);
                        await showEntries(h, plate);
                      } catch (err) {
                        failed(error, err);
                      }
                    },
                  },
                  t("common.remove"),
                )
              : "",
          ]),
        ),
      );
    } catch (err) {
      if (!current()) return;
      failed(error, err);
    }
    if (!writer) return;
    const plateIn = input({ name: "plate", required: true, maxlength: 16 });
    const region = input({ name: "region", maxlength: 8, value: "CA" });
    const reason = input({ name: "reason", maxlength: 255 });
    const caseNo = input({ name: "case_number", maxlength: 64 });
    const add = el(
      "form",
      { class: "card", "aria-label": t("hotlists.add_entry") },
      el("h3", { text: t("hotlists.add_entry") }),
      field(t("alerts.plate"), plateIn),
      field(t("hotlists.region"), region),
      field(t("alerts.reason"), reason),
      field(t("alerts.case"), caseNo),
      el("button", { type: "submit", class: "primary" }, t("common.add")),
    );
    add.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await post(`/api/v1/hotlists/${h.id}/entries`, {
          plate: plateIn.value.trim(),
          region: region.value.trim() || null,
          reason: reason.value.trim() || null,
          case_number: caseNo.value.trim() || null,
        });
        await showEntries(h);
      } catch (err) {
        failed(error, err);
      }
    });
    const file = el("input", { type: "file", name: "file", id: "hotlist-file", required: true });
    const force = el("input", { type: "checkbox", name: "force", id: "hotlist-force" });
    const imp = el(
      "form",
      { class: "card", "aria-label": t("hotlists.import") },
      el("h3", { text: t("hotlists.import") }),
      el("p", { class: "hint", text: t("hotlists.import_hint") }),
      el("div", { class: "field" }, el("label", { for: "hotlist-file", text: t("hotlists.file") }), file),
      el("div", { class: "field" }, force, el("label", { for: "hotlist-force", text: t("hl.force") })),
      el("button", { type: "submit" }, t("hotlists.import")),
    );
    const impStatus = el("p", { role: "status" });
    imp.append(impStatus);
    imp.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = file.files?.[0];
      if (!f) return;
      const data = new FormData();
      data.append("file", f);
      if (force.checked) data.append("force", "true");
      try {
        const r = await api<{ entries: number; added: number; removed: number; merged: number }>(
          "POST",
          `/api/v1/hotlists/${h.id}/import`,
          data,
        );
        impStatus.textContent = t("hl.imported", { n: r.entries, added: r.added, removed: r.removed, merged: r.merged });
        await load();
      } catch (err) {
        failed(impStatus, err);
      }
    });
    detail.append(add, imp);
  };

  const turn = newest(); // an older list must not replace the one drawn after a list was created or imported
  const load = async () => {
    const current = turn();
    try {
      const page = await get<{ items: Hotlist[] }>("/api/v1/hotlists?limit=500");
      if (!current()) return;
      listBox.replaceChildren(
        table(
          t("hotlists.title"),
          [t("hotlists.name"), t("hotlists.category"), t("hotlists.priority"), t("hotlists.tolerance"), t("hotlists.entries"), t("hotlists.active"), ""],
          page.items.map((h) => [
            h.name,
            t(`category.${h.category}` as never) === `category.${h.category}` ? h.category : t(`category.${h.category}` as never),
            String(h.priority),
            String(h.max_diff),
            String(h.entry_count),
            writer
              ? el("input", {
                  type: "checkbox",
                  checked: h.active,
                  "aria-label": t("hotlists.active_for", { name: h.name }),
                  onchange: async (ev: Event) => {
                    try {
                      await patch(`/api/v1/hotlists/${h.id}`, { active: (ev.target as HTMLInputElement).checked });
                    } catch (err) {
                      failed(error, err);
                    }
                  },
                })
              : h.active
                ? t("common.yes")
                : t("common.no"),
            el("button", { type: "button", onclick: () => void showEntries(h) }, t("hotlists.open", { name: h.name })),
          ]),
          { id: "hotlists" },
        ),
      );
    } catch (err) {
      if (current()) failed(error, err);
    }
  };
  await load();
  if (writer) {
    const name = input({ name: "name", required: true, maxlength: 128 });
    const category = select("category", CATEGORIES.map((c) => [c, c]), "stolen_vehicle");
    const priority = input({ name: "priority", type: "number", min: 1, max: 5, value: 3 });
    const tolerance = select(
      "max_diff",
      [0, 1, 2].map((k) => [String(k), toleranceLabel(k, FUZZY_MAX[k] ?? null)]),
      "0",
    );
    const create = el(
      "form",
      { class: "card", "aria-label": t("hotlists.create") },
      el("h2", { text: t("hotlists.create") }),
      field(t("hotlists.name"), name),
      field(t("hotlists.category"), category),
      field(t("hotlists.priority"), priority),
      field(t("hl.tolerance"), tolerance, t("hl.tolerance_hint")),
      el("button", { type: "submit", class: "primary" }, t("hotlists.create")),
    );
    create.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await post("/api/v1/hotlists", {
          name: name.value.trim(),
          category: category.value,
          priority: Number(priority.value),
          max_diff: Number(tolerance.value),
        });
        name.value = "";
        await load();
      } catch (err) {
        failed(error, err);
      }
    });
    root.append(create);
  }
}
