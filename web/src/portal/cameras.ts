// The portal's cameras page (/portal/cameras): the signed-in owner's registered cameras (withdraw one), the form to
// register a camera (its place dropped on a map, view, retention and sharing level), and the footage requests for
// those cameras (./footage).

import { get, post } from "../core/api";
import { el, field, input, select, table } from "../core/dom";
import { t } from "../core/i18n";
import type { Key } from "../core/strings";
import type { Cleanup } from "../core/router";
import { newest } from "../core/newest";
import { MY_CAMERAS, type RegistryCamera } from "../cameras/registry";
import { failText, pinPicker } from "./common";
import { footageRequests } from "./footage";

export async function camerasPage(root: HTMLElement): Promise<Cleanup> {
  root.append(el("h1", { text: t("portal.nav.cameras") }), el("p", { class: "lead", text: t("portal.cameras_blurb") }));
  const list = el("div", { id: "my-cameras" });
  const error = el("p", { class: "error", role: "alert" });
  root.append(list);
  const turn = newest(); // an older list must not replace the one drawn after a change was saved
  const load = async () => {
    const current = turn();
    try {
      const cams = await get<RegistryCamera[]>(MY_CAMERAS);
      if (!current()) return;
      list.replaceChildren(
        cams.length
          ? table(
              t("portal.nav.cameras"),
              [t("cameras.name"), t("portal.address"), t("portal.sharing"), t("portal.retention_days"), ""],
              cams.map((c) => [
                c.name,
                c.address ?? "",
                t(`portal.sharing.${c.sharing_level}` as Key),
                String(c.owner_retention_days),
                c.sharing_level === "withdrawn"
                  ? ""
                  : el(
                      "button",
                      {
                        type: "button",
                        "aria-label": t("portal.withdraw_named", { name: c.name }),
                        onclick: async () => {
                          if (!window.confirm(t("portal.confirm_withdraw", { name: c.name }))) return;
                          try {
                            await post(`${MY_CAMERAS}/${c.id}/withdraw`);
                            await load();
                          } catch (err) {
                            error.textContent = failText(err);
                          }
                        },
                      },
                      t("portal.withdraw"),
                    ),
              ]),
              { class: "stack", id: "my-cameras-table" },
            )
          : el("p", { text: t("portal.no_cameras") }),
      );
    } catch (err) {
      if (current()) error.textContent = failText(err);
    }
  };
  await load();
  const name = input({ name: "name", required: true, maxlength: 128 });
  const address = input({ name: "address", maxlength: 255, autocomplete: "street-address" });
  const pin = pinPicker(t("portal.camera_map"));
  const direction = input({ name: "direction_deg", type: "number", min: 0, max: 359, value: 0 });
  const fov = input({ name: "fov_deg", type: "number", min: 1, max: 360, value: 90 });
  const range = input({ name: "range_m", type: "number", min: 1, max: 1000, value: 30 });
  const days = input({ name: "owner_retention_days", type: "number", min: 0, max: 3650, value: 30 });
  const sharing = select(
    "sharing_level",
    ["registered", "on_request", "live_linked"].map((s) => [s, t(`portal.sharing.${s}` as Key)]),
    "registered",
  );
  const form = el(
    "form",
    { class: "card", "aria-labelledby": "register-camera" },
    el("h2", { id: "register-camera", text: t("portal.register_camera") }),
    field(t("cameras.name"), name),
    field(t("portal.address"), address),
    ...pin.nodes,
    field(t("portal.direction"), direction, t("portal.direction_hint")),
    field(t("portal.fov"), fov),
    field(t("portal.range"), range),
    field(t("portal.retention_days"), days, t("portal.retention_hint")),
    field(t("portal.sharing"), sharing, t("portal.sharing_hint")),
    el("button", { type: "submit", class: "primary" }, t("portal.register_camera")),
    error,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      await post(MY_CAMERAS, {
        name: name.value.trim(),
        address: address.value.trim() || null,
        lat: Number(pin.lat.value),
        lon: Number(pin.lon.value),
        direction_deg: Number(direction.value),
        fov_deg: Number(fov.value),
        range_m: Number(range.value),
        owner_retention_days: Number(days.value),
        sharing_level: sharing.value,
      });
      name.value = "";
      await load();
      list.querySelector("table")?.focus();
    } catch (err) {
      error.textContent = failText(err);
    }
  });
  root.append(form, await footageRequests());
  return pin.cleanup;
}
