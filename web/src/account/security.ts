// "My sign-in": a signed-in staff user's second factors (authenticator apps, security keys), recovery codes and
// password. Adding a factor here uses the same endpoints as enrolment at sign-in, without a challenge (the session is
// the credential); a password change signs out the user's other sessions.

import { ApiError, del, get, post } from "../core/api";
import { el, field, formatTime, input, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { View } from "../core/router";
import { codesCard, totpSetup } from "./secondstep";
import { createCredential, webauthnAvailable } from "./mfa";

interface Factor {
  id: string;
  kind: "totp" | "webauthn";
  name: string;
  created_at: string;
  last_used_at: string | null;
}
interface Status {
  required: boolean;
  factors: Factor[];
  recovery_codes_left: number;
}

function fail(err: unknown): string {
  return t("sec.error", { detail: err instanceof ApiError ? err.message : String(err) });
}

export const securityView: View = async (root) => {
  const status = el("p", { class: "ok", role: "status" });
  const error = el("p", { class: "error", role: "alert" });
  const factorsBox = el("section", { class: "card", "aria-labelledby": "sec-factors" });
  root.append(el("h1", { text: t("sec.title") }), status, error, factorsBox, passwordCard(status, error));

  const draw = async (): Promise<void> => {
    let s: Status;
    try {
      s = await get<Status>("/api/v1/auth/mfa");
    } catch (err) {
      error.textContent = fail(err);
      return;
    }
    const rows = s.factors.map((f) => [
      t(f.kind === "totp" ? "sec.kind.totp" : "sec.kind.webauthn"),
      f.name,
      formatTime(f.created_at, lang()),
      formatTime(f.last_used_at, lang()),
      el("button", {
        type: "button",
        onclick: async () => {
          error.textContent = "";
          try {
            await del(`/api/v1/auth/mfa/factors/${f.id}`);
            await draw();
          } catch (err) {
            error.textContent = fail(err);
          }
        },
      }, t("sec.remove")),
    ]);
    const extra = el("div", { class: "sec-add" });
    const addTotp = el("button", { type: "button" }, t("sec.add_totp"));
    addTotp.addEventListener("click", () => {
      extra.replaceChildren();
      void totpSetup(null, extra, el("span"), (out) => {
        status.textContent = t("sec.added_ok");
        if (out.recovery_codes.length) extra.replaceChildren(codesCard(out.recovery_codes, () => void draw()));
        else void draw();
      });
    });
    const addKey = el("button", { type: "button", hidden: !webauthnAvailable() }, t("sec.add_key"));
    addKey.addEventListener("click", async () => {
      error.textContent = "";
      try {
        const opts = await post<{ challenge: string; options: Record<string, unknown> }>("/api/v1/auth/mfa/webauthn/register/options", {});
        const credential = await createCredential(opts.options);
        const out = await post<{ recovery_codes: string[] }>("/api/v1/auth/mfa/webauthn/register", { challenge: opts.challenge, credential });
        status.textContent = t("sec.added_ok");
        if (out.recovery_codes.length) extra.replaceChildren(codesCard(out.recovery_codes, () => void draw()));
        else await draw();
      } catch (err) {
        error.textContent = fail(err);
      }
    });
    const newCodes = el("button", { type: "button", hidden: !s.factors.length }, t("sec.new_codes"));
    newCodes.addEventListener("click", async () => {
      error.textContent = "";
      try {
        const out = await post<{ codes: string[] }>("/api/v1/auth/mfa/recovery-codes");
        extra.replaceChildren(codesCard(out.codes, () => void draw()));
      } catch (err) {
        error.textContent = fail(err);
      }
    });
    factorsBox.replaceChildren(
      el("h2", { id: "sec-factors", text: t("sec.factors") }),
      el("p", { text: s.required ? t("sec.required") : "", hidden: !s.required }),
      s.factors.length
        ? table(t("sec.factors"), [t("sec.kind"), t("sec.name"), t("sec.added"), t("sec.last_used"), ""], rows, { class: "stack" })
        : el("p", { text: t("sec.none") }),
      el("p", { text: t("sec.codes_left", { n: s.recovery_codes_left }) }),
      el("p", { class: "actions" }, addTotp, " ", addKey, " ", newCodes),
      extra,
    );
  };
  await draw();
};

function passwordCard(status: HTMLElement, error: HTMLElement): HTMLElement {
  const current = input({ name: "current_password", type: "password", autocomplete: "current-password", required: true });
  const next = input({ name: "new_password", type: "password", autocomplete: "new-password", required: true, minlength: 10 });
  const form = el(
    "form",
    { class: "card narrow", "aria-labelledby": "sec-password" },
    el("h2", { id: "sec-password", text: t("sec.password") }),
    field(t("sec.current"), current),
    field(t("sec.new"), next, t("sec.new_hint")),
    el("button", { type: "submit", class: "primary" }, t("sec.change")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    status.textContent = "";
    try {
      const out = await post<{ sessions_ended: number }>("/api/v1/auth/password", {
        current_password: current.value,
        new_password: next.value,
      });
      current.value = "";
      next.value = "";
      status.textContent = t("sec.changed", { n: out.sessions_ended });
    } catch (err) {
      error.textContent = fail(err);
    }
  });
  return form;
}
