// The portal's Neighborhood Watch page (/portal/watch): the watch groups of the resident's neighborhood first, then
// the others; join or leave; a member reads the group's meeting notices, and a captain posts one (every member is
// messaged through the outbox).

import { get, post } from "../core/api";
import { el, field, formatTime, input, nextId } from "../core/dom";
import { lang, t } from "../core/i18n";
import { newest } from "../core/newest";
import { C, type Neighborhood, failText } from "./common";

interface Group {
  id: string;
  name: string;
  neighborhood_code: string;
  description: string | null;
  members: number;
  captains: string[];
  my_role: string | null;
}
interface Notice {
  id: string;
  title: string;
  body: string;
  meeting_at: string | null;
  location: string | null;
  posted_at: string;
  recipients: number;
}
interface Profile {
  neighborhood_code: string | null;
}

async function noticeList(g: Group): Promise<HTMLElement> {
  const box = el("section", { class: "watch-notices", "aria-label": t("watch.notices_of", { name: g.name }) }, el("h4", { text: t("watch.notices") }));
  let notices: Notice[];
  try {
    notices = await get<Notice[]>(`${C}/groups/${g.id}/notices`);
  } catch (err) {
    box.append(el("p", { class: "error", text: failText(err) }));
    return box;
  }
  if (!notices.length) {
    box.append(el("p", { text: t("watch.no_notices") }));
    return box;
  }
  const ul = el("ul", { class: "plain" });
  for (const n of notices) {
    ul.append(
      el(
        "li",
        { class: "notice" },
        el("strong", { text: n.title }),
        n.meeting_at ? el("p", { class: "meta", text: t("watch.meeting", { when: formatTime(n.meeting_at, lang()) }) }) : null,
        n.location ? el("p", { class: "meta", text: t("watch.where", { where: n.location }) }) : null,
        el("p", { class: "watch-body", text: n.body }),
        el("p", { class: "meta", text: t("watch.posted", { at: formatTime(n.posted_at, lang()) }) }),
      ),
    );
  }
  box.append(ul);
  return box;
}

function noticeForm(g: Group, reload: () => Promise<void>, say: (text: string) => void): HTMLElement {
  const title = input({ name: "title", required: true, minlength: 2, maxlength: 200 });
  const body = el("textarea", { name: "body", required: true, rows: 3, maxlength: 8000, id: nextId("body") });
  const when = input({ name: "meeting_at", type: "datetime-local" });
  const where = input({ name: "location", maxlength: 255 });
  const error = el("p", { class: "error", role: "alert" });
  const form = el(
    "form",
    { class: "watch-post", "aria-label": t("watch.post_to", { name: g.name }) },
    el("h4", { text: t("watch.post") }),
    field(t("watch.notice_title"), title),
    field(t("watch.notice_body"), body),
    field(t("watch.notice_when"), when),
    field(t("watch.notice_where"), where),
    el("button", { type: "submit", class: "primary" }, t("watch.post_send")),
    error,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    try {
      const posted = await post<Notice>(`${C}/groups/${g.id}/notices`, {
        title: title.value.trim(),
        body: body.value.trim(),
        meeting_at: when.value ? new Date(when.value).toISOString() : null,
        location: where.value.trim() || null,
      });
      await reload();
      say(t("watch.posted_ok", { n: posted.recipients }));
    } catch (err) {
      error.textContent = failText(err);
    }
  });
  return form;
}

export async function groupsPage(root: HTMLElement): Promise<void> {
  root.append(el("h1", { text: t("watch.title") }), el("p", { class: "lead", text: t("watch.lead") }));
  const status = el("p", { role: "status", "aria-live": "polite", class: "ok", id: "watch-status" });
  const error = el("p", { class: "error", role: "alert" });
  const mine = el("section", { "aria-labelledby": "watch-yours", id: "watch-yours-box" });
  const others = el("section", { "aria-labelledby": "watch-others", id: "watch-others-box" });
  root.append(status, error, mine, others);
  let hoods: Neighborhood[] = [];
  let home: string | null = null;
  try {
    [hoods, home] = await Promise.all([
      get<Neighborhood[]>(`${C}/neighborhoods`).catch(() => [] as Neighborhood[]),
      get<Profile>(`${C}/me`).then((p) => p.neighborhood_code).catch(() => null),
    ]);
  } catch {
    hoods = [];
  }
  const hoodName = (code: string) => hoods.find((h) => h.code === code)?.name ?? code;
  const say = (text: string) => {
    status.textContent = text;
  };

  const card = async (g: Group): Promise<HTMLElement> => {
    const member = g.my_role !== null;
    const article = el(
      "article",
      { class: "card watch-group", "data-group": g.id, "data-role": g.my_role ?? "none", "aria-labelledby": `g-${g.id}` },
      el("h3", { id: `g-${g.id}` }, g.name, " ", member ? el("span", { class: "badge", text: g.my_role === "captain" ? t("watch.you_captain") : t("watch.you_member") }) : null),
      el("p", { class: "meta", text: `${hoodName(g.neighborhood_code)} · ${t("watch.members", { n: g.members })}` }),
      g.captains.length ? el("p", { class: "meta", text: t("watch.captains", { names: g.captains.join(", ") }) }) : null,
      g.description ? el("p", { text: g.description }) : null,
    );
    const act = member ? "leave" : "join";
    article.append(
      el(
        "button",
        {
          type: "button",
          class: member ? "" : "primary",
          "aria-label": t(member ? "watch.leave_named" : "watch.join_named", { name: g.name }),
          onclick: async () => {
            error.textContent = "";
            try {
              await post(`${C}/groups/${g.id}/${act}`);
              await load();
              say(t(member ? "watch.left" : "watch.joined", { name: g.name }));
            } catch (err) {
              error.textContent = failText(err);
            }
          },
        },
        t(member ? "watch.leave" : "watch.join"),
      ),
    );
    if (member) article.append(await noticeList(g));
    if (g.my_role === "captain") article.append(noticeForm(g, load, say));
    return article;
  };

  const turn = newest(); // an older list must not replace the one drawn after joining or leaving a group
  async function load(): Promise<void> {
    const current = turn();
    let groups: Group[];
    try {
      groups = await get<Group[]>(`${C}/groups`);
    } catch (err) {
      if (current()) error.textContent = failText(err);
      return;
    }
    const here = groups.filter((g) => home !== null && g.neighborhood_code === home);
    const rest = groups.filter((g) => !here.includes(g));
    const [hereCards, restCards] = await Promise.all([Promise.all(here.map(card)), Promise.all(rest.map(card))]);
    if (!current()) return;
    mine.replaceChildren(
      el("h2", { id: "watch-yours", text: t("watch.yours") }),
      ...(here.length ? hereCards : [el("p", { text: t("watch.none_here") })]),
    );
    others.replaceChildren(
      el("h2", { id: "watch-others", text: t("watch.others") }),
      ...(rest.length ? restCards : [el("p", { text: t("watch.none") })]),
    );
  }
  await load();
}
