// The alert queue: newest first, each hit with the plate crop beside the hotlist record, the four-item verification
// checklist, one-click "reject as misread", and dispatch/close for the roles that may. New alerts are announced in
// the page's aria-live region.

import { ApiError } from "../core/api";
import { el, formatTime, nextId, select, table, type Child } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { can } from "../core/session";
import { alertStore, type Alert } from "./store";
import { headingText, imageUrl, isStoredImage, vendorAlertsNode } from "./vendor";

/** True when a verified (or dispatched) hit was read again after a person verified it: news for the officer. */
export function seenAgain(a: Alert): boolean {
  const at = typeof a.checklist?.at === "string" ? a.checklist.at : null;
  return (a.state === "verified" || a.state === "dispatched") && at !== null && Date.parse(a.last_seen_at) > Date.parse(at);
}

/** The sightings of an alert, loaded when opened (the detail is an audited access). */
function sightingsNode(a: Alert): HTMLElement {
  const box = el("details", { class: "sightings" }, el("summary", { text: t("alerts.sightings", { n: a.read_count }) }));
  let loaded = false;
  box.addEventListener("toggle", () => {
    if (!box.open || loaded) return;
    loaded = true;
    alertStore
      .detail(a.id)
      .then((full) => {
        const rows = (full.sightings ?? []).map((x) => [
          formatTime(x.observed_at, lang()),
          `${x.camera_code ?? "?"}${x.camera_name ? ` (${x.camera_name})` : ""}`,
          x.plate,
        ]);
        box.append(table(t("alerts.sightings_caption"), [t("alerts.sighting_time"), t("alerts.sighting_camera"), t("alerts.sighting_plate")], rows, { class: "sightings-table" }));
        if (rows.length < full.read_count) box.append(el("p", { class: "hint", text: t("alerts.sightings_more", { shown: rows.length, n: full.read_count }) }));
      })
      .catch((err: unknown) => {
        loaded = false;
        box.append(el("p", { class: "error", text: err instanceof Error ? err.message : String(err) }));
      });
  });
  return box;
}

export const CHECKLIST: Array<[string, Key]> = [
  ["plate_matches_crop", "alerts.check.plate"],
  ["state_confirmed", "alerts.check.state"],
  ["entry_current", "alerts.check.entry"],
  ["vehicle_consistent", "alerts.check.vehicle"],
];
const REJECT_REASONS = ["misread", "wrong_state", "entry_not_current", "vehicle_mismatch", "duplicate", "other"];

/** The listed plate with the positions that differ from the read marked. */
function plateNode(text: string | null, diff: number[]): HTMLElement {
  const span = el("span", { class: "plate" });
  const marks = new Set(diff);
  [...(text ?? "")].forEach((ch, i) => span.append(marks.has(i) ? el("mark", { text: ch }) : ch));
  return span;
}

/** The checklist items a refused verification names (problem+json errors at body.checklist.<item>), as labelled. */
function checklistLabels(err: ApiError): string[] {
  const labels = new Map(CHECKLIST);
  const out: string[] = [];
  for (const e of err.errors as Array<{ field?: string; loc?: unknown[] }>) {
    const path = Array.isArray(e.loc) ? e.loc.map(String) : String(e.field ?? "").split(".");
    const key = labels.get(path[path.length - 1] ?? "");
    if (key && path.includes("checklist")) out.push(t(key));
  }
  return out;
}

function stateLabel(state: string): string {
  const key = `alerts.state.${state}` as Key;
  const text = t(key);
  return text === key ? state : text;
}

/** The crop image when the reference is a loadable image (ours: the stored crop the camera sent; or a URL);
 * otherwise the reference itself. */
