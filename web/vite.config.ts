// Vite build of the OpenRTCC web app into the Python package (served by `rtcc serve` under /app/), and of the API
// documentation page (docs.html, served at /docs with Swagger UI bundled: no CDN).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/app/",
  publicDir: "public",
  build: {
    outDir: "../src/rtcc/web/dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0, // no data: URLs for assets: the CSP stays simple and assets cache by hash
    chunkSizeWarningLimit: 1600, // the API docs page bundles Swagger UI (about 1.4 MB): it loads only on /docs
    rollupOptions: { input: { main: "index.html", docs: "docs.html" } }, // docs.html: /docs, offline
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000", "/transparency": "http://127.0.0.1:8000" },
  },
});
