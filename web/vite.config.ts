// Vite build of the OpenRTCC web app into the Python package (served by `rtcc serve` under /app/).
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
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000", "/transparency": "http://127.0.0.1:8000" },
  },
});
