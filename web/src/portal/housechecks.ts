// The portal's vacation house-check page (/portal/house-checks), made for a phone: ask the Sheriff's station to
// check your house while you are away (address and a pin on the map, dates, keyholder, notes), follow every check
// made ("checked Tuesday 21:40, all secure"), cancel a request. Only your own requests are ever shown
// (GET/POST /api/v1/patrol/me/house-checks).

import { get, post } from "../core/api";
import { el, field, formatTime, input } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import type { Cleanup } from "../core/router";
import { newest } from "../core/newest";
import { failText, pinPicker } from "./common";

interface Visit {
  at: string;
  call_sign: string;
  source: string;
  outcome: "secure" | "found" | "visited";
  note: string | null;
}

interface HouseCheck {
  id: string;
  address: string;
  starts_on: string;
  ends_on: string;
  status: string;
  visits: Visit[];
}

const P = "/api/v1/patrol/me/house-checks";

function weekdayTime(iso: string): string {
  const day = new Date(iso).toLocaleDateString(lang(), { weekday: "long" });
  return `${day} ${formatTime(iso, lang())}`;
}

export async function houseChecksPage(root: HTMLElement): Promise<Cleanup> {
  root.append(el("h1", { text: t("hc.title") }), el("p", { class: "lead", text: t("hc.lead") }));
  const list = el("div", { id: "my-house-checks", "aria-live": "polite" });
  const error = el("p", { class: "error", role: "alert" });
  const done = el("p", { role: "status", class: "ok" });
  const turn = newest(); // an older list must not replace the one drawn after a change was saved
  const load = async () => {
    const current = turn();
    try {
      const items = await get<HouseCheck[]>(P);
      if (!current()) return;
      list.replaceChildren(
        el("h2", { text: t("hc.mine") }),
        ...(items.length
          ? items.map((hc) =>
              el(
                "article",
                { class: "card house-check", "data-status": hc.status },
                el("h3", {}, hc.address, " ", el("span", { class: "badge", text: t(`hc.status.${hc.status}` as Key) })),
                el("p", { text: `${hc.starts_on} – ${hc.ends_on}` }),
                hc.visits.length
                  ? el(
                      "ul",
                      { class: "plain visits" },
                      ...hc.visits.map((v) =>
                        el(
                          "li",
                          { "data-outcome": v.outcome, class: v.outcome === "found" ? "error" : "ok" },
                          t(`hc.visit.${v.outcome}` as Key, { at: weekdayTime(v.at) }),
                          v.note ? el("p", { text: v.note }) : null,
                        ),
                      ),
                    )
                  : el("p", { text: t("hc.no_visits") }),
                hc.status === "active"
                  ? el(
                      "button",
                      {
                        type: "button",
                        onclick: async () => {
                          try {
                            await post(`${P}/${hc.id}/cancel`, {});
                            await load();
                          } catch (err) {
                            error.textContent = failText(err);
                          }
                        },
                      },
                      t("hc.cancel"),
                    )
                  : null,
              ),
            )
          : [el("p", { text: t("hc.none") })]),
      );
    } catch (err) {
      if (current()) error.textContent = failText(err);
    }
  };
  const address = input({ name: "address", required: true, maxlength: 255, autocomplete: "street-address" });
  const from = input({ name: "starts_on", type: "date", required: true });
  const to = input({ name: "ends_on", type: "date", required: true });
  const keyholder = input({ name: "keyholder_name", maxlength: 128 });
  const keyPhone = input({ name: "keyholder_phone", type: "tel", maxlength: 32 });
  const notes = el("textarea", { name: "notes", rows: 3, maxlength: 2000 });
  const pin = pinPicker(t("hc.map"));
  const form = el(
    "form",
    { class: "card", id: "house-check-form", "aria-labelledby": "hc-form-h" },
    el("h2", { id: "hc-form-h", text: t("hc.send") }),
    field(t("hc.address"), address),
    ...pin.nodes,
    el("div", { class: "two" }, field(t("hc.from"), from), field(t("hc.to"), to)),
    field(t("hc.keyholder"), keyholder),
    field(t("hc.keyholder_phone"), keyPhone),
    field(t("hc.notes"), notes),
    el("button", { type: "submit", class: "primary" }, t("hc.send")),
    error,
    done,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    done.textContent = "";
    try {
      await post(P, {
        address: address.value.trim(),
        lat: Number(pin.lat.value),
        lon: Number(pin.lon.value),
        starts_on: from.value,
        ends_on: to.value,
        keyholder_name: keyholder.value.trim() || null,
        keyholder_phone: keyPhone.value.trim() || null,
        notes: notes.value.trim() || null,
      });
      done.textContent = t("hc.sent", { day: from.value });
      form.reset();
      await load();
    } catch (err) {
      error.textContent = failText(err);
    }
  });
  root.append(form, list);
  await load();
  return pin.cleanup;
}
