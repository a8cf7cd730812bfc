import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider, type Client } from "urql";
import { fromValue, never } from "wonka";
import { renderInConsole } from "../test-utils";
import { DeskCheck } from "./DeskCheck";

function fakeClient(answer: unknown) {
  const sent: unknown[] = [];
  const client = {
    executeQuery: () => never,
    executeMutation: (operation: { variables: unknown }) => {
      sent.push(operation.variables);
      return fromValue({ data: { checkDesk: answer }, stale: false, hasNext: false });
    },
    executeSubscription: () => never,
  } as unknown as Client;
  return { client, sent };
}

const LYON = { id: "t1", name: "INSA Lyon" };

test("an unreachable desk shows as such, with what it means and the desk's own words", async () => {
  const { client, sent } = fakeClient({
    __typename: "DeskChecked", outcome: "UNREACHABLE", ok: false, reachable: false,
    message: "l'outil d'assistance est injoignable : il n'a pas répondu",
    detail: "iTop unreachable at https://itop.example.org: connection refused",
    school: { __typename: "Tenant", id: "t1" },
  });
  renderInConsole(<Provider value={client}><DeskCheck school={LYON} /></Provider>);
  const result = screen.getByRole("status", { name: "Vérification du support de INSA Lyon" });
  expect(result).toBeEmptyDOMElement();

  await userEvent.click(screen.getByRole("button", { name: "Vérifier INSA Lyon" }));

  expect(sent).toEqual([{ tenantId: "t1" }]);
  expect(within(result).getByText("Injoignable")).toBeInTheDocument();
  expect(within(result).getByText("l'outil d'assistance est injoignable : il n'a pas répondu")).toBeInTheDocument();
  expect(within(result).getByText("iTop unreachable at https://itop.example.org: connection refused")).toBeInTheDocument();
});

test("a desk that works says so", async () => {
  const { client } = fakeClient({
    __typename: "DeskChecked", outcome: "OK", ok: true, reachable: true,
    message: "l'outil d'assistance répond", detail: "GLPI API answers; logged in as glpi-bot",
    school: { __typename: "Tenant", id: "t1" },
  });
  renderInConsole(<Provider value={client}><DeskCheck school={LYON} /></Provider>);
  await userEvent.click(screen.getByRole("button", { name: "Vérifier INSA Lyon" }));
  const result = screen.getByRole("status", { name: "Vérification du support de INSA Lyon" });
  expect(within(result).getByText("Fonctionne")).toBeInTheDocument();
  expect(within(result).queryByText("Injoignable")).toBeNull();
});

test("a refused check shows the server's refusal and no outcome", async () => {
  const { client } = fakeClient({ __typename: "PermissionDenied",
    message: "seuls les administrateurs du groupe vérifient les outils d'assistance des écoles" });
  renderInConsole(<Provider value={client}><DeskCheck school={LYON} /></Provider>);
  await userEvent.click(screen.getByRole("button", { name: "Vérifier INSA Lyon" }));
  const result = screen.getByRole("status", { name: "Vérification du support de INSA Lyon" });
  expect(within(result).getByText("seuls les administrateurs du groupe vérifient les outils d'assistance des écoles"))
    .toBeInTheDocument();
  expect(within(result).queryByText("Fonctionne")).toBeNull();
});
