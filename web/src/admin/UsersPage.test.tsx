import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider, type Client } from "urql";
import { fromValue, never } from "wonka";
import { renderInConsole } from "../test-utils";
import { ViewerContext, type ViewerInfo } from "../components/viewer";
import { UsersPage } from "./UsersPage";

// Typing into several fields takes seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const tenants = [
  { __typename: "Tenant", id: "t1", name: "INSA Lyon", slug: "insa-lyon", kind: "SCHOOL", active: true },
  { __typename: "Tenant", id: "t2", name: "INSA Rennes", slug: "insa-rennes", kind: "SCHOOL", active: true },
];
const users = { __typename: "UserConnection", totalCount: 1, edges: [{ __typename: "UserEdge", node: {
  __typename: "User", id: "u1", username: "amandine.roclerc", displayName: "Amandine Roclerc", email: "a@x",
  roles: ["SCHOOL_AGENT"], active: true, technical: false, tenant: tenants[0] } }] };

function renderAs(roles: string[]) {
  const sent: unknown[] = [];
  const client = {
    executeQuery: () => fromValue({ data: { users, tenants }, stale: false, hasNext: false }),
    executeMutation: (operation: { variables: unknown }) => {
      sent.push(operation.variables);
      return fromValue({ data: { moveUser: { __typename: "User", id: "u1", roles: ["SCHOOL_AGENT"], tenant: tenants[1] } },
        stale: false, hasNext: false });
    },
    executeSubscription: () => never,
  } as unknown as Client;
  const viewer: ViewerInfo = { roles, user: { id: "me", username: "me", displayName: "Me" },
    tenant: { id: "g", slug: "groupe-insa", name: "Groupe INSA", kind: "GROUP" } };
  renderInConsole(<Provider value={client}><ViewerContext.Provider value={viewer}><UsersPage /></ViewerContext.Provider></Provider>);
  return sent;
}

test("a group administrator moves a person to another school", async () => {
  const sent = renderAs(["GROUP_ADMIN"]);
  await userEvent.click(screen.getByRole("combobox", { name: "Établissement de Amandine Roclerc" }));
  await userEvent.click(await screen.findByRole("option", { name: "INSA Rennes", hidden: true }));
  expect(sent).toEqual([{ input: { userId: "u1", tenantId: "t2" } }]);
});

test("a school's manager sees the school but cannot move anyone", () => {
  renderAs(["SCHOOL_MANAGER"]);
  expect(screen.queryByRole("combobox", { name: "Établissement de Amandine Roclerc" })).toBeNull();
  expect(screen.getByRole("cell", { name: "INSA Lyon" })).toBeInTheDocument();
});
