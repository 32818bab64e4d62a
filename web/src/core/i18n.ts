// English and Spanish text. `t(key, params)` looks the key up in the current language (English as the fallback);
// `setLang` updates <html lang> and tells the app to re-render. The choice is kept in localStorage.

import { en, es, type Key } from "./strings";

export type Lang = "en" | "es";
const TABLES: Record<Lang, Record<Key, string>> = { en, es };
const STORE = "rtcc.lang";
let current: Lang = initial();
const listeners = new Set<() => void>();

function initial(): Lang {
  const saved = localStorage.getItem(STORE);
  if (saved === "en" || saved === "es") return saved;
  return navigator.language.toLowerCase().startsWith("es") ? "es" : "en";
}

export function lang(): Lang {
  return current;
}

export function setLang(value: Lang): void {
  current = value;
  localStorage.setItem(STORE, value);
  document.documentElement.lang = value;
  for (const fn of listeners) fn();
}

export function onLangChange(fn: () => void): void {
  listeners.add(fn);
}

/** A server-supplied display name in the current language: `names[lang]` when the API sends one, else `name`. */
export function named(name: string, names?: Record<string, string> | null): string {
  return names?.[current] ?? name;
}

export function t(key: Key, params: Record<string, string | number> = {}): string {
  let text: string = TABLES[current][key] ?? en[key] ?? key;
  for (const [name, value] of Object.entries(params)) text = text.split(`{${name}}`).join(String(value));
  return text;
}

document.documentElement.lang = current;
