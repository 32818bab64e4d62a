// History routing for the one-page app: /app/... (staff) and /portal/... (community). Links marked data-link are
// intercepted; the server answers index.html for every such path, so a reload lands on the same screen.

export type Cleanup = (() => void) | void;

/** The lifetime of one mounted screen: cleanups run when the next screen replaces it (even mid-load). */
export class Life {
  private fns: Array<() => void> = [];
  alive = true;

  onCleanup(fn: () => void): void {
    if (this.alive) this.fns.push(fn);
    else fn();
  }

  end(): void {
    if (!this.alive) return;
    this.alive = false;
    for (const fn of this.fns.reverse()) {
      try {
        fn();
      } catch (err) {
        console.error("cleanup failed", err);
      }
    }
    this.fns = [];
  }
}

export type View = (root: HTMLElement, params: URLSearchParams, life: Life) => Cleanup | Promise<Cleanup>;

const listeners = new Set<() => void>();

export function path(): string {
  return window.location.pathname.replace(/\/+$/, "") || "/";
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  for (const fn of listeners) fn();
}

export function onNavigate(fn: () => void): void {
  listeners.add(fn);
}

window.addEventListener("popstate", () => {
  for (const fn of listeners) fn();
});

document.addEventListener("click", (ev) => {
  const target = ev.target instanceof Element ? ev.target.closest("a[data-link]") : null;
  if (!(target instanceof HTMLAnchorElement)) return;
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  ev.preventDefault();
  navigate(target.getAttribute("href") ?? "/app/");
});
