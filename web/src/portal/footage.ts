// The footage requests an owner's cameras received from investigators (on /portal/cameras): approve (then upload
// the clips) or decline with a reason.

import { api, get, post } from "../core/api";
import { el, field, formatTime, input, nextId } from "../core/dom";
import { lang, t } from "../core/i18n";
import type { Key } from "../core/strings";
import { newest } from "../core/newest";
import { failText, statusLabel } from "./common";

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
export async function footageRequests(): Promise<HTMLElement> {
  const box = el("section", { class: "card", "aria-labelledby": "footage-title", id: "footage-requests" }, el("h2", { id: "footage-title", text: t("portal.footage") }));
  const error = el("p", { class: "error", role: "alert" });
  const list = el("div", {});
  box.append(el("p", { class: "hint", text: t("portal.footage_blurb") }), error, list);
  const turn = newest(); // an older list must not replace the one drawn after an answer or an upload
  const load = async () => {
    const current = turn();
    let reqs: OwnerRequest[];
    try {
      reqs = await get<OwnerRequest[]>("/api/v1/me/footage/requests");
      if (!current()) return;
    } catch (err) {
      if (current()) error.textContent = failText(err);
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
