// The console's weight and first load: the built files (raw and gzip), then a cold load of the
// sign-in page in Chromium against a running groupdesk (GROUPDESK_E2E_URL), median of 5 runs.
// Usage: GROUPDESK_E2E_URL=http://127.0.0.1:8000 node scripts/measure.mjs
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";

const dist = new URL("../dist/", import.meta.url).pathname;
const files = [];
for (const name of ["index.html", ...readdirSync(join(dist, "assets")).map((f) => `assets/${f}`)]) {
  const bytes = readFileSync(join(dist, name));
  files.push({ name, raw: statSync(join(dist, name)).size, gzip: gzipSync(bytes, { level: 9 }).length });
}
const kb = (n) => (n / 1024).toFixed(1);
console.log("| file | raw KiB | gzip KiB |\n|---|---:|---:|");
for (const f of files) console.log(`| ${f.name.replace(/-[\w]{8}\./, ".")} | ${kb(f.raw)} | ${kb(f.gzip)} |`);
const total = files.reduce((a, f) => ({ raw: a.raw + f.raw, gzip: a.gzip + f.gzip }), { raw: 0, gzip: 0 });
console.log(`| all | ${kb(total.raw)} | ${kb(total.gzip)} |`);

const url = process.env.GROUPDESK_E2E_URL ?? "http://127.0.0.1:8000";
const browser = await chromium.launch({ executablePath: process.env.GROUPDESK_E2E_CHROMIUM ?? "/usr/bin/chromium" });
const runs = [];
for (let i = 0; i < 5; i++) {
  const context = await browser.newContext(); // a fresh context: nothing cached
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(`${url}/`);
  await page.getByRole("heading", { level: 1 }).waitFor();
  const shown = Date.now() - started;
  const timing = await page.evaluate(() => {
    const [nav] = performance.getEntriesByType("navigation");
    const transferred = performance.getEntriesByType("resource").reduce((n, r) => n + r.transferSize, nav.transferSize);
    return { domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, transferred };
  });
  runs.push({ shown, ...timing });
  await context.close();
}
await browser.close();
const median = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[2];
console.log(`\nfirst load (median of 5, cold): sign-in page shown ${median("shown")} ms, ` +
  `DOMContentLoaded ${Math.round(median("domContentLoaded"))} ms, load ${Math.round(median("load"))} ms, ` +
  `${kb(median("transferred"))} KiB transferred`);
