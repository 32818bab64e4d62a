// The divisions (stations) of the city profile, and which of them the signed-in user sees: their own division, or
// every division for the RTCC-wide roles (permission divisions:all). The server enforces the scope; this only names it.

import { get } from "./api";
import { el, field } from "./dom";
import { t } from "./i18n";
import { can, type Me } from "./session";

export interface Division {
  code: string;
  name: string;
}

interface Profile {
  division_label: string;
  divisions: Division[];
}

let profile: Promise<Profile> | null = null;

/** The city profile's divisions and what a division is called there (loaded once). */
export function profileDivisions(): Promise<Profile> {
  if (!profile) {
    profile = get<Profile>("/api/v1/places/profile").catch(() => ({ division_label: "Division", divisions: [] }));
  }
  return profile;
}

/** The options of a division selector: "none" first, then each division of the profile. */
export async function divisionOptions(): Promise<Array<[string, string]>> {
  const p = await profileDivisions();
  return [["", t("division.none")], ...p.divisions.map((d): [string, string] => [d.code, `${d.name} (${d.code})`])];
}

/** What the signed-in user sees, in words: "Division: Central" or "All divisions". */
export async function seenDivisions(me: Me): Promise<string> {
  const p = await profileDivisions();
  if (me.permissions.includes("divisions:all") || p.divisions.length <= 1) {
    return p.divisions.length === 1 ? `${p.division_label}: ${p.divisions[0].name}` : t("division.all");
  }
  const mine = p.divisions.find((d) => d.code === me.division);
  return mine ? `${p.division_label}: ${mine.name}` : t("division.unset");
}

/** A division picker for the aggregate screens (KPIs, forecasts, placement): "All divisions" first, then each
 * division, with ``value`` selected. Only RTCC-wide users (divisions:all) on a profile of several divisions get one
 * (null for anyone else: their screens show their own division, which the server enforces); the screen adds the
 * chosen code as ``?division=``. */
export async function divisionPicker(value: string | null): Promise<{ field: HTMLElement; select: HTMLSelectElement } | null> {
  const p = await profileDivisions();
  if (!can("divisions:all") || p.divisions.length <= 1) return null;
  const select = el("select", { name: "division", id: "division-pick" }) as HTMLSelectElement;
  const options: Array<[string, string]> = [["", t("division.all")], ...p.divisions.map((d): [string, string] => [d.code, `${d.name} (${d.code})`])];
  for (const [v, label] of options) select.append(el("option", { value: v, text: label, selected: v === (value ?? "") }));
  return { field: field(p.division_label, select), select };
}
