// The community portal (/portal/...), made for phones: sign up or sign in as a resident or business, register a
// camera, apply for a camera rebate and follow it, submit a tip and follow it, manage alert subscriptions, and read
// the public alerts. Links to the transparency portal (/transparency, served by governance).
//
// This module holds the navigation, the home page (sign-in and sign-up forms, or the signed-in tiles; the public
// alerts) and the routing to the pages. Each page is its own module: ./account (sign in, sign up), ./cameras and ./footage, ./rebates, ./tips,
// ./subscriptions, ./groups (Neighborhood Watch), ./inbox (messages), ./reports (my calls and online reports), ./housechecks (vacation house checks);
// ./common holds what they share.

import { get } from "../core/api";
import { el, formatTime } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { path, type Cleanup } from "../core/router";
import * as session from "../core/session";
import { city } from "../map/basemap";
import { crimeMapPage } from "../analytics/crimemap";
import type { Life } from "../core/router";
import { signInForm, signUpForm } from "./account";
import { camerasPage } from "./cameras";
import { C } from "./common";
import { groupsPage } from "./groups";
import { inboxPage } from "./inbox";
import { houseChecksPage } from "./housechecks";
import { rebatesPage } from "./rebates";
import { reportsPage } from "./reports";
import { subscriptionsPage } from "./subscriptions";
import { tipsPage } from "./tips";

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
      ["/portal/reports", t("reports.nav")],
      ["/portal/alerts", t("portal.nav.alerts")],
      ["/portal/watch", t("watch.nav")],
      ["/portal/messages", t("inbox.nav")],
      ["/portal/house-checks", t("hc.nav")],
    );
  }
  links.push(["/portal/crime", t("crime.nav")], ["/transparency", t("portal.nav.transparency")]);
  return links;
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
      ["/portal/reports", "reports.nav", "reports.lead"],
      ["/portal/alerts", "portal.nav.alerts", "portal.alerts_blurb"],
      ["/portal/house-checks", "hc.nav", "hc.lead"],
    ];
    const grid = el("ul", { class: "tiles" });
    for (const [href, title, blurb] of cards) grid.append(el("li", {}, el("a", { href, "data-link": true }, el("strong", { text: t(title) }), el("span", { text: t(blurb) }))));
    root.append(el("p", { text: t("portal.welcome", { name: me.name }) }), grid);
  }
  root.append(await publicAlerts(), el("p", {}, el("a", { href: "/transparency" }, t("portal.transparency_blurb"))));
}

export async function portalView(root: HTMLElement, _params: URLSearchParams, life: Life): Promise<Cleanup> {
  root.classList.add("portal");
  const here = path();
  if (here === "/portal/crime") {
    await crimeMapPage(root, life); // public: no sign-in
    return undefined;
  }
  if (here === "/portal" || here === "/portal/signup") {
    await home(root);
    return undefined;
  }
  if (!session.isCommunity()) {
    root.append(el("h1", { text: t("portal.title", { city: city() }) }), el("p", { text: t("portal.signin_first") }), signInForm());
    return undefined;
  }
  if (here === "/portal/cameras") return camerasPage(root);
  if (here === "/portal/rebates") return rebatesPage(root);
  if (here === "/portal/tips") return tipsPage(root);
  if (here === "/portal/reports") return reportsPage(root);
  if (here === "/portal/alerts") return subscriptionsPage(root);
  if (here === "/portal/watch") return groupsPage(root);
  if (here === "/portal/messages") return inboxPage(root);
  if (here === "/portal/house-checks") return houseChecksPage(root);
  root.append(el("h1", { text: t("shell.not_found") }));
  return undefined;
}
