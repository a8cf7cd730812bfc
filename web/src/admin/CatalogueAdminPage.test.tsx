import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { Provider, type Client } from "urql";
import { fromValue, never } from "wonka";
import { renderInConsole } from "../test-utils";
import { CatalogueAdminPage, parseForm } from "./CatalogueAdminPage";

// Typing into several fields takes seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const catalogue = {
  bricks: [{
    __typename: "Brick", id: "b1", code: "scenari", name: "Scenari", description: "", active: true,
    services: [{
      __typename: "Service", id: "s1", name: "Account management", description: "", active: true,
      subServices: [{
        __typename: "SubService", id: "ss1", name: "Account creation", description: "", active: false,
        requiresApproval: false, defaultPriority: "NORMAL", form: { type: "object" },
        serviceLevelTargets: [{ __typename: "ServiceLevelTarget", priority: "NORMAL", takeMinutes: 240, resolveMinutes: 2400 }],
      }],
    }],
  }],
};

function fakeClient(answer: (name: string, variables: Record<string, unknown>) => unknown) {
  const sent: { name: string; variables: Record<string, unknown> }[] = [];
  const client = {
    executeQuery: () => fromValue({ data: catalogue, stale: false, hasNext: false }),
    executeMutation: (operation: { variables: Record<string, unknown>; query: { definitions: { name?: { value: string } }[] } }) => {
      const name = operation.query.definitions[0].name!.value;
      sent.push({ name, variables: operation.variables });
      return fromValue({ data: answer(name, operation.variables), stale: false, hasNext: false });
    },
    executeSubscription: () => never,
  } as unknown as Client;
  return { client, sent };
}

function renderPage(client: Client) {
  renderInConsole(<Provider value={client}><MemoryRouter><CatalogueAdminPage /></MemoryRouter></Provider>);
}

test("a new sub-service goes to the chosen service; the server's refusal shows at the name field", async () => {
  const { client, sent } = fakeClient(() => ({ createSubService: {
    __typename: "ValidationFailed", message: "invalid input", fields: [{ field: "name", message: "must not be empty" }] } }));
  renderPage(client);
  const form = screen.getByRole("form", { name: "Nouveau sous-service" });
  await userEvent.click(within(form).getByRole("combobox", { name: "Dans le service" }));
  await userEvent.click(await screen.findByRole("option", { name: "Scenari › Account management", hidden: true }));
  await userEvent.type(within(form).getByLabelText("Description"), "Pour les invités");
  await userEvent.click(within(form).getByLabelText("Demande soumise à approbation"));
  await userEvent.click(within(form).getByRole("button", { name: "Créer le sous-service" }));

  expect(sent).toEqual([{ name: "CreateSubService", variables: { input: {
    serviceId: "s1", name: "", description: "Pour les invités", requiresApproval: true, defaultPriority: "NORMAL", form: undefined } } }]);
  const name = within(form).getByLabelText("Nom du sous-service");
  expect(name).toHaveAttribute("aria-invalid", "true");
  expect(within(form).getByText("must not be empty")).toBeInTheDocument();
});

test("an unreadable form is refused at its field before anything is sent", async () => {
  const { client, sent } = fakeClient(() => null);
  renderPage(client);
  const form = screen.getByRole("form", { name: "Nouveau sous-service" });
  await userEvent.click(within(form).getByRole("combobox", { name: "Dans le service" }));
  await userEvent.click(await screen.findByRole("option", { name: "Scenari › Account management", hidden: true }));
  await userEvent.type(within(form).getByLabelText("Formulaire de demande (JSON Schema)"), "{{nope");
  await userEvent.click(within(form).getByRole("button", { name: "Créer le sous-service" }));
  expect(sent).toEqual([]);
  expect(within(form).getByText(/JSON illisible/)).toBeInTheDocument();
  expect(parseForm("")).toBeUndefined();
  expect(parseForm("{\"type\": \"object\"}")).toEqual({ type: "object" });
});

test("an inactive sub-service is reactivated, an active brick deactivated", async () => {
  const { client, sent } = fakeClient((name) => name === "DeactivateBrick"
    ? { deactivateBrick: { __typename: "Brick", id: "b1", active: false } }
    : { updateSubService: { __typename: "SubService", id: "ss1", active: true } });
  renderPage(client);
  await userEvent.click(screen.getByRole("button", { name: "Réactiver Scenari › Account management › Account creation" }));
  await userEvent.click(screen.getByRole("button", { name: "Désactiver Scenari" }));
  expect(sent).toEqual([
    { name: "UpdateSubService", variables: { input: { id: "ss1", active: true } } },
    { name: "DeactivateBrick", variables: { id: "b1" } },
  ]);
});
