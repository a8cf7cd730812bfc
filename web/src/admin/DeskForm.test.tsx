import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider, type Client } from "urql";
import { fromValue, never } from "wonka";
import { renderInConsole } from "../test-utils";
import { DeskForm } from "./DeskForm";

// Typing into several fields takes seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

function fakeClient(answer: unknown) {
  const sent: unknown[] = [];
  const client = {
    executeQuery: () => never,
    executeMutation: (operation: { variables: unknown }) => {
      sent.push(operation.variables);
      return fromValue({ data: { configureDesk: answer }, stale: false, hasNext: false });
    },
    executeSubscription: () => never,
  } as unknown as Client;
  return { client, sent };
}

test("a desk is configured with references; a secret given as a value is refused at its row", async () => {
  const { client, sent } = fakeClient({ __typename: "ValidationFailed", message: "invalid input", fields: [
    { field: "credentials.signing_secret", message: "secrets are never stored: name an environment variable" },
    { field: "url", message: "a webhook desk URL must look like https://host" },
  ] });
  const closed: boolean[] = [];
  renderInConsole(
    <Provider value={client}>
      <DeskForm school={{ id: "t9", name: "INSA Centre Val de Loire" }} desk={null} onClose={(changed) => closed.push(changed)} />
    </Provider>,
  );
  await userEvent.click(await screen.findByRole("combobox", { name: "Type de support" }));
  await userEvent.click(await screen.findByRole("option", { name: "Webhook", hidden: true }));
  await userEvent.type(screen.getByLabelText("Adresse"), "desk.example.org");
  await userEvent.type(screen.getByLabelText("Identifiant 1 : nom"), "signing_secret");
  await userEvent.type(screen.getByLabelText("Identifiant 1 : variable ou fichier"), "hunter2");
  await userEvent.click(screen.getByRole("button", { name: "Enregistrer le support" }));

  expect(sent).toEqual([{ input: { tenantId: "t9", desk: { kind: "WEBHOOK", url: "desk.example.org",
    credentials: { signing_secret: "hunter2" } } } }]);
  expect(screen.getByLabelText("Identifiant 1 : nom")).toHaveAttribute("aria-invalid", "true");
  expect(screen.getByText(/secrets are never stored/)).toBeInTheDocument();
  expect(screen.getByLabelText("Adresse")).toHaveAttribute("aria-invalid", "true");
  expect(closed).toEqual([]);
});

test("a configured desk can be removed", async () => {
  const { client, sent } = fakeClient({ __typename: "DeskConfigured", school: { __typename: "Tenant", id: "t1", name: "INSA Lyon" }, desk: null });
  const closed: boolean[] = [];
  renderInConsole(
    <Provider value={client}>
      <DeskForm school={{ id: "t1", name: "INSA Lyon" }}
        desk={{ kind: "ITOP", url: "https://itop.example.org", credentialNames: ["token"], mappings: {}, timeout: 10 }}
        onClose={(changed) => closed.push(changed)} />
    </Provider>,
  );
  expect(await screen.findByLabelText("Identifiant 1 : nom")).toHaveValue("token_env");
  await userEvent.click(screen.getByRole("button", { name: "Retirer le support" }));
  expect(sent).toEqual([{ input: { tenantId: "t1", desk: null } }]);
  expect(closed).toEqual([true]);
});
