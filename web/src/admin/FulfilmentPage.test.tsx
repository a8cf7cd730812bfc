import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { Provider, type Client } from "urql";
import { fromValue, never } from "wonka";
import { renderInConsole } from "../test-utils";
import { FulfilmentPage } from "./FulfilmentPage";

// Typing into several fields takes seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

test("a ref nobody can see is refused at its field and nothing is recorded", async () => {
  const sent: unknown[] = [];
  const statuses = { fulfilmentStatuses: [{ __typename: "FulfilmentStatus", code: "DONE", name: "Done", error: false }] };
  const client = {
    executeQuery: () => fromValue({ data: statuses, stale: false, hasNext: false }),
    query: () => ({ toPromise: () => Promise.resolve({ data: { ticketByRef: null } }) }),
    executeMutation: (operation: { variables: unknown }) => {
      sent.push(operation.variables);
      return never;
    },
    executeSubscription: () => never,
  } as unknown as Client;
  renderInConsole(<Provider value={client}><MemoryRouter><FulfilmentPage /></MemoryRouter></Provider>);
  await userEvent.type(screen.getByLabelText("Référence du ticket"), "GRP-2026-999999");
  await userEvent.click(screen.getByRole("combobox", { name: "État de réalisation" }));
  await userEvent.click(await screen.findByRole("option", { name: "Done", hidden: true }));
  await userEvent.click(screen.getByRole("button", { name: "Enregistrer l'état" }));
  expect(await screen.findByText("Aucun ticket visible n'a la référence GRP-2026-999999.")).toBeInTheDocument();
  expect(screen.getByLabelText("Référence du ticket")).toHaveAttribute("aria-invalid", "true");
  expect(sent).toEqual([]);
});
