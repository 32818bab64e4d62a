// The portal's tips page (/portal/tips): submit a tip (category, what, when, where, optionally anonymous, with a
// photo) and follow the tips already sent, each with its reference, status and timeline.

import { api, get, post } from "../core/api";
import { el, field, input, nextId, select } from "../core/dom";
import { t } from "../core/i18n";
import type { Key } from "../core/strings";
import { newest } from "../core/newest";
import { C, CATEGORIES, type Timeline, failText, statusLabel, timelineList } from "./common";

interface Tip {
  id: string;
  reference: string;
  category: string;
  status: string;
  description: string;
  occurred_at: string;
  submitted_at: string;
  timeline: Timeline[];
}

export async function tipsPage(root: HTMLElement): Promise<void> {
  root.append(el("h1", { text: t("portal.nav.tips") }), el("p", { class: "lead", text: t("portal.tips_blurb") }));
  const list = el("div", { id: "my-tips", "aria-live": "polite" });
  const error = el("p", { class: "error", role: "alert" });
  const turn = newest(); // an older list must not replace the one drawn after a tip was sent
  const load = async () => {
    const current = turn();
    try {
      const items = await get<Tip[]>(`${C}/tips`);
      if (!current()) return;
      list.replaceChildren(
        el("h2", { text: t("portal.my_tips") }),
        ...(items.length
          ? items.map((tip) =>
              el(
                "article",
                { class: "card tip", "data-status": tip.status },
                el("h3", {}, `${tip.reference} — `, el("span", { class: "badge", text: statusLabel(tip.status) })),
                el("p", { text: tip.description }),
                timelineList(tip.timeline, t("portal.progress")),
              ),
            )
          : [el("p", { text: t("portal.no_tips") })]),
      );
    } catch (err) {
      if (current()) error.textContent = failText(err);
    }
  };
  const category = select("category", CATEGORIES.map((c) => [c, t(`portal.cat.${c}` as Key)]), "public_safety");
  const description = el("textarea", { name: "description", required: true, rows: 5, maxlength: 4000 });
  const when = input({ name: "occurred_at", type: "datetime-local", required: true });
  const where = input({ name: "location_text", maxlength: 255, required: true });
  const anonymous = el("input", { type: "checkbox", name: "anonymous", id: nextId("anon") });
  const photo = el("input", { type: "file", name: "photo", id: nextId("photo"), accept: "image/*" });
  const trap = input({ name: "website", tabindex: -1, autocomplete: "off", id: nextId("website") });
  const form = el(
    "form",
    { class: "card", "aria-labelledby": "tip-title" },
    el("h2", { id: "tip-title", text: t("portal.tip_submit") }),
    field(t("portal.category"), category),
    field(t("portal.description"), description),
    field(t("portal.when"), when),
    field(t("portal.where"), where, t("portal.where_hint")),
    el("div", { class: "check" }, anonymous, el("label", { for: anonymous.id, text: t("portal.anonymous") })),
    el("div", { class: "field" }, el("label", { for: photo.id, text: t("portal.photo") }), photo),
    el("div", { class: "trap", "aria-hidden": "true" }, el("label", { for: trap.id, text: "Website" }), trap),
    el("button", { type: "submit", class: "primary" }, t("portal.tip_send")),
    error,
  );
  const done = el("p", { role: "status", class: "ok" });
  form.append(done);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    done.textContent = "";
    const tip = {
      category: category.value,
      description: description.value.trim(),
      occurred_at: when.value ? new Date(when.value).toISOString() : null,
      location_text: where.value.trim() || null,
      anonymous: anonymous.checked,
      website: trap.value || null,
    };
    try {
      let created: Tip;
      const file = photo.files?.[0];
      if (file) {
        const data = new FormData();
        data.append("tip", JSON.stringify(tip));
        data.append("photo", file);
        created = await api<Tip>("POST", `${C}/tips`, data);
      } else {
        created = await post<Tip>(`${C}/tips`, tip);
      }
      done.textContent = t("portal.tip_done", { ref: created.reference });
      form.reset();
      await load();
    } catch (err) {
      error.textContent = failText(err);
    }
  });
  root.append(form, list);
  await load();
}
