// The pending queue: calls waiting for a unit, most urgent priority first and then the oldest, each with a timer
// coloured against its priority's response-time target (from the scheme: under half the target, under the target,
// past it). The list follows the store (live `dispatch` events); the timers tick locally once a second.

import { el } from "../core/dom";
import { t } from "../core/i18n";
import { clock, urgency, type CallRow, type DispatchStore } from "./model";

export interface Queue {
  node: HTMLElement;
  select(id: string | null): void;
  close(): void;
}

export function pendingQueue(store: DispatchStore, onSelect: (c: CallRow) => void, announce: (text: string) => void): Queue {
  const list = el("ol", { class: "pending-list" });
  const count = el("span", { class: "count" });
  const empty = el("p", { class: "hint", text: t("dispatch.queue.empty") });
  const node = el("section", { class: "pending", "aria-labelledby": "pending-title" }, el("h2", { id: "pending-title" }, t("dispatch.queue.title"), " ", count), list);
  let selected: string | null = null;
  const known = new Set(store.pending().map((c) => c.id));

  const timerText = (c: CallRow, now: number): { text: string; level: string } => {
    const p = store.priority(c.priority);
    const elapsed = (now - Date.parse(c.received_at)) / 1000;
    const level = urgency(elapsed, p?.target_s);
    const text = t("dispatch.queue.elapsed", { time: clock(elapsed), target: p ? clock(p.target_s) : "?", priority: store.priorityName(c.priority) });
    return { text, level };
  };

  const tick = () => {
    const now = Date.now();
    for (const li of list.children) {
      const c = store.calls.get((li as HTMLElement).dataset.id ?? "");
      const timer = li.querySelector<HTMLElement>(".timer");
      if (!c || !timer) continue;
      const { text, level } = timerText(c, now);
      const shown = timer.querySelector(".elapsed");
      if (shown) shown.textContent = clock((now - Date.parse(c.received_at)) / 1000);
      timer.setAttribute("aria-label", text);
      timer.className = `timer ${level}`;
      (li as HTMLElement).dataset.urgency = level;
    }
  };

  const render = () => {
    const rows = store.pending();
    const now = Date.now();
    count.textContent = `(${t("dispatch.queue.count", { n: rows.length })})`;
    if (rows.length) empty.remove();
    else if (!empty.isConnected) list.before(empty);
    list.replaceChildren(
      ...rows.map((c) => {
        const p = store.priority(c.priority);
        const { text, level } = timerText(c, now);
        const button = el(
          "button",
          { type: "button", class: "call-pick", "aria-label": t("dispatch.queue.select", { number: c.number }), onclick: () => onSelect(c) },
          el("span", { class: `prio prio-${c.priority_rank}`, text: store.priorityName(c.priority) }),
          el("span", { class: "number", text: c.number }),
          el("span", { class: "ctype", text: store.typeName(c.call_type) }),
        );
        const timer = el("span", { class: `timer ${level}`, role: "timer", "aria-label": text }, el("span", { class: "elapsed", text: clock((now - Date.parse(c.received_at)) / 1000) }), el("span", { class: "target", text: ` / ${p ? clock(p.target_s) : "?"}` }));
        const where = el("span", { class: "where", text: [c.location_text, c.district].filter(Boolean).join(" · ") });
        const tags = c.queue !== "dispatch" ? el("span", { class: "tag", text: c.queue === "cso" ? t("dispatch.queue.cso") : t("dispatch.queue.online_report") }) : null;
        return el("li", { class: "pending-call", "data-id": c.id, "data-number": c.number, "data-priority": c.priority, "data-urgency": level, "aria-current": c.id === selected ? "true" : false }, button, timer, where, tags);
      }),
    );
  };

  const unsubscribe = store.subscribe((what, id) => {
    if (what !== "calls") return;
    const c = id ? store.calls.get(id) : undefined;
    if (c && id && !known.has(id) && c.status !== "closed") {
      known.add(id);
      announce(t("dispatch.queue.new", { number: c.number, type: store.typeName(c.call_type), priority: store.priorityName(c.priority) }));
    }
    render();
  });
  const timer = window.setInterval(tick, 1000); // the clock on screen, not the server: no request here
  render();
  return {
    node,
    select(id: string | null) {
      selected = id;
      render();
    },
    close() {
      unsubscribe();
      window.clearInterval(timer);
    },
  };
}
