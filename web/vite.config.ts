/// <reference types="vitest/config" />
// The console's build (served by groupdesk from web/dist) and its unit tests (Vitest, jsdom).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    sourcemap: false,
    // One chunk per page family keeps the first load to what the sign-in and home need.
    chunkSizeWarningLimit: 900,
  },
  server: {
    // `npm run dev` against a local `groupdesk serve`: same-origin /graphql through the proxy.
    proxy: {
      "/graphql": { target: "http://127.0.0.1:8000", ws: true },
      "/console": "http://127.0.0.1:8000",
      "/dev": "http://127.0.0.1:8000",
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test-setup.ts"],
    include: ["src/**/*.test.tsx", "src/**/*.test.ts"],
    // A guard against a hung test, not a measure: on a busy machine (the suite's other process, other
    // work) jsdom renders a form in seconds, which Vitest's default of 5 s turned into a failure.
    testTimeout: 60_000,
  },
});
