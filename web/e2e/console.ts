// Helpers of the end-to-end story: sign in as a demo user, check a page with axe, take its picture,
// see a page's live traffic (WebSocket frames) and its GraphQL requests over HTTP.
import { expect, type Browser, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

type Traffic = { sent: string[]; received: string[]; queries: string[] };
const traffic = new WeakMap<Page, Traffic>();

/** What the page sent and received on its WebSockets, and the GraphQL operations it sent over HTTP
 * (by name), since it was opened. */
export function trafficOf(page: Page): Traffic {
  return traffic.get(page)!;
}

function watch(page: Page): void {
  const seen: Traffic = { sent: [], received: [], queries: [] };
  traffic.set(page, seen);
  page.on("websocket", (socket) => {
    socket.on("framesent", (frame) => seen.sent.push(String(frame.payload)));
    socket.on("framereceived", (frame) => seen.received.push(String(frame.payload)));
  });
  page.on("request", (request) => {
    if (!request.url().endsWith("/graphql") || request.method() !== "POST") return;
    const name = /(?:query|mutation)\s+(\w+)/.exec(request.postData() ?? "")?.[1];
    if (name) seen.queries.push(name);
  });
}

/** The page has subscribed to `field` and the server acknowledged the socket. */
export async function subscribed(page: Page, field: string): Promise<void> {
  await expect.poll(() => {
    const { sent, received } = trafficOf(page);
    return received.some((f) => f.includes('"connection_ack"')) && sent.some((f) => f.includes('"subscribe"') && f.includes(field));
  }).toBe(true);
}

/** A mark on the page's document: it is still there as long as the page was not reloaded. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => { (window as unknown as { storyMark: string }).storyMark = "not reloaded"; });
}

export async function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { storyMark?: string }).storyMark === "not reloaded");
}

export async function signedIn(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  watch(page);
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByRole("button", { name: "Se connecter comme utilisateur de démonstration" }).click();
  await page.getByLabel("Filtrer par nom, établissement ou rôle").fill(name);
  await page.getByRole("button", { name: `Se connecter comme ${name}` }).click();
  await expect(page.getByTestId("viewer")).toContainText(name);
  return page;
}

/** No serious or critical accessibility violation on the page as it is now. */
export async function accessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const grave = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(grave.map((v) => `${label}: ${v.id} (${v.impact}) ${v.nodes.map((n) => `${n.target.join(" ")} ${n.html}`).join(", ")}`)).toEqual([]);
}

export async function picture(page: Page, name: string): Promise<void> {
  const directory = process.env.GROUPDESK_E2E_SCREENSHOTS;
  if (!directory) return;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${directory}/console-${name}.png` });
}
