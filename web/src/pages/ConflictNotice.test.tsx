import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderInConsole } from "../test-utils";
import { ConflictNotice } from "./ConflictNotice";

test("a conflict says what changed and offers a reload", async () => {
  const reload = vi.fn();
  renderInConsole(
    <ConflictNotice
      changed={{ version: 7, fromState: "IN_PROGRESS", toState: "RESOLVED",
        events: [{ id: "e1", kind: "RESOLVED", actor: { displayName: "Ismaël Grandcourtois" } }] }}
      onReload={reload}
    />,
  );
  expect(screen.getByRole("alert")).toHaveTextContent("Ce ticket a changé");
  expect(screen.getByText("En cours → Résolu")).toBeInTheDocument();
  expect(screen.getByText("RESOLVED · Ismaël Grandcourtois")).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Recharger le ticket" }));
  expect(reload).toHaveBeenCalledOnce();
});