function cropNode(a: Alert): HTMLElement {
  const read = a.read;
  const camera = a.camera?.name ?? a.camera?.code ?? "";
  if (read && isStoredImage(read.crop_ref)) {
    return el(
      "figure",
      { class: "crop" },
      el("img", { src: imageUrl(read, "crop"), alt: t("alerts.crop.alt", { camera }) }),
      el("figcaption", { text: t("alerts.crop.stored") }),
    );
  }
  const ref = read?.crop_ref ?? read?.image_ref ?? null;
  const fig = el("figure", { class: "crop" });
  if (ref && (ref.startsWith("/") || ref.startsWith("data:image/"))) {
    fig.append(el("img", { src: ref, alt: t("alerts.crop.alt", { camera: a.camera?.name ?? a.camera?.code ?? "" }) }));
  } else {
    fig.append(
      el("div", { class: "crop-missing", role: "img", "aria-label": t("alerts.crop.none") }, plateNode(a.plate_read, [])),
    );
  }
  fig.append(el("figcaption", {}, ref ? t("alerts.crop.ref", { ref }) : t("alerts.crop.none")));
  return fig;
}

function vehicle(parts: Array<string | number | null | undefined>): string {
  return parts.filter((p) => p !== null && p !== undefined && p !== "").join(" ");
}

function hitDetails(a: Alert): HTMLElement {
  const entry = a.entry;
  const read = a.read;
  const readSide = el(
    "section",
    { class: "side read-side", "aria-label": t("alerts.read") },
    el("h4", { text: t("alerts.read") }),
    cropNode(a),
    read && isStoredImage(read.image_ref)
      ? el(
          "figure",
          { class: "vehicle-image" },
          el("img", { src: imageUrl(read, "vehicle"), alt: t("alerts.vehicle_image.alt", { camera: a.camera?.name ?? a.camera?.code ?? "" }) }),
          el("figcaption", { text: t("alerts.vehicle_image") }),
        )
      : null,
    el("p", {}, el("strong", { text: `${t("alerts.plate")}: ` }), plateNode(a.plate_read, []), ` · ${read?.region ?? t("alerts.state.unknown")}`),
    el("p", {}, el("strong", { text: `${t("alerts.vehicle_seen")}: ` }), vehicle([read?.vehicle_color, read?.vehicle_make, read?.vehicle_model, read?.vehicle_type]) || t("alerts.none")),
    read?.confidence !== null && read?.confidence !== undefined
      ? el("p", {}, el("strong", { text: `${t("alerts.confidence")}: ` }), `${Math.round(read.confidence)}%`)
      : null,
    read?.heading_deg !== null && read?.heading_deg !== undefined
      ? el("p", { class: "heading" }, el("strong", { text: `${t("alerts.heading")}: ` }), headingText(read.heading_deg))
      : null,
    read?.camera_label ? el("p", {}, el("strong", { text: `${t("alerts.camera_label")}: ` }), read.camera_label) : null,
    read ? vendorAlertsNode(read) : null,
  );
  const listed = el(
    "section",
    { class: "side entry-side", "aria-label": t("alerts.listed") },
    el("h4", { text: t("alerts.listed") }),
    el("p", {}, el("strong", { text: `${t("alerts.plate")}: ` }), plateNode(a.plate_listed, a.diff_positions), ` · ${entry?.region ?? t("alerts.state.unknown")}`),
    el("p", {}, el("strong", { text: `${t("alerts.hotlist")}: ` }), `${entry?.hotlist_name ?? ""} (${entry?.category ?? ""})`),
    el("p", {}, el("strong", { text: `${t("alerts.reason")}: ` }), entry?.reason ?? t("alerts.none")),
    entry?.case_number ? el("p", {}, el("strong", { text: `${t("alerts.case")}: ` }), entry.case_number) : null,
    el("p", {}, el("strong", { text: `${t("alerts.vehicle_listed")}: ` }), vehicle([entry?.vehicle_year, entry?.vehicle_color, entry?.vehicle_make, entry?.vehicle_model]) || t("alerts.none")),
    entry && !entry.current ? el("p", { class: "warning", text: t("alerts.entry_not_current") }) : null,
  );
  return el("div", { class: "compare" }, readSide, listed);
}

