// Sign-in's second step, drawn in place of the password form when POST /api/v1/auth/login answers mfa_required:
// a TOTP code (or a recovery code, or the security key), or — for a staff account without a second factor — the
// enrolment: QR code of the otpauth:// URI, the secret as text, the first code; then the recovery codes, once.

import { ApiError, post } from "../core/api";
import { el, field, input } from "../core/dom";
import { t } from "../core/i18n";
import type { MfaChallenge } from "../core/session";
import { createCredential, getAssertion, qrSvg, webauthnAvailable } from "./mfa";

type Done = () => void;

function message(err: unknown): string {
  return t("mfa.failed", { detail: err instanceof ApiError ? err.message : String(err) });
}

function startOver(): HTMLElement {
  return el("p", {}, el("a", { href: "/app/login", "data-link": true }, t("mfa.start_over")));
}

/** The second-step card for `step`; `done` runs once the session cookie is set. */
export function secondStep(step: MfaChallenge, done: Done): HTMLElement {
  return step.enrol ? enrolCard(step, done) : verifyCard(step, done);
}

function verifyCard(step: MfaChallenge, done: Done): HTMLElement {
  let method: "totp" | "recovery" = step.methods.includes("totp") ? "totp" : "recovery";
  const code = input({ name: "code", autocomplete: "one-time-code", inputmode: "numeric", required: true });
  const label = el("label", { for: "mfa-code", text: t("mfa.code") });
  code.id = "mfa-code";
  const help = el("p", { class: "hint", text: t("mfa.help") });
  const error = el("p", { class: "error", role: "alert" });
  const toggle = el("button", { type: "button", class: "link" }, t("mfa.use_recovery"));
  const show = (): void => {
    help.textContent = t(method === "totp" ? "mfa.help" : "mfa.recovery_help");
    label.textContent = t(method === "totp" ? "mfa.code" : "mfa.recovery_code");
    code.setAttribute("inputmode", method === "totp" ? "numeric" : "text");
    toggle.textContent = t(method === "totp" ? "mfa.use_recovery" : "mfa.use_totp");
    toggle.hidden = !step.methods.includes("totp") || !step.methods.includes("recovery");
  };
  toggle.addEventListener("click", () => {
    method = method === "totp" ? "recovery" : "totp";
    code.value = "";
    show();
    code.focus();
  });
  const form = el(
    "form",
    { class: "card narrow", "aria-labelledby": "mfa-title" },
    el("h1", { id: "mfa-title", text: t("mfa.title") }),
    help,
    el("div", { class: "field" }, label, code),
    el("button", { type: "submit", class: "primary" }, t("mfa.verify")),
    error,
  );
  if (step.methods.includes("totp") || step.methods.includes("recovery")) form.append(el("p", {}, toggle));
  if (step.methods.includes("webauthn") && webauthnAvailable()) {
    const key = el("button", { type: "button" }, t("mfa.use_key"));
    key.addEventListener("click", async () => {
      error.textContent = "";
      try {
        const opts = await post<{ options: Record<string, unknown> }>("/api/v1/auth/mfa/webauthn/options", { challenge: step.challenge });
        const credential = await getAssertion(opts.options);
        await post("/api/v1/auth/mfa/verify", { challenge: step.challenge, method: "webauthn", credential });
        done();
      } catch (err) {
        error.textContent = message(err);
      }
    });
    form.append(el("p", {}, key));
  }
  form.append(startOver());
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      await post("/api/v1/auth/mfa/verify", { challenge: step.challenge, method, code: code.value.trim() });
      done();
    } catch (err) {
      error.textContent = message(err);
      code.select();
    }
  });
  show();
  queueMicrotask(() => code.focus());
  return form;
}

/** The recovery codes, shown once, with the button that goes on. */
export function codesCard(codes: string[], onDone: Done): HTMLElement {
  const go = el("button", { type: "button", class: "primary" }, t("mfa.codes_done"));
  go.addEventListener("click", onDone);
  return el(
    "section",
    { class: "card narrow", "aria-labelledby": "codes-title" },
    el("h2", { id: "codes-title", text: t("mfa.codes_title") }),
    el("p", { text: t("mfa.codes_help") }),
    el("ol", { class: "codes" }, ...codes.map((c) => el("li", {}, el("code", { text: c })))),
    go,
  );
}

interface Enrolled {
  recovery_codes: string[];
}

function enrolCard(step: MfaChallenge, done: Done): HTMLElement {
  const card = el("section", { class: "card narrow", "aria-labelledby": "enrol-title" });
  const error = el("p", { class: "error", role: "alert" });
  const finish = (out: Enrolled): void => {
    if (out.recovery_codes.length) card.replaceChildren(codesCard(out.recovery_codes, done));
    else done();
  };
  card.append(el("h1", { id: "enrol-title", text: t("mfa.enrol_title") }), el("p", { text: t("mfa.enrol_help") }), error);
  void totpSetup(step.challenge, card, error, finish);
  if (webauthnAvailable()) {
    const key = el("button", { type: "button" }, t("mfa.enrol_key"));
    key.addEventListener("click", async () => {
      error.textContent = "";
      try {
        const opts = await post<{ challenge: string; options: Record<string, unknown> }>(
          "/api/v1/auth/mfa/webauthn/register/options",
          { challenge: step.challenge },
        );
        const credential = await createCredential(opts.options);
        finish(await post<Enrolled>("/api/v1/auth/mfa/webauthn/register", { challenge: opts.challenge, credential }));
      } catch (err) {
        error.textContent = message(err);
      }
    });
    card.append(el("p", {}, key));
  }
  card.append(startOver());
  return card;
}

/** Ask for a TOTP secret (with `challenge`, or signed in without one) and append its QR code, secret and the form for
 * the first code to `into`; `finish` gets the enrolment's answer. */
export async function totpSetup(
  challenge: string | null,
  into: HTMLElement,
  error: HTMLElement,
  finish: (out: Enrolled) => void,
): Promise<void> {
  let setup: { challenge: string; secret: string; uri: string };
  try {
    setup = await post("/api/v1/auth/mfa/totp/setup", challenge ? { challenge } : {});
  } catch (err) {
    error.textContent = message(err);
    return;
  }
  const code = input({ name: "code", autocomplete: "one-time-code", inputmode: "numeric", required: true });
  const form = el(
    "form",
    { class: "totp-setup" },
    qrSvg(setup.uri, t("mfa.qr_label")),
    el("p", {}, t("mfa.secret", { secret: "" }), el("code", { class: "secret", text: setup.secret })),
    el("details", {}, el("summary", { text: t("mfa.uri") }), el("code", { class: "uri", text: setup.uri })),
    field(t("mfa.code"), code),
    el("button", { type: "submit", class: "primary" }, t("mfa.confirm")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      finish(await post<Enrolled>("/api/v1/auth/mfa/totp/confirm", { challenge: setup.challenge, code: code.value.trim() }));
    } catch (err) {
      error.textContent = message(err);
      code.select();
    }
  });
  into.insertBefore(form, error);
  code.focus();
}
