// OpenID Connect in the browser against the test realm (tests/web/test_console_sign_in.py starts it):
// the authorization code flow with PKCE, a silent renewal by refresh token, and logout.
import { expect, test } from "@playwright/test";
import { accessible } from "./console";

test("a person signs in with the realm, keeps working after a silent renewal, and signs out", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await accessible(page, "sign-in");
  await page.getByRole("button", { name: "Se connecter avec insa" }).click();

  // The realm's own login page: the console never sees the password.
  await expect(page.getByRole("heading", { name: "Sign in to insa" })).toBeVisible();
  const authorize = new URL(page.url());
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("client_id")).toBe("groupdesk-portal");
  await page.getByLabel("Username").fill("camille.sso");
  await page.getByLabel("Password").fill("correct horse");
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page.getByTestId("viewer")).toContainText("Camille Sauvignac · INSA Lyon");
  await expect(page).toHaveURL(/\/tickets$/);

  // The 70 s token is renewed by its refresh token, and the API accepts the new one.
  const renewal = await page.waitForRequest(
    (r) => r.url().endsWith("/token") && (r.postData() ?? "").includes("grant_type=refresh_token"),
    { timeout: 60_000 },
  );
  await renewal.response();
  await page.getByRole("link", { name: "Catalogue" }).click();
  await expect(page.getByRole("heading", { name: "Catalogue" })).toBeVisible();

  await page.getByRole("button", { name: "Se déconnecter" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/tickets");
  await expect(page).toHaveURL(/\/sign-in$/);
});