function actionsFor(a: Alert, report: (msg: string) => void): HTMLElement | null {
  const box = el("div", { class: "actions" });
  const run = async (action: "verify" | "reject" | "dispatch" | "close", body: unknown, where: (msg: string) => void = report) => {
    report("");
    where("");
    try {
      await alertStore.act(a.id, action, body);
    } catch (err) {
      const missing = err instanceof ApiError ? checklistLabels(err) : [];
      if (action === "verify" && missing.length) return where(t("alerts.verify_missing", { items: missing.join("; ") }));
      const detail = err instanceof ApiError ? err.message : String(err);
      where(t("alerts.action_failed", { action: t(`alerts.action.${action}` as Key), detail }));
    }
  };
  if (a.kind === "hit" && a.state === "new" && can("alerts:verify")) {
    const form = el("form", { class: "verify", "aria-label": t("alerts.verify_form", { plate: a.plate_read ?? "" }) });
    const fs = el("fieldset", {}, el("legend", { text: t("alerts.checklist") }));
    for (const [name, key] of CHECKLIST) {
      const id = nextId(`chk-${name}`);
      fs.append(el("div", { class: "check" }, el("input", { type: "checkbox", id, name }), el("label", { for: id, text: t(key) })));
    }
    form.append(fs);
    const reasonSel = select("reason", REJECT_REASONS.map((r) => [r, t(`alerts.reject.${r}` as Key)]), "misread");
    reasonSel.id = nextId("reason");
    const note = el("input", { type: "text", name: "note", id: nextId("note"), maxlength: 2000 });
    const verifyMsg = el("p", { class: "error verify-error", role: "alert", id: nextId("verify-error") });
    form.append(
      el(
        "div",
        { class: "buttons" },
        el("button", { type: "submit", class: "primary", "aria-describedby": verifyMsg.id }, t("alerts.verify")),
        verifyMsg,
        el("button", { type: "button", class: "danger", onclick: () => void run("reject", { reason: "misread" }) }, t("alerts.reject_misread")),
      ),
      el(
        "details",
        {},
        el("summary", { text: t("alerts.reject_other") }),
        el("div", { class: "field" }, el("label", { for: reasonSel.id, text: t("alerts.reject_reason") }), reasonSel),
        el("div", { class: "field" }, el("label", { for: note.id, text: t("alerts.note") }), note),
        el(
          "button",
          {
            type: "button",
            onclick: () => void run("reject", { reason: reasonSel.value, note: note.value.trim() || null }),
          },
          t("alerts.reject"),
        ),
      ),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const checklist: Record<string, boolean> = {};
      const missing: string[] = [];
      let firstMissing: HTMLInputElement | null = null;
      for (const [name, key] of CHECKLIST) {
        const input = form.elements.namedItem(name);
        checklist[name] = input instanceof HTMLInputElement && input.checked;
        if (!checklist[name]) {
          missing.push(t(key));
          if (!firstMissing && input instanceof HTMLInputElement) firstMissing = input;
        }
      }
      const where = (msg: string) => {
        verifyMsg.textContent = msg;
      };
      if (missing.length) {
        // said beside the button, in the checklist's own words; the server would refuse it the same way
        where(t("alerts.verify_missing", { items: missing.join("; ") }));
        firstMissing?.focus();
        return;
      }
      void run("verify", { checklist }, where);
    });
    box.append(form);
  }
  if (a.allowed_actions.includes("dispatch") && can("alerts:dispatch")) {
    const unit = el("input", { type: "text", name: "unit", id: nextId("unit"), required: true, maxlength: 64 });
    const form = el(
      "form",
      { class: "inline", "aria-label": t("alerts.dispatch") },
      el("label", { for: unit.id, text: t("alerts.unit") }),
      unit,
      el("button", { type: "submit" }, t("alerts.dispatch")),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (unit.value.trim()) void run("dispatch", { unit: unit.value.trim() });
    });
    box.append(form);
  }
  if (a.allowed_actions.includes("close") && can("alerts:close")) {
    box.append(el("button", { type: "button", onclick: () => void run("close", {}) }, t("alerts.close")));
  }
  return box.childElementCount ? box : null;
}

