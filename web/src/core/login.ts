// The staff sign-in screen (POST /api/v1/auth/login sets the session cookie). Community accounts are sent on to
// the portal. When the account needs a second factor, the password form gives way to the second step
// (account/secondstep.ts: a TOTP or recovery code, a security key, or enrolment at first sign-in).

import { secondStep } from "../account/secondstep";
import { ApiError } from "./api";
import { el, field, input } from "./dom";
import { t } from "./i18n";
import { navigate } from "./router";
import * as session from "./session";

export function loginView(root: HTMLElement): void {
  const user = input({ name: "username", autocomplete: "username", required: true });
  const pass = input({ name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = el("p", { class: "error", role: "alert" });
  const form = el(
    "form",
    { class: "card narrow", "aria-labelledby": "login-title" },
    el("h1", { id: "login-title", text: t("login.title") }),
    field(t("login.username"), user),
    field(t("login.password"), pass),
    el("button", { type: "submit", class: "primary" }, t("login.submit")),
    error,
    el("p", {}, el("a", { href: "/portal", "data-link": true }, t("login.community"))),
    el("p", {}, el("a", { href: "/transparency" }, t("login.transparency"))),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      const me = await session.signIn(user.value.trim(), pass.value);
      pass.value = "";
      navigate(me && (me.role === "resident" || me.role === "business") ? "/portal" : "/app");
    } catch (err) {
      if (err instanceof session.MfaNeeded) {
        pass.value = "";
        form.replaceWith(
          secondStep(err.step, () => {
            void session.load().then((me) => navigate(me && (me.role === "resident" || me.role === "business") ? "/portal" : "/app"));
          }),
        );
        return;
      }
      error.textContent = t("login.failed", { detail: err instanceof ApiError ? err.message : String(err) });
      pass.focus();
    }
  });
  root.append(form);
  user.focus();
}
