// Administration of staff users (create, change role, deactivate) and of sensor / agency API keys (create — the
// secret is shown once — and revoke).

import { ApiError, del, get, hasApi, patch, post } from "../core/api";
import { el, field, formatTime, input, select, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { divisionOptions } from "../core/divisions";
import { can } from "../core/session";
import { newest } from "../core/newest";

interface User {
  id: string;
  username: string;
  display_name: string;
  role: string;
  unit: string | null;
  division: string | null;
  is_active: boolean;
  last_login_at: string | null;
}

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  camera_codes: string[];
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

const ROLES = ["admin", "rtcc_supervisor", "rtcc_analyst", "supervisor", "analyst", "dispatcher", "officer", "auditor", "program_staff", "contract_viewer", "ops", "resident", "business"];

function failed(box: HTMLElement, err: unknown): void {
  box.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
}

export async function usersView(root: HTMLElement): Promise<void> {
  root.append(el("h1", { text: t("users.title") }));
  const error = el("p", { class: "error", role: "alert" });
  const status = el("p", { role: "status", "aria-live": "polite", id: "users-status" });
  const list = el("div", {});
  root.append(error, status, list);
  const roleOptions = (): Array<[string, string]> => ROLES.map((r) => [r, t(`role.${r}` as Key)]);
  const divisions = await divisionOptions(); // what a user sees is their division's data (RTCC-wide roles: all)
  const turn = newest(); // an older list must not replace the one drawn after a user was added
  const load = async () => {
    const current = turn();
    try {
      const users = await get<User[]>("/api/v1/users");
      if (!current()) return;
      list.replaceChildren(
        table(
          t("users.title"),
          [t("users.username"), t("users.name"), t("users.role"), t("users.unit"), t("users.division"), t("users.active"), t("users.last_login")],
          users.map((u) => {
            const role = select("role", roleOptions(), u.role);
            role.setAttribute("aria-label", t("users.role_of", { user: u.username }));
            role.addEventListener("change", async () => {
              error.textContent = "";
              try {
                await patch(`/api/v1/users/${u.id}`, { role: role.value });
                u.role = role.value;
                status.textContent = t("users.role_saved", { user: u.username, role: t(`role.${role.value}` as Key) });
              } catch (err) {
                failed(error, err);
                role.value = u.role;
              }
            });
            const division = select("division", divisions, u.division ?? "");
            division.setAttribute("aria-label", t("users.division_of", { user: u.username }));
            division.addEventListener("change", async () => {
              error.textContent = "";
              try {
                await patch(`/api/v1/users/${u.id}`, { division: division.value || null });
                u.division = division.value || null;
                const name = divisions.find(([code]) => code === division.value)?.[1] ?? t("division.none");
                status.textContent = t("users.division_saved", { user: u.username, division: name });
              } catch (err) {
                failed(error, err);
                division.value = u.division ?? "";
              }
            });
            const active = el("input", { type: "checkbox", checked: u.is_active, "aria-label": t("users.active_of", { user: u.username }) });
            active.addEventListener("change", async () => {
              error.textContent = "";
              try {
                await patch(`/api/v1/users/${u.id}`, { is_active: active.checked });
                status.textContent = t(active.checked ? "users.reactivated" : "users.deactivated", { user: u.username });
              } catch (err) {
                failed(error, err);
                active.checked = !active.checked;
              }
            });
            return [u.username, u.display_name, role, u.unit ?? "", division, active, formatTime(u.last_login_at, lang())];
          }),
          { id: "users" },
        ),
      );
    } catch (err) {
      if (current()) failed(error, err);
    }
  };
  await load();
  const username = input({ name: "username", required: true, pattern: "[a-zA-Z0-9_.\\-]+", minlength: 2 });
  const display = input({ name: "display_name", required: true });
  const password = input({ name: "password", type: "password", required: true, minlength: 10, autocomplete: "new-password" });
  const role = select("role", roleOptions(), "analyst");
  const unit = input({ name: "unit" });
  const newDivision = select("division", divisions, "");
  const create = el(
    "form",
    { class: "card", "aria-label": t("users.create") },
    el("h2", { text: t("users.create") }),
    field(t("users.username"), username),
    field(t("users.name"), display),
    field(t("users.password"), password, t("users.password_hint")),
    field(t("users.role"), role),
    field(t("users.unit"), unit),
    field(t("users.division"), newDivision),
    el("button", { type: "submit", class: "primary" }, t("users.create")),
  );
  create.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await post("/api/v1/users", {
        username: username.value.trim(),
        display_name: display.value.trim(),
        password: password.value,
        role: role.value,
        unit: unit.value.trim() || null,
        division: newDivision.value || null,
      });
      status.textContent = t("users.created", { user: username.value.trim() });
      create.reset();
      await load();
    } catch (err) {
      failed(error, err);
    }
  });
  root.append(create);

  if (!can("apikeys:admin")) return;
  const keysBox = el("section", { "aria-labelledby": "keys-title" }, el("h2", { id: "keys-title", text: t("keys.title") }));
  root.append(keysBox);
  const keyList = el("div", {});
  const secretBox = el("p", { role: "status", class: "secret" });
  const keysTurn = newest(); // an older list must not replace the one drawn after a key was made or revoked
  const loadKeys = async () => {
    const current = keysTurn();
    try {
      const keys = await get<ApiKey[]>("/api/v1/api-keys");
      if (!current()) return;
      keyList.replaceChildren(
        table(
          t("keys.title"),
          [t("keys.name"), t("keys.prefix"), t("keys.cameras"), t("keys.scopes"), t("keys.last_used"), ""],
          keys.map((k) => [
            k.name,
            el("code", { text: k.prefix }),
            k.camera_codes.join(", "),
            k.scopes.join(", "),
            k.revoked_at ? t("keys.revoked") : formatTime(k.last_used_at, lang()),
            k.revoked_at
              ? ""
              : el(
                  "button",
                  {
                    type: "button",
                    "aria-label": t("keys.revoke_named", { name: k.name }),
                    onclick: async () => {
                      if (!window.confirm(t("keys.confirm_revoke", { name: k.name }))) return;
                      try {
                        await del(`/api/v1/api-keys/${k.id}`);
                        secretBox.textContent = t("keys.revoked_named", { name: k.name });
                        await loadKeys();
                      } catch (err) {
                        failed(error, err);
                      }
                    },
                  },
                  t("keys.revoke"),
                ),
          ]),
          { id: "api-keys" },
        ),
      );
    } catch (err) {
      if (current()) failed(error, err);
    }
  };
  const kname = input({ name: "name", required: true });
  const cameras = input({ name: "camera_codes", placeholder: "CER-ALPR-01, CER-ALPR-02" });
  const kind = select("kind", [
    ["sensor", t("keys.kind.sensor")],
    ["agency", t("keys.kind.agency")],
  ]);
  // agency keys name an agency of the sharing list (governance API, when installed)
  const agency = select("agency", []);
  const camerasField = field(t("keys.cameras"), cameras, t("keys.cameras_hint"));
  const agencyField = field(t("keys.agency"), agency, t("keys.agency_hint"));
  const loadAgencies = async () => {
    if (!can("sharing:read") || !(await hasApi("/api/v1/sharing/agencies"))) return;
    try {
      const agencies = await get<Array<{ code: string; name: string; active: boolean }>>("/api/v1/sharing/agencies");
      agency.replaceChildren(...agencies.map((a) => el("option", { value: a.code, text: `${a.name} (${a.code})` })));
      if (!agencies.length) agency.append(el("option", { value: "", text: t("keys.no_agencies") }));
    } catch (err) {
      failed(error, err);
    }
  };
  const showKind = () => {
    const isAgency = kind.value === "agency";
    camerasField.hidden = isAgency;
    agencyField.hidden = !isAgency;
    if (isAgency) void loadAgencies();
  };
  kind.addEventListener("change", showKind);
  const kform = el(
    "form",
    { class: "card", "aria-label": t("keys.create") },
    el("h3", { text: t("keys.create") }),
    field(t("keys.kind"), kind),
    field(t("keys.name"), kname),
    camerasField,
    agencyField,
    el("button", { type: "submit" }, t("keys.create")),
    secretBox,
  );
  showKind();
  kform.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    secretBox.textContent = "";
    try {
      const body =
        kind.value === "agency"
          ? { name: kname.value.trim(), agency: agency.value }
          : { name: kname.value.trim(), camera_codes: cameras.value.split(",").map((s) => s.trim()).filter(Boolean) };
      const k = await post<ApiKey & { secret: string }>("/api/v1/api-keys", body);
      secretBox.replaceChildren(t("keys.secret_once", { secret: "" }).trim(), " ", el("code", { id: "new-key-secret", text: k.secret }));
      kform.reset();
      showKind();
      await loadKeys();
    } catch (err) {
      failed(error, err);
    }
  });
  keysBox.append(keyList, kform);
  await loadKeys();
}
