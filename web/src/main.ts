// OpenRTCC web app: one page, two faces. /app/... is the staff dashboard (per role: live map and alert queue,
// search, canvass, cameras, audit, administration); /portal/... is the community portal (sign up, cameras, rebates,
// tips, alert subscriptions). The shell draws the header (navigation, language, live status, sign-out), keeps the
// live stream open while a staff user is signed in, and mounts one screen at a time.

import "./style.css";
import { onUnauthorized } from "./core/api";
import { el, setCityTimeZone } from "./core/dom";
import { lang, onLangChange, setLang, t, type Lang } from "./core/i18n";
import type { Key } from "./core/strings";
import { live, type LiveState } from "./core/live";
import { Life, navigate, onNavigate, path, type View } from "./core/router";
import * as session from "./core/session";
import { seenAgain } from "./alerts/queue";
import { alertStore } from "./alerts/store";
import { loginView } from "./core/login";
import { liveView } from "./map/livemap";
import { seenDivisions } from "./core/divisions";
import { city, setCity, webConfig } from "./map/basemap";
import { searchView } from "./investigations/search";
import { canvassView } from "./cameras/canvass";
import { camerasView } from "./cameras/health";
import { auditView } from "./audit/audit";
import { hotlistsView } from "./admin/hotlists";
import { usersView } from "./admin/users";
import { governanceView } from "./governance/governance";
import { portalView, portalNav } from "./portal/portal";
import { programsView } from "./community/programs";
import { footageView } from "./footage/requests";
import { dispatchView } from "./dispatch/screen";
import { fieldView } from "./field/field";
import { patrolView } from "./patrol/screen";
import { simulatorView } from "./simulator/screen";
import { securityView } from "./account/security";
import { analyticsView } from "./analytics/forecast";
import { oversightView } from "./oversight/oversight";
import { pilotView } from "./drones/pilot";

interface Screen {
  path: string;
  label: Key;
  perm: string | null; // shown to users holding this permission ("a|b": either)
  view: View;
}

const STAFF: Screen[] = [
  { path: "/app", label: "nav.live", perm: "alerts:read_verified", view: liveView },
  { path: "/app/dispatch", label: "nav.dispatch", perm: "calls:dispatch", view: dispatchView },
  { path: "/app/search", label: "nav.search", perm: "search:run", view: searchView },
  { path: "/app/canvass", label: "nav.canvass", perm: "canvass:run", view: canvassView },
  { path: "/app/cameras", label: "nav.cameras", perm: "cameras:read", view: camerasView },
  { path: "/app/audit", label: "nav.audit", perm: "audit:read", view: auditView },
  { path: "/app/hotlists", label: "nav.hotlists", perm: "hotlists:read", view: hotlistsView },
  { path: "/app/users", label: "nav.users", perm: "users:admin", view: usersView },
  { path: "/app/governance", label: "nav.governance", perm: "retention:read", view: governanceView },
  { path: "/app/programs", label: "nav.programs", perm: "tips:triage", view: programsView },
  { path: "/app/footage", label: "nav.footage", perm: "footage:read", view: footageView },
  { path: "/app/field", label: "nav.field", perm: "dispatch:self", view: fieldView },
  { path: "/app/patrol", label: "nav.patrol", perm: "patrol:read", view: patrolView },
  { path: "/app/simulator", label: "nav.simulator", perm: "simulator:read", view: simulatorView },
  { path: "/app/analytics", label: "nav.analytics", perm: "analytics:read", view: analyticsView },
  { path: "/app/oversight", label: "nav.oversight", perm: "oversight:read", view: oversightView },
  { path: "/app/drones", label: "nav.drones", perm: "drones:pilot|drones:override", view: pilotView },
];
// Reached from the signed-in user's name in the header, not from the navigation.
const SECURITY: Screen = { path: "/app/security", label: "nav.security", perm: "self:read", view: securityView };

const root = document.getElementById("app") as HTMLElement;
const announcer = el("div", { id: "announcer", class: "visually-hidden", "aria-live": "polite", "aria-atomic": "true" });
let life: Life | null = null;

/** Whether the signed-in user holds the screen's permission (one of them, for "a|b"). */
function allowed(perm: string): boolean {
  return perm.split("|").some((p) => session.can(p));
}

function isPortal(): boolean {
  return path().startsWith("/portal");
}

function langSwitch(): HTMLElement {
  const s = el("select", { id: "lang", "aria-label": t("shell.language") });
  for (const [code, name] of [["en", "English"], ["es", "Español"]] as Array<[Lang, string]>) {
    s.append(el("option", { value: code, text: name, lang: code, selected: code === lang() }));
  }
  s.addEventListener("change", () => setLang(s.value as Lang));
  return s;
}

const LIVE_TEXT: Record<LiveState, Key> = {
  connecting: "shell.live.connecting",
  live: "shell.live.live",
  reconnecting: "shell.live.reconnecting",
  offline: "shell.live.offline",
};

