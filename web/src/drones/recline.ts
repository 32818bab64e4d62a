// The drone line of the dispatcher's recommendation panel (RecommendationRead.drone, a preview under the policy in
// force): the dock and drone, its ETA and how many seconds before the first patrol car it would arrive — or the
// refusal with its rule and policy version. "Request launch" (drones:request) records the decision
// (POST /drones/calls/{id}/decisions) and, when it still recommends a launch, asks the pilots
// (POST /drones/launch-requests).

import "./drones.css";
import { post } from "../core/api";
import { el } from "../core/dom";
import { t } from "../core/i18n";
import { can } from "../core/session";
import { DRONES_API, etaText, leadClass, leadText, type Decision, type DroneOption } from "./model";

export function droneLine(callId: string, d: DroneOption): HTMLElement {
  const ok = d.outcome === "recommended" || d.outcome === "overridden";
  const node = el("section", { class: `drone-line ${ok ? "recommended" : "refused"}`, "data-outcome": d.outcome, "aria-labelledby": "drone-line-title" });
  node.append(el("h3", { id: "drone-line-title", text: t("drones.rec.title") }));
  const msg = el("p", { class: "drone-message", role: "status", "aria-live": "polite" });
  if (ok) {
    node.append(
      el("p", { class: "drone-summary" }, t("drones.rec.recommended", { drone: d.drone_code ?? "—", dock: d.dock_code ?? "—", eta: etaText(d.eta_s) }), " · ", el("strong", { class: leadClass(d.lead_s), text: leadText(d.lead_s, d.patrol_eta_s) })),
      el("p", { class: "rule hint", "data-rule": d.rule_id, text: t("drones.decision.rule", { rule_id: d.rule_id, version: d.policy_version ?? "—", rule: d.rule }) }),
    );
    if (can("drones:request")) {
      const request = el("button", { type: "button", class: "request-launch" }, t("drones.rec.request"));
      request.addEventListener("click", () => {
        request.disabled = true;
        msg.className = "drone-message";
        msg.textContent = "";
        post<Decision>(`${DRONES_API}/calls/${callId}/decisions`)
          .then(async (decision) => {
            if (decision.outcome === "refused") {
              msg.className = "drone-message error";
              msg.textContent = t("drones.rec.refused_now", { rule: `${decision.rule_id}: ${decision.rule}` });
              return;
            }
            await post(`${DRONES_API}/launch-requests`, { decision_id: decision.id });
            msg.className = "drone-message ok";
            msg.textContent = t("drones.rec.requested", { drone: d.drone_code ?? "—" });
          })
          .catch((err: unknown) => {
            request.disabled = false;
            msg.className = "drone-message error";
            msg.textContent = t("common.failed", { detail: err instanceof Error ? err.message : String(err) });
          });
      });
      node.append(el("div", { class: "buttons" }, request));
    }
  } else {
    node.append(el("p", { class: "drone-summary rule", "data-rule": d.rule_id, text: t("drones.rec.refused", { rule_id: d.rule_id, version: d.policy_version ?? "—", rule: d.rule }) }));
    if (d.overridable) node.append(el("p", { class: "hint", text: t("drones.rec.overridable") }));
  }
  node.append(msg);
  return node;
}
