// OpenRTCC service worker (scope /app/): keeps the app's shell (the page, its hashed scripts and styles, the
// manifest, icons and the bundled base map) so the field view opens without a connection. It never touches the API:
// requests outside /app/ (/api/..., /live/..., /auth) are not intercepted, so no response with personal data is
// ever stored here. Queued status changes and notes live in the page (localStorage), not in this worker.
"use strict";

const VERSION = "rtcc-shell-v1";
const SHELL = "/app/field"; // the app's page (the server answers index.html for every /app route)
const STATIC = ["/app/manifest.webmanifest", "/app/icons/field-192.png", "/app/icons/field-512.png"];

/** Only the app's own files: same origin, GET, under /app/, and never the worker itself. */
function isShellRequest(url, request) {
  return (
    request.method === "GET" &&
    url.origin === self.location.origin &&
    url.pathname.startsWith("/app/") &&
    url.pathname !== "/app/sw.js"
  );
}

/** Store a response only when it is a plain successful same-origin one (no opaque or error answers). */
async function keep(cache, key, response) {
  if (response && response.ok && response.type === "basic") await cache.put(key, response.clone());
  return response;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(VERSION);
      const page = await fetch(SHELL, { cache: "no-cache", credentials: "same-origin" });
      await keep(cache, SHELL, page.clone());
      // the hashed scripts and styles the page loads, found in the page itself
      const html = await page.text();
      const assets = [...new Set(html.match(/\/app\/assets\/[A-Za-z0-9._-]+/g) || [])];
      await Promise.all(
        [...assets, ...STATIC].map(async (u) => {
          try {
            await keep(cache, u, await fetch(u, { credentials: "same-origin" }));
          } catch {
            // a missing icon must not keep the worker from installing
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== VERSION) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (!isShellRequest(url, request)) return; // the API and everything else: straight to the network, never cached
  if (request.mode === "navigate") {
    // the page: the network first (a new build), the kept shell when offline
    event.respondWith(
      (async () => {
        const cache = await caches.open(VERSION);
        try {
          return await keep(cache, SHELL, await fetch(request));
        } catch {
          return (await cache.match(SHELL)) || Response.error();
        }
      })(),
    );
    return;
  }
  // hashed assets never change; the base map, manifest and icons rarely: the cache first, then the network
  event.respondWith(
    (async () => {
      const cache = await caches.open(VERSION);
      const hit = await cache.match(request);
      if (hit) return hit;
      return keep(cache, request, await fetch(request));
    })(),
  );
});
