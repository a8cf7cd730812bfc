import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { Provider, type Client } from "urql";
import { fromValue, never } from "wonka";
import { renderInConsole } from "../test-utils";
import { ViewerContext } from "../components/viewer";
import { RequestPage } from "./RequestPage";

const viewer = {
  roles: ["SCHOOL_AGENT"],
  user: { id: "u1", username: "amandine.roclerc", displayName: "Amandine Roclerc" },
  tenant: { id: "t1", slug: "insa-lyon", name: "INSA Lyon", kind: "SCHOOL" },
};

const subService = {
  __typename: "SubService", id: "sub1", name: "Account creation", description: "Open an account",
  requiresApproval: false, defaultPriority: "NORMAL",
  form: { type: "object", required: ["account_email"], properties: { account_email: { title: "Account holder's e-mail", type: "string" } } },
  service: { __typename: "Service", id: "s1", name: "Account management", brick: { __typename: "Brick", id: "b1", name: "Scenari" } },
};

test("the server's refusals appear on the fields they name, inside and outside the form", async () => {
  const sent: unknown[] = [];
  const client = {
    executeQuery: () => fromValue({ data: { subService, tenants: [] }, stale: false, hasNext: false }),
    executeMutation: (operation: { variables: unknown }) => {
      sent.push(operation.variables);
      return fromValue({
        data: { openTicket: { __typename: "ValidationFailed", message: "invalid input", fields: [
          { field: "title", message: "must not be empty" },
          { field: "requestData.account_email", message: "is not an e-mail address" },
        ] } },
        stale: false, hasNext: false,
      });
    },
    executeSubscription: () => never,
  } as unknown as Client;
  renderInConsole(
    <Provider value={client}>
      <ViewerContext.Provider value={viewer}>
        <MemoryRouter initialEntries={["/catalogue/sub1"]}>
          <Routes><Route path="/catalogue/:subServiceId" element={<RequestPage />} /></Routes>
        </MemoryRouter>
      </ViewerContext.Provider>
    </Provider>,
  );
  await userEvent.type(await screen.findByLabelText(/Account holder's e-mail/), "nobody");
  await userEvent.click(screen.getByRole("button", { name: "Ouvrir le ticket" }));

  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({ input: { subServiceId: "sub1", requestData: { account_email: "nobody" } } });
  expect(await screen.findByText("must not be empty", { selector: "[id$='-error'], .mantine-InputWrapper-error" })).toBeInTheDocument();
  expect(screen.getByText("is not an e-mail address", { selector: ".rjsf li, .rjsf .text-danger, .rjsf .error-detail li" })).toBeInTheDocument();
});
