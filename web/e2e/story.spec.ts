// The story of the console: a school asks, an expert at another school answers, the school closes;
// a manager approves; another school never sees the ticket. Each page is checked with axe.
import { expect, test, type Page } from "@playwright/test";
import { accessible, markDocument, picture, sameDocument, signedIn, subscribed, trafficOf } from "./console";

const AGENT = "Amandine Roclerc";     // school support, INSA Lyon
const EXPERT = "Ismaël Grandcourtois"; // Scenari account management expert, INSA Rouen
const MANAGER = "Bastien Fauvrelle";  // manager, INSA Lyon
const OTHER_SCHOOL = "Dorian Kerhoual"; // school support, INSA Rennes

async function openRequest(page: Page, search: string, subService: string, title: string): Promise<string> {
  await page.getByRole("link", { name: "Catalogue" }).click();
  await page.getByLabel("Rechercher une brique, un service, un sous-service").fill(search);
  await page.getByRole("link", { name: new RegExp(`Demander : Scenari › Account management › ${subService}`) }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subService);
  await page.getByLabel("Titre").fill(title);
  return "";
}

/** The unread count the bell says. */
async function unread(page: Page): Promise<number> {
  const label = await page.getByRole("button", { name: /^Notifications, \d+ non lue/ }).getAttribute("aria-label");
  return Number(/\d+/.exec(label ?? "")![0]);
}

async function act(page: Page, action: string, text?: string): Promise<void> {
  await page.getByRole("button", { name: action, exact: true }).click();
  if (text !== undefined) {
    await page.getByRole("textbox", { name: /Question|Solution|Réponse|Raison/ }).fill(text);
    await page.getByRole("button", { name: `Valider : ${action}` }).click();
  }
}

