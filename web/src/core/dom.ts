// Tiny DOM helpers. Data is only ever inserted as text (textContent / text nodes), never parsed as HTML.

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

let uid = 0;
/** A unique element id with a readable prefix (labels need ids). */
export function nextId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Create an element: `el("button", { type: "button", onclick: f }, "Save")`. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") node.addEventListener(key.replace(/^on/, ""), value as EventListener);
    else if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(node: Element | DocumentFragment, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A labelled form field: label + control wrapped in a div. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  if (!control.id) control.id = nextId("f");
  const wrap = el("div", { class: "field" }, el("label", { for: control.id, text: label }), control);
  if (hint) {
    const hintId = nextId("hint");
    control.setAttribute("aria-describedby", hintId);
    wrap.append(el("small", { id: hintId, class: "hint", text: hint }));
  }
  return wrap;
}

export function input(attrs: Attrs = {}): HTMLInputElement {
  return el("input", { type: "text", ...attrs });
}

export function select(name: string, options: Array<[string, string]>, value?: string): HTMLSelectElement {
  const s = el("select", { name });
  for (const [v, label] of options) s.append(el("option", { value: v, text: label, selected: v === value }));
  return s;
}

export function button(label: string, onClick: (ev: Event) => void, attrs: Attrs = {}): HTMLButtonElement {
  return el("button", { type: "button", ...attrs, onclick: onClick as EventListener }, label);
}

let cityTimeZone: string | undefined;

/** Show every time in the city's IANA time zone (from /api/v1/web/config); unknown zones keep the browser's. */
export function setCityTimeZone(zone: string | null | undefined): void {
  try {
    if (zone) new Intl.DateTimeFormat("en-US", { timeZone: zone });
    cityTimeZone = zone || undefined;
  } catch {
    cityTimeZone = undefined;
  }
}

/** A time as people read it: date and time in the city's time zone, with the zone's short name ("PST"). */
export function formatTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === "es" ? "es-US" : "en-US", {
    timeZone: cityTimeZone,
    dateStyle: "medium",
    timeStyle: "short",
  }) + ` ${zoneName(d, lang)}`;
}

function zoneName(d: Date, lang: string): string {
  const part = new Intl.DateTimeFormat(lang === "es" ? "es-US" : "en-US", { timeZone: cityTimeZone, timeZoneName: "short" })
    .formatToParts(d)
    .find((p) => p.type === "timeZoneName");
  return part?.value ?? "";
}

/** A table from rows; `headers` are column titles, cells are text or nodes. Each cell carries its column's title
 * (`data-label`), so a table with class "stack" becomes labelled cards on a phone. */
export function table(caption: string, headers: string[], rows: Child[][], attrs: Attrs = {}): HTMLTableElement {
  const t = el("table", attrs, el("caption", { text: caption }));
  const head = el("tr", {});
  for (const h of headers) head.append(el("th", { scope: "col", text: h }));
  t.append(el("thead", {}, head));
  const body = el("tbody", {});
  for (const r of rows) {
    const tr = el("tr", {});
    r.forEach((c, i) => tr.append(el("td", headers[i] ? { "data-label": headers[i] } : {}, c)));
    body.append(tr);
  }
  t.append(body);
  return t;
}

/** The value of a named control of a form, trimmed ("" when absent). */
export function formValue(form: HTMLFormElement, name: string): string {
  const control = form.elements.namedItem(name);
  if (control instanceof HTMLInputElement || control instanceof HTMLSelectElement || control instanceof HTMLTextAreaElement) {
    return control.value.trim();
  }
  return "";
}
