// The portal's alert subscriptions page (/portal/alerts): the public safety alerts the signed-in resident or
// business receives, by neighborhood, category and channel (e-mail, SMS); subscribe and unsubscribe.

import { del, get, post } from "../core/api";
import { el, field, nextId, select, table } from "../core/dom";
import { t } from "../core/i18n";
import type { Key } from "../core/strings";
import { newest } from "../core/newest";
import { C, CATEGORIES, type Neighborhood, failText } from "./common";

interface Subscription {
  id: string;
  area_kind: string;
  neighborhood_code: string | null;
  radius_m: number | null;
  categories: string[];
  channels: string[];
}

export async function subscriptionsPage(root: HTMLElement): Promise<void> {
  root.append(el("h1", { text: t("portal.nav.alerts") }), el("p", { class: "lead", text: t("portal.alerts_blurb") }));
  const list = el("div", { id: "my-subscriptions" });
  const error = el("p", { class: "error", role: "alert" });
  let hoods: Neighborhood[] = [];
  try {
    hoods = await get<Neighborhood[]>(`${C}/neighborhoods`);
  } catch {
    hoods = [];
  }
  const hoodName = (code: string | null) => hoods.find((h) => h.code === code)?.name ?? code ?? "";
  const turn = newest(); // an older list must not replace the one drawn after a change was saved
  const load = async () => {
    const current = turn();
    try {
      const subs = await get<Subscription[]>(`${C}/subscriptions`);
      if (!current()) return;
      list.replaceChildren(
        subs.length
          ? table(
              t("portal.my_subscriptions"),
              [t("portal.area"), t("portal.categories"), t("portal.channels"), ""],
              subs.map((s) => [
                s.area_kind === "neighborhood" ? hoodName(s.neighborhood_code) : t("portal.radius_of", { m: Math.round(s.radius_m ?? 0) }),
                s.categories.map((c) => t(`portal.cat.${c}` as Key)).join(", "),
                s.channels.map((c) => t(`portal.channel.${c}` as Key)).join(", "),
                el(
                  "button",
                  {
                    type: "button",
                    onclick: async () => {
                      try {
                        await del(`${C}/subscriptions/${s.id}`);
                        await load();
                      } catch (err) {
                        error.textContent = failText(err);
                      }
                    },
                  },
                  t("portal.unsubscribe"),
                ),
              ]),
              { class: "stack" },
            )
          : el("p", { text: t("portal.no_subscriptions") }),
      );
    } catch (err) {
      if (current()) error.textContent = failText(err);
    }
  };
  const hood = select("neighborhood_code", hoods.map((h) => [h.code, h.name]), hoods[0]?.code);
  const cats = el("fieldset", {}, el("legend", { text: t("portal.categories") }));
  for (const c of CATEGORIES) {
    const id = nextId("cat");
    cats.append(el("div", { class: "check" }, el("input", { type: "checkbox", id, name: "categories", value: c, checked: c !== "traffic" }), el("label", { for: id, text: t(`portal.cat.${c}` as Key) })));
  }
  const chans = el("fieldset", {}, el("legend", { text: t("portal.channels") }));
  for (const c of ["email", "sms"]) {
    const id = nextId("chan");
    chans.append(el("div", { class: "check" }, el("input", { type: "checkbox", id, name: "channels", value: c, checked: c === "email" }), el("label", { for: id, text: t(`portal.channel.${c}` as Key) })));
  }
  const form = el(
    "form",
    { class: "card", "aria-labelledby": "sub-title" },
    el("h2", { id: "sub-title", text: t("portal.subscribe") }),
    field(t("portal.neighborhood"), hood),
    cats,
    chans,
    el("button", { type: "submit", class: "primary" }, t("portal.subscribe")),
    error,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const checked = (name: string) =>
      [...form.querySelectorAll<HTMLInputElement>(`input[name=${name}]:checked`)].map((i) => i.value);
    try {
      await post(`${C}/subscriptions`, { neighborhood_code: hood.value, categories: checked("categories"), channels: checked("channels") });
      await load();
    } catch (err) {
      error.textContent = failText(err);
    }
  });
  root.append(list, form);
  await load();
}
