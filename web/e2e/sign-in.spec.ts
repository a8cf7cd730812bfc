// OpenID Connect in the browser against the test realm (tests/web/test_console_sign_in.py starts it):
// the authorization code flow with PKCE, a silent renewal by refresh token (the live updates' socket
// reconnects with the new token), and logout.
import { expect, test } from "@playwright/test";
import { accessible } from "./console";

test("a person signs in with the realm, keeps working after a silent renewal, and signs out", async ({ page }) => {
  // The tokens each WebSocket presented in connection_init, and everything sent on them.
  const presented: string[] = [];
  const sent: string[] = [];
  page.on("websocket", (socket) => socket.on("framesent", (frame) => {
    const text = String(frame.payload);
    sent.push(text);
    const token = /"connection_init".*"Bearer ([^"]+)"/.exec(text)?.[1];
    if (token) presented.push(token);
  }));
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
  const renewed = (await (await renewal.response())!.json()) as { access_token: string };
  // The live updates' socket, opened with the first token, reconnects at once with the renewed one
  // (the server would close it when the first expires) and subscribes again.
  await expect.poll(() => presented.includes(renewed.access_token)).toBe(true);
  expect(presented[0]).not.toBe(renewed.access_token);
  await expect.poll(() => sent.slice(sent.findIndex((f) => f.includes(renewed.access_token)))
    .some((f) => f.includes('"subscribe"') && f.includes("notificationReceived"))).toBe(true);
  await page.getByRole("link", { name: "Catalogue" }).click();
  await expect(page.getByRole("heading", { name: "Catalogue" })).toBeVisible();

  await page.getByRole("button", { name: "Se déconnecter" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/tickets");
  await expect(page).toHaveURL(/\/sign-in$/);
});
