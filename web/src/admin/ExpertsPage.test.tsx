import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { Provider, type Client } from "urql";
import { fromValue, never } from "wonka";
import { renderInConsole } from "../test-utils";
import { ExpertsPage } from "./ExpertsPage";

// Typing into several fields takes seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const data = {
  experts: [],
  bricks: [{ __typename: "Brick", id: "b1", code: "scenari", name: "Scenari", description: "", services: [{
    __typename: "Service", id: "s1", name: "Workshops", description: "", subServices: [{
      __typename: "SubService", id: "ss1", name: "Model upgrade", description: "", requiresApproval: false, defaultPriority: "NORMAL",
      estimatedDelay: { __typename: "EstimatedDelay", takeBusinessSeconds: null, resolveBusinessSeconds: null, basis: "NONE", sampleSize: 0 },
    }] }] }],
};

test("a scope picked in catalogue management is kept; an unknown username is refused at its field", async () => {
  const sent: unknown[] = [];
  const client = {
    executeQuery: () => fromValue({ data, stale: false, hasNext: false }),
    executeMutation: (operation: { variables: unknown }) => {
      sent.push(operation.variables);
      return fromValue({ data: { designateExpert: { __typename: "ValidationFailed", message: "invalid input",
        fields: [{ field: "username", message: "no user nobody.here" }] } }, stale: false, hasNext: false });
    },
    executeSubscription: () => never,
  } as unknown as Client;
  renderInConsole(
    <Provider value={client}>
      <MemoryRouter initialEntries={["/admin/experts?scope=sub%3Ass1"]}><ExpertsPage /></MemoryRouter>
    </Provider>,
  );
  expect(await screen.findByRole("combobox", { name: "Périmètre" })).toHaveValue("Scenari › Workshops › Model upgrade");
  await userEvent.type(screen.getByLabelText("Identifiant de l'expert"), "nobody.here");
  await userEvent.click(screen.getByRole("button", { name: "Désigner" }));
  expect(sent).toEqual([{ input: { username: "nobody.here", subServiceId: "ss1" } }]);
  expect(screen.getByLabelText("Identifiant de l'expert")).toHaveAttribute("aria-invalid", "true");
  expect(screen.getByText("no user nobody.here")).toBeInTheDocument();
});
