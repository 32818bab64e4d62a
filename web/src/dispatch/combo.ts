// A keyboard-first combobox (ARIA 1.2 pattern): a text input with a list of suggestions under it. Typing asks
// `suggest` for options; ArrowDown/ArrowUp move through them, Enter or Tab takes the highlighted one, Escape closes
// the list. While the list is open Enter picks (it does not submit the form); with the list closed Enter is the
// form's. Used for the call type (searched by code and name) and the location (registry, gazetteer, coordinates).

import { el, nextId } from "../core/dom";
import { t } from "../core/i18n";
import { newest } from "../core/newest";

export interface Option<T> {
  label: string;
  detail?: string;
  value: T;
}

export interface Combo {
  input: HTMLInputElement;
  box: HTMLElement;
  /** True while the suggestion list is shown. */
  isOpen(): boolean;
  clear(): void;
}

export function combobox<T>(
  attrs: { name: string; label: string; hint?: string },
  suggest: (text: string) => Promise<Array<Option<T>>> | Array<Option<T>>,
  onPick: (o: Option<T>) => void,
): Combo {
  const listId = nextId(`${attrs.name}-list`);
  const hintId = nextId(`${attrs.name}-hint`);
  const input = el("input", {
    type: "text",
    name: attrs.name,
    id: nextId(attrs.name),
    role: "combobox",
    autocomplete: "off",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
    "aria-describedby": attrs.hint ? hintId : null,
  });
  const list = el("ul", { id: listId, role: "listbox", class: "combo-list", "aria-label": attrs.label, hidden: true });
  const box = el(
    "div",
    { class: "field combo" },
    el("label", { for: input.id, text: attrs.label }),
    input,
    list,
    attrs.hint ? el("small", { id: hintId, class: "hint", text: attrs.hint }) : null,
  );
  let options: Array<Option<T>> = [];
  let active = -1;
  const turn = newest(); // each keystroke's search; only the newest one lists its options
  let shownFor = ""; // the text the listed options answer
  let latest: Promise<void> = Promise.resolve(); // the newest search

  const show = (open: boolean) => {
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (!open) input.removeAttribute("aria-activedescendant");
  };
  const highlight = (i: number) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    const li = list.children[i];
    if (li) {
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    }
  };
  const pick = (i: number) => {
    const o = options[i];
    if (!o) return;
    input.value = o.label;
    shownFor = o.label;
    show(false);
    onPick(o);
  };
  const render = () => {
    list.replaceChildren();
    options.forEach((o, i) => {
      const li = el("li", { id: `${listId}-${i}`, role: "option", "aria-selected": "false" }, o.label);
      if (o.detail) li.append(el("small", { text: ` ${o.detail}` }));
      li.addEventListener("mousedown", (ev) => {
        ev.preventDefault(); // keep the focus in the input
        pick(i);
      });
      list.append(li);
    });
    if (!options.length && input.value.trim()) list.append(el("li", { class: "combo-empty", "aria-disabled": "true" }, t("dispatch.entry.no_match")));
    show(input.value.trim() !== "" && document.activeElement === input);
    highlight(options.length ? 0 : -1);
  };
  const refresh = (): Promise<void> => {
    const mine = turn();
    const text = input.value.trim();
    latest = (async () => {
      const found = text ? await suggest(text) : [];
      if (!mine()) return; // a newer keystroke has asked since
      options = found;
      shownFor = text;
      render();
    })();
    return latest;
  };
  input.addEventListener("input", () => void refresh());
  input.addEventListener("blur", () => show(false));
  input.addEventListener("keydown", (ev) => {
    const open = !list.hidden;
    const text = input.value.trim();
    if (ev.key === "Enter" && text && shownFor !== text) {
      // typed faster than the search answered: take the first answer for what is typed now, not a stale one
      ev.preventDefault();
      ev.stopPropagation();
      void latest.then(() => {
        if (options.length && !list.hidden && shownFor === input.value.trim()) pick(active >= 0 ? active : 0);
      });
      return;
    }
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!open) {
        void refresh();
        return;
      }
      if (!options.length) return;
      const step = ev.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if ((ev.key === "Enter" || ev.key === "Tab") && open && active >= 0) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        ev.stopPropagation();
      }
      pick(active);
    } else if (ev.key === "Escape" && open) {
      ev.preventDefault();
      show(false);
    }
  });
  return {
    input,
    box,
    isOpen: () => !list.hidden,
    clear: () => {
      input.value = "";
      shownFor = "";
      options = [];
      list.replaceChildren();
      show(false);
    },
  };
}