function header(screens: Screen[]): HTMLElement {
  const me = session.current();
  const nav = el("nav", { "aria-label": t("shell.nav") });
  const ul = el("ul", {});
  const here = path();
  if (isPortal()) {
    for (const [href, label] of portalNav()) {
      ul.append(el("li", {}, el("a", { href, "data-link": true, "aria-current": here === href ? "page" : false }, label)));
    }
  } else {
    for (const s of screens) {
      ul.append(el("li", {}, el("a", { href: s.path, "data-link": true, "aria-current": here === s.path ? "page" : false }, t(s.label))));
    }
  }
  nav.append(ul);
  const status = el("span", { id: "live-status", role: "status", class: "live-status" });
  if (me && !isPortal() && session.can("live:read")) showLiveState(status, live.state);
  const right = el("div", { class: "header-right" }, status, langSwitch());
  if (me) {
    right.append(el("span", { class: "who", text: `${me.name} (${t(`role.${me.role}` as Key)})` }));
    if (!isPortal() && !session.isCommunity()) {
      // the division(s) every screen's data is of
      const seen = el("span", { class: "who-division", id: "my-division" });
      void seenDivisions(me).then((text) => (seen.textContent = text));
      right.append(seen);
    }
    if (!isPortal()) right.append(el("a", { class: "who", id: "my-sign-in", href: SECURITY.path, "data-link": true }, t(SECURITY.label)));
    right.append(el("button", { type: "button", id: "sign-out", onclick: () => void signOut() }, t("shell.sign_out")));
  }
  const title = isPortal() ? t("portal.title", { city: city() }) : t("shell.title");
  return el(
    "header",
    { class: "topbar" },
    el("a", { class: "brand", href: isPortal() ? "/portal" : "/app", "data-link": true }, title),
    me || isPortal() ? nav : null,
    right,
  );
}

function showLiveState(node: HTMLElement | null, s: LiveState): void {
  if (!node) return;
  node.textContent = t(LIVE_TEXT[s]);
  node.dataset.state = s;
}
live.onState((s) => {
  if (session.can("live:read")) showLiveState(document.getElementById("live-status"), s);
});

async function signOut(): Promise<void> {
  const wasPortal = isPortal();
  live.stop();
  alertStore.reset();
  await session.signOut();
  navigate(wasPortal ? "/portal" : "/app/login");
}

function startLive(): void {
  if (live.state === "offline" && session.can("live:read")) live.start();
}

async function render(): Promise<void> {
  life?.end();
  const mine = new Life();
  life = mine;
  const here = path();
  document.title = isPortal() ? t("portal.title", { city: city() }) : t("shell.title");
  const me = session.current();
  const main = el("main", { id: "main", tabindex: "-1" });
  const skip = el("a", { class: "skip", href: "#main" }, t("shell.skip"));
  let screens: Screen[] = [];
  let view: View;
  if (isPortal()) {
    view = portalView;
  } else if (!me || here === "/app/login") {
    if (me && here === "/app/login") {
      navigate("/app", true);
      return;
    }
    view = loginView;
  } else if (me.role === "resident" || me.role === "business") {
    navigate("/portal", true);
    return;
  } else {
    screens = STAFF.filter((s) => s.perm === null || allowed(s.perm));
    if ((here === "/app" || here === "/") && screens.length && screens[0].path !== "/app") {
      navigate(screens[0].path, true); // a role without the live screen lands on its first screen
      return;
    }
    const screen = STAFF.find((s) => s.path === here) ?? (here === "/" ? STAFF[0] : here === SECURITY.path ? SECURITY : undefined);
    if (!screen) view = notFound;
    else if (screen.perm && !allowed(screen.perm)) view = forbidden;
    else view = screen.view;
    startLive();
  }
  root.replaceChildren(skip, header(screens), announcer, main);
  const result = await view(main, new URLSearchParams(window.location.search), mine);
  if (typeof result === "function") mine.onCleanup(result);
}

const notFound: View = (r) => {
  r.append(el("h1", { text: t("shell.not_found") }), el("p", {}, el("a", { href: "/app", "data-link": true }, t("nav.live"))));
};
const forbidden: View = (r) => {
  r.append(el("h1", { text: t("shell.forbidden") }));
};

alertStore.subscribe((a, isNew, sighted) => {
  if (a && isNew) announcer.textContent = t("alerts.announce", { title: a.title });
  else if (a && sighted && seenAgain(a)) {
    announcer.textContent = t("alerts.announce_seen", { title: a.title, camera: a.last_sighting?.camera_code ?? "?" });
  }
});

onUnauthorized(() => {
  if (!session.current()) return;
  live.stop();
  alertStore.reset();
  void session.load().then(() => {
    if (!session.current()) navigate(isPortal() ? "/portal" : "/app/login");
  });
});
live.onSignedOut = () => {
  alertStore.reset();
  void session.load().then(() => navigate("/app/login"));
};

onNavigate(() => void render());
onLangChange(() => void render());

// keyboard: Esc closes an open dialog (native <dialog> does this) and collapses open <details> panels
document.addEventListener("keydown", (ev) => {
  if (ev.key !== "Escape") return;
  const open = document.activeElement?.closest("details[open]");
  if (open instanceof HTMLDetailsElement) {
    open.open = false;
    open.querySelector("summary")?.focus();
  }
});

export async function boot(): Promise<void> {
  const config = webConfig().then((c) => {
    setCityTimeZone(c.time_zone); // times are shown in the city's zone
    setCity(c); // titles and maps follow the city profile
  });
  await session.load();
  await config;
  if (path() === "/" || path() === "/app/index.html") history.replaceState(null, "", "/app");
  await render();
}

void boot();
