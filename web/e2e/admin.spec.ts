// A group administrator's pages: the dashboard's figures (compared with the API's own answer to
// the same question), the catalogue (a new sub-service and its service levels), a school's desk
// (configured, then checked), a person moved to another school. Each page is checked with axe.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { accessible, picture, signedIn } from "./console";

const ADMIN = "Valentine Orsembaud";

/** The API's answer to `query` for a demo user, as a client other than the console would ask. */
async function api(request: APIRequestContext, displayName: string, query: string, variables: object): Promise<any> {
  const users = (await (await request.get("/dev/demo-users")).json()) as { users: { username: string; displayName: string }[] };
  const username = users.users.find((u) => u.displayName === displayName)!.username;
  const { accessToken } = await (await request.post("/dev/demo-token", { data: { username } })).json();
  const response = await request.post("/graphql", {
    headers: { Authorization: `Bearer ${accessToken}` },
    data: { query, variables },
  });
  expect(response.ok()).toBe(true);
  const body = await response.json();
  expect(body.errors).toBeUndefined();
  return body.data;
}

const STATS = `query($period: StatsPeriod!, $groupBy: StatsGroupBy!) {
  stats(period: $period, groupBy: $groupBy) {
    __typename
    ... on Stats {
      total { opened resolved closed backlog escalations rejected }
      groups { key label opened resolved backlog }
      topSubServicesByVolume { label value }
      backlogByExpert { label value }
    }
  }
}`;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function figure(page: Page, name: string): Promise<number> {
  return Number(await page.getByTestId(`figure-${name}`).textContent());
}

