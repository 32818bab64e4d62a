// The portal's message inbox (/portal/messages): what was sent to the signed-in resident or business, newest first:
// public safety alerts delivered for their area (with the alert's CAP 1.2 link), watch group notices, footage
// requests and updates on their tips and rebate applications. Messages written in both languages show the reader's.

import { ApiError, get } from "../core/api";
import { el, formatTime } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { newest } from "../core/newest";

interface Message {
  id: string;
  category: string;
  subject: string;
  body: string;
  link: string | null;
  created_at: string;
  alert_id?: string | null;
  cap_link?: string | null;
  deliveries?: Delivery[];
}

/** How one e-mail or SMS copy of a message fared (the API's reason is English; known reasons are translated). */
interface Delivery {
  channel: string;
  status: string;
  reason: string | null;
}

const REASONS: Record<string, Key> = { "no SMS provider configured": "inbox.reason.noSms" };

function deliveryText(d: Delivery): string {
  const channel = d.channel === "sms" || d.channel === "email" ? t(`portal.channel.${d.channel}` as Key) : d.channel;
  if (d.status === "sent") return t("inbox.delivery.sent", { channel });
  if (d.reason) return t("inbox.delivery.notSent", { channel, reason: REASONS[d.reason] ? t(REASONS[d.reason]) : d.reason });
  return t("inbox.delivery.waiting", { channel });
}

function failText(err: unknown): string {
  return t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
}

function categoryLabel(c: string): string {
  for (const key of [`portal.cat.${c}`, `inbox.cat.${c}`] as Key[]) {
    const text = t(key);
    if (text !== key) return text;
  }
  return c.replace(/_/g, " ");
}

/** Where in the portal a message's subject lives (the API link is for programs, not people). */
function portalLink(m: Message): [string, Key] | null {
  if (m.alert_id) return null;
  if (m.category === "footage_request") return ["/portal/cameras", "portal.nav.cameras"];
  if (m.category === "watch_group") return ["/portal/watch", "watch.nav"];
  if (m.category === "tip_update") return ["/portal/tips", "portal.nav.tips"];
  if (m.category === "rebates") return ["/portal/rebates", "portal.nav.rebates"];
  return null;
}

/** The line between a message's English and Spanish text (rtcc.core.localtime.SPANISH_MARK). */
export const SPANISH_MARK = "\n\n— Español —\n";

/** The reader's half of a bilingual message (English before the mark, Spanish after); others as they are. */
export function inLanguage(body: string, language: string): string {
  const at = body.indexOf(SPANISH_MARK);
  if (at < 0) return body;
  return language === "es" ? body.slice(at + SPANISH_MARK.length) : body.slice(0, at);
}

function messageCard(m: Message): HTMLElement {
  const id = `m-${m.id}`;
  const card = el(
    "article",
    { class: `card message${m.alert_id ? " message-alert" : ""}`, "data-id": m.id, "data-category": m.category, "aria-labelledby": id },
    el("h2", { id, class: "message-subject", text: m.subject }),
    el("p", { class: "meta" }, el("span", { class: "badge", text: m.alert_id ? `${t("inbox.alert")}: ${categoryLabel(m.category)}` : categoryLabel(m.category) }), ` ${formatTime(m.created_at, lang())}`),
    el("p", { class: "message-body", text: inLanguage(m.body, lang()) }),
  );
  if (m.deliveries?.length) {
    card.append(el("p", { class: "meta message-delivery", text: m.deliveries.map(deliveryText).join(" · ") }));
  }
  const links = el("p", { class: "buttons" });
  if (m.cap_link) links.append(el("a", { href: m.cap_link, class: "cap-link", type: "application/cap+xml" }, t("inbox.cap")));
  const here = portalLink(m);
  if (here) links.append(el("a", { href: here[0], "data-link": true }, t(here[1])));
  if (links.childNodes.length) card.append(links);
  return card;
}

export async function inboxPage(root: HTMLElement): Promise<void> {
  root.append(el("h1", { text: t("inbox.title") }), el("p", { class: "lead", text: t("inbox.lead") }));
  const status = el("p", { role: "status", "aria-live": "polite", id: "inbox-status" });
  const error = el("p", { class: "error", role: "alert" });
  const list = el("section", { id: "inbox", "aria-label": t("inbox.list") });
  const turn = newest(); // the list asked for on opening may answer after a refresh's
  const load = async () => {
    const current = turn();
    error.textContent = "";
    try {
      const items = await get<Message[]>("/api/v1/community/messages?limit=200");
      if (!current()) return;
      items.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      list.replaceChildren(...(items.length ? items.map(messageCard) : [el("p", { text: t("inbox.empty") })]));
      status.textContent = t("inbox.count", { n: items.length });
    } catch (err) {
      if (current()) error.textContent = failText(err);
    }
  };
  root.append(el("div", { class: "buttons" }, el("button", { type: "button", id: "inbox-refresh", onclick: () => void load() }, t("inbox.refresh"))), status, error, list);
  await load();
}