export function renderAlert(a: Alert, report: (msg: string) => void, onLocate?: (a: Alert) => void): HTMLElement {
  const li = el("li", {
    id: `alert-${a.id}`,
    class: `alert p${a.priority} state-${a.state}${a.fuzzy ? " fuzzy" : ""}`,
    tabindex: "-1",
    "data-plate": a.plate_read ?? "",
    "data-state": a.state,
  });
  const cam = a.camera;
  const badges: Child[] = [
    el("span", { class: "badge state", text: stateLabel(a.state) }),
    a.match_kind
      ? el("span", { class: a.fuzzy ? "badge fuzzy" : "badge", text: a.fuzzy ? t("alerts.fuzzy") : t("alerts.match", { kind: a.match_kind }) })
      : null,
    el("span", { class: "badge", text: t("alerts.priority", { n: a.priority }) }),
    seenAgain(a) ? el("span", { class: "badge seen-again", text: t("alerts.seen_again") }) : null,
  ];
  li.append(el("h3", {}, a.title), el("div", { class: "badges" }, ...badges));
  li.append(
    el(
      "p",
      { class: "meta" },
      `${t("alerts.camera")}: ${cam?.code ?? "?"}${cam?.name ? ` (${cam.name})` : ""} · `,
      a.last_sighting?.camera_code
        ? t("alerts.seen_at", { camera: a.last_sighting.camera_code, time: formatTime(a.last_seen_at, lang()) })
        : `${t("alerts.last_seen")} ${formatTime(a.last_seen_at, lang())}`,
      a.read_count > 1 ? ` · ${t("alerts.reads", { n: a.read_count })}` : "",
      a.dispatched_to ? ` · ${t("alerts.dispatched_to", { unit: a.dispatched_to })}` : "",
      a.reject_reason ? ` · ${t("alerts.rejected_because", { reason: t(`alerts.reject.${a.reject_reason}` as Key) })}` : "",
    ),
  );
  if (onLocate && cam?.lat != null && cam?.lon != null) {
    li.append(el("button", { type: "button", class: "link", onclick: () => onLocate(a) }, t("alerts.show_on_map")));
  }
  if (a.kind === "hit" && (a.read || a.entry)) li.append(hitDetails(a));
  if (a.kind === "hit" && a.read_count > 1) li.append(sightingsNode(a));
  const actions = actionsFor(a, report);
  if (actions) li.append(actions);
  return li;
}

/** Mount the queue into `root`; returns a cleanup function. */
export function mountQueue(root: HTMLElement, onLocate?: (a: Alert) => void): () => void {
  const heading = el("h2", { id: nextId("queue-title"), text: t("alerts.title") });
  const filter = select(
    "state",
    [
      ["open", t("alerts.filter.open")],
      ["all", t("alerts.filter.all")],
      ["new", t("alerts.state.new")],
      ["verified", t("alerts.state.verified")],
      ["dispatched", t("alerts.state.dispatched")],
      ["rejected", t("alerts.state.rejected")],
      ["closed", t("alerts.state.closed")],
    ],
    "open",
  );
  filter.id = nextId("filter");
  const errorBox = el("p", { class: "error", role: "alert" });
  const list = el("ol", { class: "alerts", "aria-labelledby": heading.id });
  const empty = el("p", { class: "empty", text: t("alerts.empty") });
  const section = el(
    "section",
    { class: "queue", "aria-labelledby": heading.id },
    heading,
    el("div", { class: "field inline" }, el("label", { for: filter.id, text: t("alerts.filter") }), filter),
    errorBox,
    list,
    empty,
  );
  root.append(section);
  const report = (msg: string) => {
    errorBox.textContent = msg;
  };
  const visible = (a: Alert) => {
    const f = filter.value;
    if (f === "all") return true;
    if (f === "open") return a.state === "new" || a.state === "verified" || a.state === "dispatched";
    return a.state === f;
  };
  const render = () => {
    list.replaceChildren(...alertStore.list().filter(visible).map((a) => renderAlert(a, report, onLocate)));
    empty.hidden = list.childElementCount > 0;
    if (alertStore.error) report(t("alerts.load_failed", { detail: alertStore.error }));
  };
  const onChange = (a: Alert | null) => {
    if (!a) return render();
    const old = document.getElementById(`alert-${a.id}`);
    const focusedInside = !!old && old.contains(document.activeElement);
    if (!visible(a)) {
      old?.remove();
    } else {
      const node = renderAlert(a, report, onLocate);
      if (old) old.replaceWith(node);
      else list.prepend(node);
      if (focusedInside) node.focus();
    }
    empty.hidden = list.childElementCount > 0;
  };
  filter.addEventListener("change", render);
  const unsubscribe = alertStore.subscribe(onChange);
  render();
  void alertStore.load();
  return unsubscribe;
}
