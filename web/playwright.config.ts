// End-to-end: Debian's Chromium against a groupdesk process started by tests/web (GROUPDESK_E2E_URL).
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "e2e",
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: "line",
  use: {
    baseURL: process.env.GROUPDESK_E2E_URL ?? "http://127.0.0.1:8000",
    locale: "fr-FR",
    viewport: { width: 1280, height: 860 },
    launchOptions: { executablePath: process.env.GROUPDESK_E2E_CHROMIUM ?? "/usr/bin/chromium" },
  },
});
