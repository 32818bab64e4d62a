// Camera health: every ALPR camera with its status, last heartbeat and last read (kept current by live camera
// events), and the registry's live-linked cameras (ok / stale / failing) where the registry API is installed.

import { get, hasApi } from "../core/api";
import { el, formatTime, table } from "../core/dom";
import { lang, t } from "../core/i18n";
import { live } from "../core/live";
import type { Life } from "../core/router";
import { can } from "../core/session";
import type { AlprCamera } from "../map/livemap";
import { REGISTRY_HEALTH, type HealthRow } from "./registry";

function statusCell(status: string): HTMLElement {
  const key = `cameras.status.${status}`;
  const text = t(key as never);
  return el("span", { class: `status status-${status}`, text: text === key ? status : text });
}

export async function camerasView(root: HTMLElement, _params: URLSearchParams, life: Life): Promise<void> {
  root.append(el("h1", { text: t("cameras.title") }));
  const alprBox = el("section", { "aria-label": t("cameras.alpr") });
  const regBox = el("section", { "aria-label": t("cameras.registry") });
  root.append(alprBox, regBox);
  let cams: AlprCamera[] = [];
  const draw = () => {
    const offline = cams.filter((c) => c.status === "offline").length;
    alprBox.replaceChildren(
      el("h2", { text: t("cameras.alpr") }),
      el("p", { text: t("cameras.summary", { n: cams.length, offline }) }),
      table(
        t("cameras.alpr"),
        [t("cameras.code"), t("cameras.name"), t("cameras.status"), t("cameras.heartbeat"), t("cameras.last_read")],
        cams.map((c) => [c.code, c.name, statusCell(c.status), formatTime(c.last_heartbeat_at, lang()), formatTime(c.last_read_at, lang())]),
        { id: "alpr-cameras" },
      ),
    );
  };
  try {
    cams = await get<AlprCamera[]>("/api/v1/cameras");
    draw();
  } catch (err) {
    alprBox.append(el("p", { class: "error", role: "alert", text: String(err) }));
  }
  life.onCleanup(live.subscribe((m) => {
    if (m.topic !== "cameras") return;
    const d = m.data as { code?: string; status?: string; at?: string };
    const c = cams.find((x) => x.code === d.code);
    if (c && d.status) {
      c.status = d.status;
      draw();
    }
  }));
  if (can("registry:read") && (await hasApi(REGISTRY_HEALTH))) {
    try {
      const rows = await get<HealthRow[]>(REGISTRY_HEALTH);
      regBox.append(
        el("h2", { text: t("cameras.registry") }),
        rows.length
          ? table(
              t("cameras.registry"),
              [t("cameras.code"), t("cameras.name"), t("cameras.owner"), t("cameras.status"), t("cameras.last_ok"), t("cameras.error")],
              rows.map((r) => [r.code, r.name, r.owner_type, statusCell(r.status), formatTime(r.last_ok_at, lang()), r.last_error ?? ""]),
            )
          : el("p", { text: t("cameras.registry_empty") }),
      );
    } catch {
      /* the registry is optional on this screen */
    }
  }
}
