// What the camera itself sent about a read, shown in the alert view: the images kept in our store (served by
// GET /api/v1/reads/{id}/images/{crop|vehicle}, each view audited), the direction of travel, the agent's camera
// label, and the camera's own hotlist alerts (GET /api/v1/vendor-alerts?read_id=…, loaded once per read).

import { get } from "../core/api";
import { el } from "../core/dom";
import { t } from "../core/i18n";
import { can } from "../core/session";
import type { ReadInfo } from "./store";

/** A ref that names an image in our store (not a vendor key or a URL). */
export function isStoredImage(ref: string | null | undefined): boolean {
  return !!ref && ref.startsWith("alpr-images/");
}

/** The URL of a read's stored image. */
export function imageUrl(read: ReadInfo, kind: "crop" | "vehicle"): string {
  return `/api/v1/reads/${encodeURIComponent(read.id)}/images/${kind}`;
}

const COMPASS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];

/** "93° (E)" for a heading in degrees from north. */
export function headingText(deg: number): string {
  const dir = COMPASS[Math.round((((deg % 360) + 360) % 360) / 45) % 8];
  return t("alerts.heading.value", { deg: Math.round(deg), dir });
}

export interface VendorAlert {
  id: string;
  read_id: string;
  camera_code: string;
  plate: string | null;
  alert_list: string | null;
  list_type: string | null;
  description: string | null;
  camera_name: string | null;
  observed_at: string;
}

interface VendorAlertPage {
  items: VendorAlert[];
  total: number;
}

const cache = new Map<string, Promise<VendorAlert[]>>();

function vendorAlertsOf(readId: string): Promise<VendorAlert[]> {
  let found = cache.get(readId);
  if (!found) {
    found = get<VendorAlertPage>(`/api/v1/vendor-alerts?read_id=${encodeURIComponent(readId)}`).then((p) => p.items);
    found.catch(() => cache.delete(readId)); // try again on the next render
    cache.set(readId, found);
  }
  return found;
}

/** A box that fills itself with the camera's own alerts about this read (empty and hidden when there are none). */
export function vendorAlertsNode(read: ReadInfo): HTMLElement {
  const box = el("section", { class: "vendor-alerts", hidden: true, "aria-label": t("alerts.vendor.title") });
  if (!can("alerts:read")) return box;
  vendorAlertsOf(read.id)
    .then((items) => {
      if (!items.length) return;
      const list = el("ul", {});
      for (const v of items) {
        const line = t("alerts.vendor.item", { list: v.alert_list ?? "?", type: v.list_type ?? "?" });
        list.append(el("li", {}, el("strong", { text: line }), v.description ? ` — ${v.description}` : ""));
      }
      box.replaceChildren(el("h5", { text: t("alerts.vendor.title") }), el("p", { class: "help", text: t("alerts.vendor.help") }), list);
      box.hidden = false;
    })
    .catch((err: unknown) => {
      box.replaceChildren(el("p", { class: "error", text: t("alerts.vendor.failed", { detail: err instanceof Error ? err.message : String(err) }) }));
      box.hidden = false;
    });
  return box;
}
