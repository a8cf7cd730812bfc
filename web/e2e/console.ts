// Helpers of the end-to-end story: sign in as a demo user, check a page with axe, take its picture.
import { expect, type Browser, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

export async function signedIn(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
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
  expect(grave.map((v) => `${label}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

export async function picture(page: Page, name: string): Promise<void> {
  const directory = process.env.GROUPDESK_E2E_SCREENSHOTS;
  if (!directory) return;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${directory}/console-${name}.png` });
}