test("a request goes from a school to an expert at another school and back", async ({ browser }) => {
  // The expert at INSA Rouen has their queue open before the school asks anything.
  const expert = await signedIn(browser, EXPERT);
  await expect(expert).toHaveURL(/\/queue$/);
  await expect(expert.getByRole("heading", { level: 1, name: "Ma file" })).toBeVisible();
  await expect(expert.getByText(/\d+ ticket\(s\)|Aucun ticket\./)).toBeVisible();
  await subscribed(expert, "myQueueEvents");
  await markDocument(expert);
  const queueReads = trafficOf(expert).queries.filter((name) => name === "MyQueue").length;

  const agent = await signedIn(browser, AGENT);
  await accessible(agent, "tickets");
  await picture(agent, "tickets");

  // The catalogue, then the request form rendered from the sub-service's JSON Schema.
  await agent.getByRole("link", { name: "Catalogue" }).click();
  await agent.getByLabel("Rechercher une brique, un service, un sous-service").fill("scenari account creation");
  // The estimated delay comes from the sub-service's service level targets.
  await expect(agent.getByTestId("estimated-delay")).toContainText(/Délai estimé : prise en charge en .+ ouvrées, résolution en .+ ouvrées/);
  await accessible(agent, "catalogue");
  await picture(agent, "catalogue");
  await openRequest(agent, "scenari account creation", "Account creation", "");
  await agent.getByLabel("Titre").fill("");
  await agent.getByLabel(/Account holder's e-mail/).fill("nouvelle.autrice@insa-lyon.fr");
  await agent.getByLabel(/Scenari platform/).selectOption("scenari-pedagogie");
  await agent.getByLabel(/Role on the platform/).selectOption({ index: 1 });
  // The server refuses an empty title and says so on the title field.
  await agent.getByRole("button", { name: "Ouvrir le ticket" }).click();
  await expect(agent.getByRole("alert")).toContainText("title");
  await accessible(agent, "request form");
  await picture(agent, "request-form");
  await agent.getByLabel("Titre").fill("Compte Scenari pour une nouvelle autrice");
  await agent.getByRole("button", { name: "Ouvrir le ticket" }).click();
  await expect(agent.getByRole("status")).toContainText(/Ticket GRP-\d{4}-\d{6} ouvert/);
  const ref = (await agent.getByRole("status").textContent())!.match(/GRP-\d{4}-\d{6}/)![0];
  await expect(agent.getByText(`Expert : ${EXPERT}`, { exact: false })).toBeVisible();
  await subscribed(agent, "ticketEvents");
  await subscribed(agent, "notificationReceived");
  await markDocument(agent);

  // The ticket appears in the expert's open queue, marked as arrived: pushed over the WebSocket, neither a
  // reload of the page nor a new reading of the queue.
  await expect(expert.getByRole("row", { name: new RegExp(ref) })).toContainText("Arrivé");
  expect(await sameDocument(expert)).toBe(true);
  expect(trafficOf(expert).queries.filter((name) => name === "MyQueue")).toHaveLength(queueReads);
  expect(trafficOf(expert).received.some((f) => f.includes('"myQueueEvents"') && f.includes('"ENTERED"') && f.includes(ref))).toBe(true);
  await accessible(expert, "queue");
  await picture(expert, "queue");
  await expert.getByRole("link", { name: ref }).click();

  // A second tab on the ticket where the expert starts writing: the change made in the first tab
  // shows there live as "this ticket changed", and the comment, which names the version read, is
  // refused rather than applied to a ticket its writer has not seen.
  const staleTab = await signedIn(browser, EXPERT);
  await staleTab.goto(`/tickets/${ref}`);
  await expect(staleTab.getByRole("button", { name: "Commencer", exact: true })).toBeVisible();
  await subscribed(staleTab, "ticketEvents");
  await staleTab.getByLabel("Commentaire").fill("Je m'en occupe.");
  await act(expert, "Commencer");
  await expect(expert.getByText("En cours", { exact: true })).toBeVisible();
  await expect(staleTab.getByRole("alert")).toContainText("Ce ticket a changé");
  await expect(staleTab.getByRole("alert")).toContainText("Attribué → En cours");
  await expect(staleTab.getByText("En cours", { exact: true })).toBeVisible();
  const refused = staleTab.waitForResponse((r) => r.request().postData()?.includes("mutation AddComment") ?? false);
  await staleTab.getByRole("button", { name: "Commenter" }).click();
  expect((await (await refused).json()).data.addComment.__typename).toBe("Conflict");
  await expect(staleTab.getByRole("alert")).toContainText("Attribué → En cours");
  await expect(staleTab.locator('[data-visibility="PUBLIC"]').filter({ hasText: "Je m'en occupe." })).toHaveCount(0);
  await staleTab.getByRole("button", { name: "Recharger le ticket" }).click();
  await expect(staleTab.getByText("Ce ticket a changé")).toHaveCount(0);
  await expect(staleTab.getByLabel("Commentaire")).toHaveValue("Je m'en occupe.");
  await expect(staleTab.getByRole("button", { name: "Poser une question", exact: true })).toBeVisible();
  await staleTab.close();
  await expert.locator("label", { hasText: "Interne (experts du groupe)" }).click();
  await expert.getByLabel("Commentaire").fill("Vérifier le quota de la plateforme avant de créer.");
  await expert.getByRole("button", { name: "Commenter" }).click();
  await expect(expert.locator('[data-visibility="INTERNAL"]')).toContainText("Vérifier le quota");
  const unreadBefore = await unread(agent);
  const bellReads = trafficOf(agent).queries.filter((name) => name === "Notifications").length;
  await act(expert, "Poser une question", "Quel atelier faut-il ouvrir à ce compte ?");
  await expect(expert.getByText("En attente de l'établissement", { exact: true })).toBeVisible();
  // Waiting on the school stops the service level clock.
  await expect(expert.getByRole("region", { name: "Niveau de service" })).toContainText("horloge arrêtée");
  await accessible(expert, "ticket (expert)");
  await picture(expert, "ticket-expert");

  // The school's page, open since the request, shows the question live; it never sees the internal
  // comment.
  await expect(agent.getByText("En attente de l'établissement", { exact: true })).toBeVisible();
  await expect(agent.getByTestId("question")).toContainText("Quel atelier faut-il ouvrir à ce compte ?");
  expect(await sameDocument(agent)).toBe(true);
  expect(trafficOf(agent).received.some((f) => f.includes('"ticketEvents"') && f.includes('"PUT_ON_HOLD"'))).toBe(true);
  // The question is also a notification: the bell counts it as it is pushed, without asking again.
  await expect.poll(() => unread(agent)).toBeGreaterThan(unreadBefore);
  expect(trafficOf(agent).received.some((f) => f.includes('"notificationReceived"') && f.includes('"QUESTION"'))).toBe(true);
  expect(trafficOf(agent).queries.filter((name) => name === "Notifications")).toHaveLength(bellReads);
  await expect(agent.locator('[data-visibility="INTERNAL"]')).toHaveCount(0);
  await expect(agent.getByText("Vérifier le quota")).toHaveCount(0);
  await act(agent, "Répondre", "L'atelier Pédagogie numérique, s'il vous plaît.");
  await expect(agent.getByText("En cours", { exact: true })).toBeVisible();
  await accessible(agent, "ticket (school)");

  // The expert's page follows the answer; the expert resolves with a solution; the school's page
  // shows it, and the school closes.
  await expect(expert.getByText("En cours", { exact: true })).toBeVisible();
  await act(expert, "Résoudre", "Compte créé et ouvert à l'atelier Pédagogie numérique.");
  await expect(expert.getByText("Résolu", { exact: true })).toBeVisible();
  await expect(agent.getByRole("alert").filter({ hasText: "Solution" })).toContainText("Compte créé et ouvert");
  expect(await sameDocument(agent)).toBe(true);
  await act(agent, "Clore");
  await expect(agent.getByText("Clos", { exact: true })).toBeVisible();
  await picture(agent, "ticket-school");

  // Another school's agent: the ticket does not exist for them, by link or by search.
  const other = await signedIn(browser, OTHER_SCHOOL);
  await other.goto(`/tickets/${ref}`);
  await expect(other.getByRole("status")).toContainText("n'existe pas ou ne vous est pas visible");
  await other.getByRole("link", { name: "Tickets de l'établissement" }).click();
  await other.getByLabel(/Rechercher \(mots/).fill(ref);
  await other.getByRole("button", { name: "Filtrer" }).click();
  await expect(other.getByText("Aucun ticket.")).toBeVisible();
});

test("a manager approves a request that needs approval", async ({ browser }) => {
  const agent = await signedIn(browser, AGENT);
  await openRequest(agent, "role change", "Role change", "");
  await agent.getByLabel("Titre").fill("Droits de publication pour une autrice principale");
  const form = agent.locator(".rjsf");
  for (const input of await form.locator("input[required], input[type=email]").all()) {
    if ((await input.getAttribute("type")) === "email") await input.fill("autrice@insa-lyon.fr");
    else await input.fill("valeur");
  }
  for (const select of await form.locator("select").all()) await select.selectOption({ index: 1 });
  await agent.getByRole("button", { name: "Ouvrir le ticket" }).click();
  await expect(agent.getByRole("status")).toContainText(/ouvert/);
  const ref = (await agent.getByRole("status").textContent())!.match(/GRP-\d{4}-\d{6}/)![0];
  await expect(agent.getByText("En attente d'approbation", { exact: true })).toBeVisible();

  const manager = await signedIn(browser, MANAGER);
  await expect(manager).toHaveURL(/\/approvals$/);
  await expect(manager.getByRole("link", { name: new RegExp(ref) })).toBeVisible();
  await accessible(manager, "approvals");
  await picture(manager, "approvals");
  await manager.getByRole("link", { name: new RegExp(ref) }).first().click();
  await act(manager, "Approuver");
  await expect(manager.getByText(/Attribué|Approuvé/).first()).toBeVisible();
  await accessible(manager, "ticket (manager)");
});

test("a group administrator sees the mirrors, the experts and creates an API token", async ({ browser }) => {
  const admin = await signedIn(browser, "Valentine Orsembaud");
  // Keyboard: the first Tab reaches the skip link, which moves focus to the page's content.
  await admin.keyboard.press("Tab");
  await expect(admin.getByRole("link", { name: "Aller au contenu" })).toBeFocused();
  await admin.keyboard.press("Enter");
  await expect(admin.locator("#main")).toBeFocused();
  await admin.getByRole("link", { name: "Miroirs" }).click();
  await expect(admin.getByRole("heading", { name: "Miroirs des supports locaux" })).toBeVisible();
  await expect(admin.getByText("En pause").first()).toBeVisible();
  await accessible(admin, "mirrors");
  await admin.getByRole("link", { name: "Experts" }).click();
  await expect(admin.getByRole("cell", { name: "Ismaël Grandcourtois" }).first()).toBeVisible();
  await admin.getByLabel("Identifiant de l'expert").fill("lucien.haffenwald");
  await admin.getByRole("combobox", { name: "Périmètre" }).fill("Scenari › Workshops › Model upgrade");
  await admin.getByRole("option", { name: "Scenari › Workshops › Model upgrade" }).click();
  await admin.getByRole("button", { name: "Désigner" }).click();
  await expect(admin.getByRole("row", { name: /Model upgrade.*Lucien Haffenwald/ })).toBeVisible();
  await accessible(admin, "experts");
  await admin.getByRole("link", { name: "Jetons d'API" }).click();
  await admin.getByRole("combobox", { name: "Établissement" }).click();
  await admin.getByRole("option", { name: "INSA Lyon" }).click();
  const name = `iTop de test ${Date.now()}`;
  await admin.getByRole("textbox", { name: "Nom" }).fill(name);
  await admin.getByRole("button", { name: "Créer le jeton" }).click();
  await expect(admin.getByRole("status")).toContainText("gdk_");
  await expect(admin.getByRole("cell", { name, exact: true })).toBeVisible();
  await admin.getByRole("button", { name: `Révoquer ${name}` }).click();
  await expect(admin.getByRole("row", { name: new RegExp(name) }).getByText("Révoqué")).toBeVisible();
  await accessible(admin, "api tokens");
  await admin.getByRole("link", { name: "Personnes" }).click();
  await admin.getByLabel("Rechercher (nom, identifiant, courriel)").fill("roclerc");
  await admin.getByRole("button", { name: "Filtrer" }).click();
  await expect(admin.getByRole("cell", { name: /Amandine Roclerc/ }).first()).toBeVisible();
  await accessible(admin, "people");
  await admin.getByRole("link", { name: "Audit" }).click();
  await expect(admin.getByRole("heading", { name: "Journal d'audit" })).toBeVisible();
  await expect(admin.getByText("api_token", { exact: false }).first()).toBeVisible();
  await accessible(admin, "audit");
});

test("the operations centre opens a request on behalf of a school", async ({ browser }) => {
  const operations = await signedIn(browser, "Xavière Lamboulin");
  await openRequest(operations, "scenari account creation", "Account creation", "");
  await operations.getByRole("combobox", { name: "Pour l'établissement" }).click();
  await operations.getByRole("option", { name: "INSA Rennes" }).click();
  await operations.getByLabel("Titre").fill("Compte pour un enseignant de Rennes");
  await operations.getByLabel(/Account holder's e-mail/).fill("enseignant@insa-rennes.fr");
  await operations.getByLabel(/Scenari platform/).selectOption("scenari-recherche");
  await accessible(operations, "request form (operations)");
  await operations.getByRole("button", { name: "Ouvrir le ticket" }).click();
  await expect(operations.getByRole("status")).toContainText(/ouvert/);
  await expect(operations.getByText(/Ouvert par Xavière Lamboulin pour INSA Rennes/)).toBeVisible();
});