test("a group administrator's dashboard shows the figures the API gives for the demo tickets", async ({ browser, request }) => {
  const admin = await signedIn(browser, ADMIN);
  await admin.getByRole("link", { name: "Tableau de bord" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Tableau de bord" })).toBeVisible();
  const dashboard = admin.getByTestId("dashboard");
  await expect(dashboard).toBeVisible();
  const period = { start: await dashboard.getAttribute("data-period-start"), end: await dashboard.getAttribute("data-period-end") };

  const { stats } = await api(request, ADMIN, STATS, { period, groupBy: "NONE" });
  expect(stats.__typename).toBe("Stats");
  // The demo federation's tickets were opened when the server started: the figures are not empty.
  expect(stats.total.opened).toBeGreaterThan(0);
  for (const name of ["opened", "resolved", "closed", "backlog", "escalations", "rejected"]) {
    expect(await figure(admin, name), name).toBe(stats.total[name]);
  }
  const top = admin.getByTestId("top-sub-services").getByRole("listitem");
  await expect(top).toHaveText(stats.topSubServicesByVolume.map((r: { label: string; value: number }) => `${r.label} : ${r.value}`));
  await expect(admin.getByTestId("backlog-by-expert").getByRole("listitem")).toHaveCount(stats.backlogByExpert.length);
  await accessible(admin, "dashboard");
  await picture(admin, "dashboard");

  // Grouped by school: one row per school, with the API's figures.
  await admin.getByRole("combobox", { name: "Regrouper par" }).click();
  await admin.getByRole("option", { name: "Établissement" }).click();
  await expect(admin).toHaveURL(/groupBy=SCHOOL/);
  const bySchool = (await api(request, ADMIN, STATS, { period, groupBy: "SCHOOL" })).stats;
  expect(bySchool.groups.length).toBeGreaterThan(1);
  const rows = admin.getByTestId("groups").locator("tbody tr");
  await expect(rows).toHaveCount(bySchool.groups.length);
  for (const group of bySchool.groups) {
    await expect(admin.getByTestId("groups").getByRole("row", {
      name: new RegExp(`^${escape(group.label)} ${group.opened} ${group.resolved} ${group.backlog} `),
    })).toBeVisible();
  }
  await accessible(admin, "dashboard by school");
});

test("a school's manager's dashboard holds their school's tickets; a school agent has none", async ({ browser, request }) => {
  const MANAGER = "Bastien Fauvrelle"; // INSA Lyon
  const manager = await signedIn(browser, MANAGER);
  await manager.getByRole("link", { name: "Tableau de bord" }).click();
  const dashboard = manager.getByTestId("dashboard");
  await expect(dashboard).toBeVisible();
  const period = { start: await dashboard.getAttribute("data-period-start"), end: await dashboard.getAttribute("data-period-end") };
  const { stats } = await api(request, MANAGER, STATS, { period, groupBy: "SCHOOL" });
  expect(stats.total.opened).toBeGreaterThan(0);
  expect(await figure(manager, "opened")).toBe(stats.total.opened);
  expect(await figure(manager, "backlog")).toBe(stats.total.backlog);
  await manager.getByRole("combobox", { name: "Regrouper par" }).click();
  await manager.getByRole("option", { name: "Établissement" }).click();
  // One school: theirs.
  expect(stats.groups.map((g: { label: string }) => g.label)).toEqual(["INSA Lyon"]);
  await expect(manager.getByTestId("groups").locator("tbody tr")).toHaveCount(1);
  await expect(manager.getByTestId("groups").getByRole("row", { name: new RegExp(`^INSA Lyon ${stats.groups[0].opened} `) })).toBeVisible();

  const agent = await signedIn(browser, "Amandine Roclerc");
  await expect(agent.getByRole("link", { name: "Catalogue" })).toBeVisible();
  await expect(agent.getByRole("link", { name: "Tableau de bord" })).toHaveCount(0);
});

test("a group administrator creates a sub-service and sets its service levels", async ({ browser }) => {
  const admin = await signedIn(browser, ADMIN);
  await admin.getByRole("link", { name: "Gestion du catalogue" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Gestion du catalogue" })).toBeVisible();
  await accessible(admin, "catalogue management");
  await picture(admin, "catalogue-admin");

  const form = admin.getByRole("form", { name: "Nouveau sous-service" });
  await form.getByRole("combobox", { name: "Dans le service" }).click();
  await admin.getByRole("option", { name: "Scenari › Account management" }).click();
  // No name: the server refuses, and says so at the name field.
  await form.getByRole("button", { name: "Créer le sous-service" }).click();
  await expect(form.getByLabel("Nom du sous-service")).toHaveAttribute("aria-invalid", "true");
  const name = `Compte invité ${Date.now()}`;
  await form.getByLabel("Nom du sous-service").fill(name);
  await form.getByLabel("Description", { exact: true }).fill("Un compte pour une personne extérieure à l'établissement.");
  await form.getByLabel("Formulaire de demande (JSON Schema)").fill(JSON.stringify({
    type: "object", required: ["guest_email"], properties: { guest_email: { type: "string", format: "email", title: "Guest's e-mail" } },
  }));
  await form.getByRole("button", { name: "Créer le sous-service" }).click();
  const path = `Scenari › Account management › ${name}`;
  await expect(admin.getByRole("row", { name: new RegExp(escape(path)) })).toContainText("Actif");
  await expect(form.getByLabel("Nom du sous-service")).toHaveValue("");

  // Its service levels: four business hours to take, two days to resolve, at normal priority.
  await admin.getByRole("button", { name: `Niveaux de service ${path}` }).click();
  const dialog = admin.getByRole("dialog");
  await dialog.getByLabel("Prise en charge (min) Normale").fill("240");
  await dialog.getByLabel("Résolution (min) Normale").fill("960");
  await dialog.getByRole("button", { name: "Enregistrer Normale" }).click();
  await expect(dialog.getByRole("status")).toHaveText("Enregistré");
  await accessible(admin, "service levels");
  await dialog.getByRole("button", { name: "Fermer", exact: true }).click();
  await expect(admin.getByRole("row", { name: new RegExp(escape(path)) })).toContainText("1 objectif(s) de service");

  // Its expert, designated on the experts page the row leads to, with the scope already chosen.
  await admin.getByRole("link", { name: `Experts ${path}` }).click();
  await expect(admin.getByRole("combobox", { name: "Périmètre" })).toHaveValue(path);
  await admin.getByLabel("Identifiant de l'expert").fill("estelle.vaudrimont");
  await admin.getByRole("button", { name: "Désigner" }).click();
  await expect(admin.getByRole("row", { name: new RegExp(`${escape(name)}.*Estelle Vaudrimont`) })).toBeVisible();

  // A school agent finds it in the catalogue.
  const agent = await signedIn(browser, "Amandine Roclerc");
  await agent.getByRole("link", { name: "Catalogue" }).click();
  await agent.getByLabel("Rechercher une brique, un service, un sous-service").fill(name);
  await expect(agent.getByRole("link", { name: new RegExp(`Demander : ${escape(path)}`) })).toBeVisible();
});

test("a group administrator configures a school's desk, a secret given as a value refused at its field, then checks it", async ({ browser }) => {
  const admin = await signedIn(browser, ADMIN);
  await admin.getByRole("link", { name: "Miroirs" }).click();
  const desks = admin.getByTestId("desks");
  const school = "INSA Centre Val de Loire";
  await expect(desks.getByRole("row", { name: new RegExp(`^${school}`) })).toContainText("aucun");
  await admin.getByRole("button", { name: `Configurer ${school}` }).click();
  const dialog = admin.getByRole("dialog");
  await dialog.getByRole("combobox", { name: "Type de support" }).click();
  await admin.getByRole("option", { name: "Webhook" }).click();
  await dialog.getByLabel("Adresse").fill("https://desk.insa-cvl.example.org/hooks/groupdesk");
  await dialog.getByLabel("Identifiant 1 : nom").fill("signing_secret");
  await dialog.getByLabel("Identifiant 1 : variable ou fichier").fill("correct-horse-battery");
  await dialog.getByRole("button", { name: "Enregistrer le support" }).click();
  await expect(dialog.getByLabel("Identifiant 1 : nom")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog).toContainText("signing_secret_env");
  await accessible(admin, "desk form");
  await picture(admin, "desk-form");

  await dialog.getByLabel("Identifiant 1 : nom").fill("signing_secret_env");
  await dialog.getByLabel("Identifiant 1 : variable ou fichier").fill("GROUPDESK_DESK_INSA_CVL_SECRET");
  await dialog.getByRole("button", { name: "Enregistrer le support" }).click();
  await expect(dialog).toHaveCount(0);
  const row = desks.getByRole("row", { name: new RegExp(`^${school}`) });
  await expect(row).toContainText("Webhook");
  await expect(row).toContainText("https://desk.insa-cvl.example.org/hooks/groupdesk");
  // Only the credential's name is ever shown back, never where its value lives.
  await expect(row).toContainText("secret");
  await expect(row).not.toContainText("GROUPDESK_DESK_INSA_CVL_SECRET");
  await accessible(admin, "mirrors and desks");

  // Checking it: the server running these tests has no such variable, so nothing is sent to the
  // desk and the check says so; unlike the list, it names the variable to set (as check-desk does).
  await row.getByRole("button", { name: `Vérifier ${school}` }).click();
  const result = row.getByRole("status", { name: `Vérification du support de ${school}` });
  await expect(result).toContainText("Non configuré");
  await expect(result).toContainText("rien ne lui a été envoyé");
  await expect(result).toContainText("environment variable GROUPDESK_DESK_INSA_CVL_SECRET is not set");
  await accessible(admin, "a desk checked");
});

test("a group administrator moves a person to another school", async ({ browser, request }) => {
  const admin = await signedIn(browser, ADMIN);
  await admin.getByRole("link", { name: "Personnes" }).click();
  await admin.getByLabel("Rechercher (nom, identifiant, courriel)").fill("verneuillet");
  await admin.getByRole("button", { name: "Filtrer" }).click();
  const tenant = admin.getByRole("combobox", { name: "Établissement de Paulin Verneuillet" });
  await expect(tenant).toHaveValue("INSA Centre Val de Loire");
  await tenant.click();
  await admin.getByRole("option", { name: "INSA Hauts-de-France" }).click();
  await expect(tenant).toHaveValue("INSA Hauts-de-France");
  await expect(admin.getByRole("alert")).toHaveCount(0);

  // The API says the same to another client, and the page after a reload.
  const { users } = await api(request, ADMIN, "query($text: String) { users(filter: { text: $text }) { edges { node { displayName tenant { slug } } } } }",
    { text: "verneuillet" });
  expect(users.edges.map((e: any) => [e.node.displayName, e.node.tenant.slug])).toEqual([["Paulin Verneuillet", "insa-hdf"]]);
  await admin.reload();
  await admin.getByLabel("Rechercher (nom, identifiant, courriel)").fill("verneuillet");
  await admin.getByRole("button", { name: "Filtrer" }).click();
  await expect(admin.getByRole("combobox", { name: "Établissement de Paulin Verneuillet" })).toHaveValue("INSA Hauts-de-France");
  await accessible(admin, "people");
  await picture(admin, "people");
});

test("a group administrator records a ticket's fulfilment status", async ({ browser, request }) => {
  const query = `{ tickets(filter: { states: [IN_PROGRESS] }, first: 1) { edges { node { ref fulfilment { system status } } } } }`;
  const [ticket] = (await api(request, ADMIN, query, {})).tickets.edges.map((e: any) => e.node);
  const admin = await signedIn(browser, ADMIN);
  await admin.getByRole("link", { name: "Réalisation" }).click();
  await admin.getByLabel("Référence du ticket").fill(ticket.ref);
  await admin.getByRole("combobox", { name: "État de réalisation" }).click();
  await admin.getByRole("option", { name: "Deployment error (erreur)" }).click();
  // No system named: refused at the system's field.
  await admin.getByRole("button", { name: "Enregistrer l'état" }).click();
  await expect(admin.getByLabel("Système")).toHaveAttribute("aria-invalid", "true");
  await admin.getByLabel("Système").fill("SCCM");
  await admin.getByLabel("Message").fill("Le paquet n'a pas pu être installé sur le poste.");
  await admin.getByRole("button", { name: "Enregistrer l'état" }).click();
  await expect(admin.getByRole("status")).toContainText(ticket.ref);
  await accessible(admin, "fulfilment");
  const { ticketByRef: after } = await api(request, ADMIN,
    "query($ref: String!) { ticketByRef(ref: $ref) { fulfilment { system status } } }", { ref: ticket.ref });
  expect(after.fulfilment).toEqual({ system: "SCCM", status: "DEPLOYMENT_ERROR" });
});
