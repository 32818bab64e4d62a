// The community portal (/portal/...), made for phones: sign up or sign in as a resident or business, register a
// camera, apply for a camera rebate and follow it, submit a tip and follow it, manage alert subscriptions, and read
// the public alerts. Links to the transparency portal (/transparency, served by governance).

import L from "leaflet";
import { ApiError, api, del, get, post } from "../core/api";
import { el, field, formatTime, input, nextId, select, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { navigate, path, type Cleanup } from "../core/router";
import * as session from "../core/session";
import { city, createMap, dispose, settle } from "../map/basemap";
import { MY_CAMERAS, type RegistryCamera } from "../cameras/registry";
import { groupsPage } from "./groups";
import { inboxPage } from "./inbox";

const C = "/api/v1/community";
const CATEGORIES = ["burglary", "vehicle_crime", "missing_person", "traffic", "public_safety", "watch_group"];

interface Timeline {
  at: string;
  status: string;
  note: string | null;
}
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
interface Subscription {
  id: string;
  area_kind: string;
  neighborhood_code: string | null;
  radius_m: number | null;
  categories: string[];
  channels: string[];
}
interface Neighborhood {
  code: string;
  name: string;
}
interface PublicAlert {
  id: string;
  category: string;
  headline: string;
  body: string;
  area_desc: string;
  sent_at: string;
}

export function portalNav(): Array<[string, string]> {
  const links: Array<[string, string]> = [["/portal", t("portal.nav.home")]];
  if (session.isCommunity()) {
    links.push(
      ["/portal/cameras", t("portal.nav.cameras")],
      ["/portal/rebates", t("portal.nav.rebates")],
      ["/portal/tips", t("portal.nav.tips")],
      ["/portal/alerts", t("portal.nav.alerts")],
      ["/portal/watch", t("watch.nav")],
      ["/portal/messages", t("inbox.nav")],
    );
  }
  links.push(["/transparency", t("portal.nav.transparency")]);
  return links;
}

function failText(err: unknown): string {
  if (err instanceof ApiError) {
    const why = err.errors.map((e) => (e.field ? `${e.field}: ${e.msg}` : e.msg)).filter(Boolean);
    return t("common.failed", { detail: why.length ? `${err.message} (${why.join("; ")})` : err.message });
  }
  return t("common.failed", { detail: String(err) });
}

function statusLabel(s: string): string {
  const key = `portal.status.${s}` as Key;
  const text = t(key);
  return text === key ? s.replace(/_/g, " ") : text;
}

function timelineList(items: Timeline[], label: string): HTMLElement {
  const ol = el("ol", { class: "steps", "aria-label": label });
  for (const e of items) {
    ol.append(el("li", {}, el("strong", { text: statusLabel(e.status) }), ` — ${formatTime(e.at, lang())}`, e.note ? el("p", { text: e.note }) : null));
  }
  return ol;
}

/** A small map to drop a pin (lat/lon fields stay editable for keyboard users). */
function pinPicker(label: string): { nodes: HTMLElement[]; lat: HTMLInputElement; lon: HTMLInputElement; cleanup: () => void } {
  const box = el("div", { class: "pin-map" });
  const lat = input({ name: "lat", inputmode: "decimal", required: true });
  const lon = input({ name: "lon", inputmode: "decimal", required: true });
  const { map } = createMap(box, label);
  let marker: L.Marker | null = null;
  const place = (ll: L.LatLng) => {
    lat.value = ll.lat.toFixed(6);
    lon.value = ll.lng.toFixed(6);
    if (marker) marker.setLatLng(ll);
    else marker = L.marker(ll, { icon: L.divIcon({ className: "pin", iconSize: [18, 18] }), keyboard: false }).addTo(map);
  };
  map.on("click", (ev: L.LeafletMouseEvent) => place(ev.latlng));
  settle(map, box);
  return {
    nodes: [el("p", { class: "hint", text: t("portal.pin_hint") }), box, field(t("canvass.lat"), lat), field(t("canvass.lon"), lon)],
    lat,
    lon,
    cleanup: () => dispose(map),
  };
}

// ------------------------------------------------------------------------------------------------ home, sign up

function signInForm(): HTMLElement {
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

function signUpForm(): HTMLElement {
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
      await session.signIn(username.value.trim(), password.value);
      navigate("/portal");
    } catch (err) {
      error.textContent = failText(err);
    }
  });
  return form;
}

