// The unit status board: every unit in service with its type, status (and for how long), current call and how old its
// last position is. Rows follow the store (live `units` events); the ages tick locally once a second.

import { el } from "../core/dom";
import { named, t } from "../core/i18n";
import { clock, statusText, type DispatchStore, type UnitRow } from "./model";

function age(iso: string | null | undefined, now: number): string {
  if (!iso) return t("dispatch.units.never");
  return t("dispatch.units.ago", { time: clock((now - Date.parse(iso)) / 1000) });
}

export function unitBoard(store: DispatchStore): { node: HTMLElement; close(): void } {
  const rows = el("tbody", {});
  const headers = ["dispatch.units.sign", "dispatch.units.type", "dispatch.units.status", "dispatch.units.since", "dispatch.units.call", "dispatch.units.position"] as const;
  const node = el(
    "section",
    { class: "unit-board", "aria-labelledby": "units-title" },
    el("h2", { id: "units-title", text: t("dispatch.units.title") }),
    el(
      "table",
      { class: "units-table stack" },
      el("caption", { class: "visually-hidden", text: t("dispatch.units.caption") }),
      el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col", text: t(h) })))),
      rows,
    ),
  );

  const row = (u: UnitRow, now: number): HTMLElement =>
    el(
      "tr",
      { "data-unit": u.call_sign, "data-status": u.status },
      el("th", { scope: "row", "data-label": t("dispatch.units.sign"), text: u.call_sign }),
      el("td", { "data-label": t("dispatch.units.type"), text: u.unit_type_name ? named(u.unit_type_name, u.unit_type_names) : u.unit_type }),
      el("td", { "data-label": t("dispatch.units.status") }, el("span", { class: `ustatus s-${u.status}`, text: statusText(u.status) })),
      el("td", { "data-label": t("dispatch.units.since"), class: "usince", "data-at": u.status_at ?? "", text: u.status_at ? clock((now - Date.parse(u.status_at)) / 1000) : "" }),
      el("td", { "data-label": t("dispatch.units.call"), class: "ucall", text: u.current_call_number ?? "" }),
      el("td", { "data-label": t("dispatch.units.position"), class: "uage", "data-at": u.position_at ?? "", text: age(u.position_at, now) }),
    );

  const render = () => {
    const now = Date.now();
    const units = [...store.units.values()].sort((a, b) => a.call_sign.localeCompare(b.call_sign, "en", { numeric: true }));
    rows.replaceChildren(...units.map((u) => row(u, now)));
  };
  const update = (sign: string) => {
    const u = store.units.get(sign);
    const old = rows.querySelector(`tr[data-unit="${CSS.escape(sign)}"]`);
    if (!u) return old?.remove();
    if (old) old.replaceWith(row(u, Date.now()));
    else render();
  };
  const unsubscribe = store.subscribe((what, id) => {
    if (what === "units" && id) update(id);
  });
  const timer = window.setInterval(() => {
    const now = Date.now();
    for (const td of rows.querySelectorAll<HTMLElement>("td.uage")) td.textContent = age(td.dataset.at || null, now);
    for (const td of rows.querySelectorAll<HTMLElement>("td.usince")) if (td.dataset.at) td.textContent = clock((now - Date.parse(td.dataset.at)) / 1000);
  }, 1000);
  render();
  return {
    node,
    close() {
      unsubscribe();
      window.clearInterval(timer);
    },
  };
}
