// The portal's rebates page (/portal/rebates): the owner's camera rebate applications with their checks, waitlist
// place, decision and timeline; upload a proof of purchase and submit a draft; start an application for a
// registered camera.

import { api, get, post } from "../core/api";
import { el, field, input, nextId, select } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Cleanup } from "../core/router";
import { newest } from "../core/newest";
import { MY_CAMERAS, type RegistryCamera } from "../cameras/registry";
import { type Timeline, failText, pinPicker, statusLabel, timelineList } from "./common";

interface Application {
  id: string;
  status: string;
  address: string;
  camera_id: string;
  retailer: string;
  purchase_date: string;
  amount_cents: number;
  rebate_cents: number;
  proof_uploaded: boolean;
  checks: Array<{ code: string; ok: boolean; message: string }>;
  decision_reason: string | null;
  waitlist_position: number | null;
  timeline: Timeline[];
}

function money(cents: number): string {
  return (cents / 100).toLocaleString(lang() === "es" ? "es-US" : "en-US", { style: "currency", currency: "USD" });
}

function applicationCard(a: Application, reload: () => Promise<void>): HTMLElement {
  const status = el("p", { role: "status" });
  const card = el(
    "article",
    { class: "card application", "data-status": a.status, "aria-label": t("portal.application_at", { address: a.address }) },
    el("h3", {}, `${a.address} — `, el("span", { class: `badge status-${a.status}`, text: statusLabel(a.status) })),
    el("p", { text: t("portal.rebate_amounts", { paid: money(a.amount_cents), rebate: money(a.rebate_cents), retailer: a.retailer }) }),
    a.waitlist_position ? el("p", { text: t("portal.waitlist", { n: a.waitlist_position }) }) : null,
    a.decision_reason ? el("p", { text: t("portal.decision", { reason: a.decision_reason }) }) : null,
  );
  const failedChecks = a.checks.filter((c) => !c.ok);
  if (failedChecks.length) {
    const ul = el("ul", { class: "checks", "aria-label": t("portal.checks") });
    for (const c of failedChecks) ul.append(el("li", { text: c.message }));
    card.append(el("p", { text: t("portal.fix_checks") }), ul);
  }
  if (a.status === "draft" || a.status === "ineligible") {
    const file = el("input", { type: "file", name: "file", id: nextId("proof"), accept: "image/*,application/pdf" });
    const upload = el(
      "form",
      { class: "inline", "aria-label": t("portal.proof") },
      el("label", { for: file.id, text: a.proof_uploaded ? t("portal.proof_replace") : t("portal.proof") }),
      file,
      el("button", { type: "submit" }, t("portal.upload")),
    );
    upload.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = file.files?.[0];
      if (!f) {
        status.textContent = t("portal.choose_file");
        return;
      }
      const data = new FormData();
      data.append("file", f);
      try {
        await api("POST", `/api/v1/me/rebates/${a.id}/proof`, data);
        await reload();
      } catch (err) {
        status.textContent = failText(err);
      }
    });
    card.append(upload);
    card.append(
      el(
        "button",
        {
          type: "button",
          class: "primary",
          onclick: async () => {
            try {
              await post(`/api/v1/me/rebates/${a.id}/submit`);
              await reload();
            } catch (err) {
              status.textContent = failText(err);
            }
          },
        },
        t("portal.submit_application"),
      ),
    );
  }
  card.append(status, el("h4", { text: t("portal.progress") }), timelineList(a.timeline, t("portal.progress")));
  return card;
}

export async function rebatesPage(root: HTMLElement): Promise<Cleanup> {
  root.append(el("h1", { text: t("portal.nav.rebates") }), el("p", { class: "lead", text: t("portal.rebates_blurb") }));
  const list = el("div", { id: "my-rebates", "aria-live": "polite" });
  const error = el("p", { class: "error", role: "alert" });
  root.append(list);
  let cams: RegistryCamera[] = [];
  const turn = newest(); // an older list must not replace the one drawn after a change was saved
  const load = async () => {
    const current = turn();
    try {
      const summaries = await get<Application[]>("/api/v1/me/rebates");
      // the list holds the status; each application's own page holds its timeline
      const apps = await Promise.all(summaries.map((a) => get<Application>(`/api/v1/me/rebates/${a.id}`).catch(() => a)));
      if (!current()) return;
      list.replaceChildren(...(apps.length ? apps.map((a) => applicationCard(a, load)) : [el("p", { text: t("portal.no_applications") })]));
    } catch (err) {
      if (current()) error.textContent = failText(err);
    }
  };
  await load();
  try {
    cams = (await get<RegistryCamera[]>(MY_CAMERAS)).filter((c) => c.sharing_level !== "withdrawn");
  } catch {
    cams = [];
  }
  if (!cams.length) {
    root.append(el("p", {}, t("portal.need_camera"), " ", el("a", { href: "/portal/cameras", "data-link": true }, t("portal.register_camera"))));
    return;
  }
  const camera = select("camera_id", cams.map((c) => [c.id, c.name]), cams[0].id);
  const address = input({ name: "address", required: true, minlength: 5, autocomplete: "street-address", value: cams[0].address ?? "" });
  const pin = pinPicker(t("portal.home_map"));
  pin.lat.value = String(cams[0].lat);
  pin.lon.value = String(cams[0].lon);
  const date = input({ name: "purchase_date", type: "date", required: true });
  const amount = input({ name: "amount", type: "number", min: 0, step: "0.01", required: true, inputmode: "decimal" });
  const retailer = input({ name: "retailer", required: true, maxlength: 128 });
  const form = el(
    "form",
    { class: "card", "aria-labelledby": "apply-title" },
    el("h2", { id: "apply-title", text: t("portal.apply") }),
    field(t("portal.camera"), camera),
    field(t("portal.address"), address),
    ...pin.nodes,
    field(t("portal.purchase_date"), date),
    field(t("portal.amount"), amount, t("portal.amount_hint")),
    field(t("portal.retailer"), retailer),
    el("button", { type: "submit", class: "primary" }, t("portal.start_application")),
    error,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      await post("/api/v1/me/rebates", {
        camera_id: camera.value,
        address: address.value.trim(),
        lat: Number(pin.lat.value),
        lon: Number(pin.lon.value),
        purchase_date: date.value,
        amount_cents: Math.round(Number(amount.value) * 100),
        retailer: retailer.value.trim(),
      });
      form.reset();
      await load();
    } catch (err) {
      error.textContent = failText(err);
    }
  });
  root.append(form);
  return pin.cleanup;
}