async function publicAlerts(): Promise<HTMLElement> {
  const box = el("section", { class: "card", "aria-labelledby": "public-alerts" }, el("h2", { id: "public-alerts", text: t("portal.public_alerts") }));
  try {
    const resp = await get<PublicAlert[] | { items: PublicAlert[] }>(`${C}/alerts`);
    const items = Array.isArray(resp) ? resp : resp.items;
    if (!items.length) box.append(el("p", { text: t("portal.no_alerts") }));
    const ul = el("ul", { class: "plain" });
    for (const a of items.slice(0, 10)) {
      ul.append(el("li", {}, el("strong", { text: a.headline }), ` — ${a.area_desc} · ${formatTime(a.sent_at, lang())}`, el("p", { text: a.body })));
    }
    box.append(ul);
  } catch {
    box.append(el("p", { text: t("common.not_installed") }));
  }
  return box;
}

async function home(root: HTMLElement): Promise<void> {
  const me = session.current();
  root.append(el("h1", { text: t("portal.title", { city: city() }) }), el("p", { class: "lead", text: t("portal.intro") }));
  if (!me) {
    root.append(el("div", { class: "two" }, signInForm(), signUpForm()));
  } else if (!session.isCommunity()) {
    root.append(el("p", {}, t("portal.staff_here"), " ", el("a", { href: "/app", "data-link": true }, t("nav.live"))));
  } else {
    const cards: Array<[string, Key, Key]> = [
      ["/portal/cameras", "portal.nav.cameras", "portal.cameras_blurb"],
      ["/portal/rebates", "portal.nav.rebates", "portal.rebates_blurb"],
      ["/portal/tips", "portal.nav.tips", "portal.tips_blurb"],
      ["/portal/alerts", "portal.nav.alerts", "portal.alerts_blurb"],
    ];
    const grid = el("ul", { class: "tiles" });
    for (const [href, title, blurb] of cards) grid.append(el("li", {}, el("a", { href, "data-link": true }, el("strong", { text: t(title) }), el("span", { text: t(blurb) }))));
    root.append(el("p", { text: t("portal.welcome", { name: me.name }) }), grid);
  }
  root.append(await publicAlerts(), el("p", {}, el("a", { href: "/transparency" }, t("portal.transparency_blurb"))));
}

// ------------------------------------------------------------------------------------------------ cameras

async function cameras(root: HTMLElement): Promise<Cleanup> {
  root.append(el("h1", { text: t("portal.nav.cameras") }), el("p", { class: "lead", text: t("portal.cameras_blurb") }));
  const list = el("div", { id: "my-cameras" });
  const error = el("p", { class: "error", role: "alert" });
  root.append(list);
  const load = async () => {
    try {
      const cams = await get<RegistryCamera[]>(MY_CAMERAS);
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
      error.textContent = failText(err);
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

// ------------------------------------------------------------------------------------------------ footage requests

interface OwnerRequest {
  id: string;
  camera_name: string;
  case_number: string;
  reason: string;
  window_start: string;
  window_end: string;
  state: string;
  requested_at: string;
  due_at: string | null;
  decision_reason: string | null;
  clip_count: number;
}

/** Requests from investigators for footage of your cameras: approve (then upload the clips) or decline. */
async function footageRequests(): Promise<HTMLElement> {
  const box = el("section", { class: "card", "aria-labelledby": "footage-title", id: "footage-requests" }, el("h2", { id: "footage-title", text: t("portal.footage") }));
  const error = el("p", { class: "error", role: "alert" });
  const list = el("div", {});
  box.append(el("p", { class: "hint", text: t("portal.footage_blurb") }), error, list);
  const load = async () => {
    let reqs: OwnerRequest[];
    try {
      reqs = await get<OwnerRequest[]>("/api/v1/me/footage/requests");
    } catch (err) {
      error.textContent = failText(err);
      return;
    }
    list.replaceChildren(...(reqs.length ? [] : [el("p", { text: t("portal.footage_none") })]));
    for (const r of reqs) {
      const card = el(
        "article",
        { class: "request", "data-state": r.state },
        el("h3", {}, `${r.camera_name} — `, el("span", { class: "badge", text: statusLabel(r.state) })),
        el("p", { text: t("portal.footage_window", { from: formatTime(r.window_start, lang()), to: formatTime(r.window_end, lang()), case: r.case_number }) }),
        el("p", {}, el("strong", { text: `${t("alerts.reason")}: ` }), r.reason),
        r.due_at ? el("p", { text: t("portal.footage_due", { due: formatTime(r.due_at, lang()) }) }) : null,
        r.decision_reason ? el("p", { text: t("portal.decision", { reason: r.decision_reason }) }) : null,
      );
      const act = (what: "approve" | "decline", label: Key, withReason: boolean) => {
        const reason = input({ name: "reason", maxlength: 2000 });
        const form = el(
          "form",
          { class: "inline", "aria-label": t(label) },
          withReason ? field(t("portal.decline_reason"), reason) : null,
          el("button", { type: "submit", class: what === "approve" ? "primary" : "" }, t(label)),
        );
        form.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          try {
            await post(`/api/v1/me/footage/requests/${r.id}/${what}`, withReason && reason.value.trim() ? { reason: reason.value.trim() } : {});
            await load();
          } catch (err) {
            error.textContent = failText(err);
          }
        });
        return form;
      };
      if (r.state === "requested" || r.state === "pending") card.append(act("approve", "portal.footage_approve", false), act("decline", "portal.footage_decline", true));
      if (r.state === "approved") {
        const file = el("input", { type: "file", name: "file", id: nextId("clip"), accept: "video/*,image/*,application/zip" });
        const up = el("form", { class: "inline", "aria-label": t("portal.footage_upload") }, el("label", { for: file.id, text: t("portal.footage_upload") }), file, el("button", { type: "submit" }, t("portal.upload")));
        up.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          const f = file.files?.[0];
          if (!f) return;
          const data = new FormData();
          data.append("file", f);
          try {
            await api("POST", `/api/v1/me/footage/requests/${r.id}/clips`, data);
            await load();
          } catch (err) {
            error.textContent = failText(err);
          }
        });
        card.append(up, el("p", { text: t("portal.footage_clips", { n: r.clip_count }) }));
      }
      list.append(card);
    }
  };
  await load();
  return box;
}

