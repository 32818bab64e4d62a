// The footage-request action of a canvass result: ask a camera's owner (or the agency, for its own cameras) for
// the recordings of the canvass window, for a case, with a purpose.

import { ApiError, post } from "../core/api";
import { el, field, input } from "../core/dom";
import { t } from "../core/i18n";
import { purposeFields } from "../governance/purposes";
import type { CanvassHit, CanvassResult } from "./registry";

export const FOOTAGE_REQUESTS = "/api/v1/footage/requests";

interface FootageRequest {
  id: string;
  state: string;
  due_at: string | null;
}

export function footageRequestForm(hit: CanvassHit, res: CanvassResult): HTMLFormElement {
  const p = purposeFields();
  const reason = input({ name: "reason", required: true, minlength: 3, maxlength: 2000 });
  const status = el("p", { role: "status" });
  const form = el(
    "form",
    { class: "footage", "aria-label": t("footage.request_for", { camera: hit.camera.name }) },
    ...p.nodes,
    field(t("footage.reason"), reason),
    el("button", { type: "submit" }, t("footage.send")),
    status,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const v = p.value();
    try {
      const r = await post<FootageRequest>(FOOTAGE_REQUESTS, {
        camera_id: hit.camera.id,
        case_number: v.case_number ?? "",
        purpose: v.purpose,
        reason: reason.value.trim(),
        window_start: res.start,
        window_end: res.end,
      });
      status.textContent = t("footage.sent", { state: r.state });
      status.className = "ok";
    } catch (err) {
      status.textContent = t("common.failed", { detail: err instanceof ApiError ? err.message : String(err) });
      status.className = "error";
    }
  });
  return form;
}
