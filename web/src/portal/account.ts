// The portal's account forms: sign in (a resident or business; staff are sent on to the dashboard) and sign up as a
// resident or business (the account signs in once its e-mail address is confirmed: the answer to a sign-up is the
// same whether or not the name or address was taken, issue 15). The sign-up form carries a honeypot field that people
// leave empty.

import { post } from "../core/api";
import { el, field, input, nextId, select } from "../core/dom";
import { t } from "../core/i18n";
import { navigate } from "../core/router";
import * as session from "../core/session";
import { C, failText } from "./common";

export function signInForm(): HTMLElement {
  const user = input({ name: "username", autocomplete: "username", required: true });
  const pass = input({ name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = el("p", { class: "error", role: "alert" });
  const form = el(
    "form",
    { class: "card", "aria-labelledby": "portal-signin" },
    el("h2", { id: "portal-signin", text: t("portal.signin") }),
    field(t("login.username"), user),
    field(t("login.password"), pass),
    el("button", { type: "submit", class: "primary" }, t("login.submit")),
    error,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const me = await session.signIn(user.value.trim(), pass.value);
      navigate(me && !session.isCommunity() ? "/app" : "/portal");
    } catch (err) {
      error.textContent = failText(err);
    }
  });
  return form;
}

export function signUpForm(): HTMLElement {
  const kind = select("account_type", [["resident", t("portal.resident")], ["business", t("portal.business")]], "resident");
  const username = input({ name: "username", required: true, autocomplete: "username", minlength: 2 });
  const display = input({ name: "display_name", required: true, autocomplete: "name" });
  const email = input({ name: "email", type: "email", required: true, autocomplete: "email" });
  const phone = input({ name: "phone", type: "tel", autocomplete: "tel" });
  const address = input({ name: "address", autocomplete: "street-address" });
  const password = input({ name: "password", type: "password", required: true, minlength: 10, autocomplete: "new-password" });
  const trap = input({ name: "website", tabindex: -1, autocomplete: "off" });
  const error = el("p", { class: "error", role: "alert" });
  const form = el(
    "form",
    { class: "card", "aria-labelledby": "portal-signup" },
    el("h2", { id: "portal-signup", text: t("portal.signup") }),
    field(t("portal.account_type"), kind),
    field(t("login.username"), username),
    field(t("portal.display_name"), display),
    field(t("portal.email"), email),
    field(t("portal.phone"), phone, t("portal.phone_hint")),
    field(t("portal.address"), address),
    field(t("login.password"), password, t("users.password_hint")),
    el("div", { class: "trap", "aria-hidden": "true" }, el("label", { for: (trap.id = nextId("website")), text: "Website" }), trap),
    el("button", { type: "submit", class: "primary" }, t("portal.signup_submit")),
    error,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      await post(`${C}/signup`, {
        account_type: kind.value,
        username: username.value.trim(),
        display_name: display.value.trim(),
        email: email.value.trim(),
        phone: phone.value.trim() || null,
        address: address.value.trim() || null,
        password: password.value,
        website: trap.value || null,
      });
      // The sign-up answers the same whether or not the name or address was taken (issue 15), and the new account
      // signs in only once its address is confirmed: say so, and leave the sign-in to the link in the message.
      form.replaceChildren(
        el("h2", { id: "portal-signup", text: t("portal.signup") }),
        el("p", { role: "status", id: "portal-signup-sent", text: t("portal.signup_sent") }),
      );
    } catch (err) {
      error.textContent = failText(err);
    }
  });
  return form;
}