// ------------------------------------------------------------------------------------------------ rebates

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

async function rebates(root: HTMLElement): Promise<Cleanup> {
  root.append(el("h1", { text: t("portal.nav.rebates") }), el("p", { class: "lead", text: t("portal.rebates_blurb") }));
  const list = el("div", { id: "my-rebates", "aria-live": "polite" });
  const error = el("p", { class: "error", role: "alert" });
  root.append(list);
  let cams: RegistryCamera[] = [];
  const load = async () => {
    try {
      const summaries = await get<Application[]>("/api/v1/me/rebates");
      // the list holds the status; each application's own page holds its timeline
      const apps = await Promise.all(summaries.map((a) => get<Application>(`/api/v1/me/rebates/${a.id}`).catch(() => a)));
      list.replaceChildren(...(apps.length ? apps.map((a) => applicationCard(a, load)) : [el("p", { text: t("portal.no_applications") })]));
    } catch (err) {
      error.textContent = failText(err);
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

// ------------------------------------------------------------------------------------------------ tips

async function tips(root: HTMLElement): Promise<void> {
  root.append(el("h1", { text: t("portal.nav.tips") }), el("p", { class: "lead", text: t("portal.tips_blurb") }));
  const list = el("div", { id: "my-tips", "aria-live": "polite" });
  const error = el("p", { class: "error", role: "alert" });
  const load = async () => {
    try {
      const items = await get<Tip[]>(`${C}/tips`);
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
      error.textContent = failText(err);
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

// ------------------------------------------------------------------------------------------------ alert subscriptions

async function subscriptions(root: HTMLElement): Promise<void> {
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
  const load = async () => {
    try {
      const subs = await get<Subscription[]>(`${C}/subscriptions`);
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
      error.textContent = failText(err);
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

// ------------------------------------------------------------------------------------------------ routing

export async function portalView(root: HTMLElement): Promise<Cleanup> {
  root.classList.add("portal");
  const here = path();
  if (here === "/portal" || here === "/portal/signup") {
    await home(root);
    return undefined;
  }
  if (!session.isCommunity()) {
    root.append(el("h1", { text: t("portal.title", { city: city() }) }), el("p", { text: t("portal.signin_first") }), signInForm());
    return undefined;
  }
  if (here === "/portal/cameras") return cameras(root);
  if (here === "/portal/rebates") return rebates(root);
  if (here === "/portal/tips") return tips(root);
  if (here === "/portal/alerts") return subscriptions(root);
  if (here === "/portal/watch") return groupsPage(root);
  if (here === "/portal/messages") return inboxPage(root);
  root.append(el("h1", { text: t("shell.not_found") }));
  return undefined;
}
