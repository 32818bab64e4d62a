// The purpose codes searches and footage requests must name (contract C1, served by the governance API).

import { apiPaths, get } from "../core/api";
import { el, nextId } from "../core/dom";
import { t } from "../core/i18n";

export interface Purpose {
  code: string;
  label: string;
  requires_case: boolean;
  allowed: boolean;
  description?: string;
  /** How far an area search and how long any search may reach without a case on record (null: never). */
  case_free_radius_m?: number | null;
  case_free_window_h?: number | null;
}

let cache: Promise<Purpose[]> | null = null;

/** The purposes in force; the API path is found in /openapi.json (the first GET path ending in /purposes). */
export function purposes(): Promise<Purpose[]> {
  if (!cache) {
    cache = apiPaths().then(async (paths) => {
      const p = [...paths].filter((x) => x.startsWith("/api/v1/") && x.endsWith("/purposes")).sort()[0];
      if (!p) return [];
      try {
        const list = await get<Purpose[] | { items: Purpose[] }>(p);
        return (Array.isArray(list) ? list : list.items).filter((x) => x.allowed !== false);
      } catch {
        return [];
      }
    });
  }
  return cache;
}

/** A purpose <select> (or a free text field when the list is unavailable) and a case-number field; with `bounds`
 * (the ALPR searches), a line saying what the chosen purpose allows without a case on record. */
export function purposeFields(opts: { bounds?: boolean } = {}): { nodes: HTMLElement[]; value: () => { purpose: string; case_number: string | null } } {
  const pid = nextId("purpose");
  const cid = nextId("case");
  const purpose = el("select", { id: pid, name: "purpose", required: true }, el("option", { value: "", text: t("purpose.choose") }));
  const caseNo = el("input", { id: cid, name: "case_number", type: "text", maxlength: 64, autocomplete: "off" });
  const hint = el("small", { id: nextId("hint"), class: "hint", text: t("purpose.case_hint") });
  caseNo.setAttribute("aria-describedby", hint.id);
  // what the chosen purpose allows without a case on record (a longer search or a wider area names a case on record)
  const bounds = el("small", { id: nextId("bounds"), class: "hint purpose-bounds", "aria-live": "polite" });
  if (opts.bounds) purpose.setAttribute("aria-describedby", bounds.id);
  let known: Purpose[] = [];
  const showBounds = () => {
    const p = known.find((x) => x.code === purpose.value);
    if (!p) bounds.textContent = "";
    else if (p.case_free_window_h == null) bounds.textContent = t("purpose.bounds_none");
    else if (p.case_free_radius_m == null) bounds.textContent = t("purpose.bounds_window", { h: p.case_free_window_h });
    else bounds.textContent = t("purpose.bounds", { h: p.case_free_window_h, m: p.case_free_radius_m });
  };
  if (opts.bounds) purpose.addEventListener("change", showBounds);
  void purposes().then((list) => {
    known = list;
    for (const p of list) purpose.append(el("option", { value: p.code, text: `${p.label}${p.requires_case ? " *" : ""}` }));
    if (opts.bounds) showBounds();
  });
  return {
    nodes: [
      el("div", { class: "field" }, el("label", { for: pid, text: t("purpose.label") }), purpose, ...(opts.bounds ? [bounds] : [])),
      el("div", { class: "field" }, el("label", { for: cid, text: t("purpose.case") }), caseNo, hint),
    ],
    value: () => ({ purpose: purpose.value, case_number: caseNo.value.trim() || null }),
  };
}
