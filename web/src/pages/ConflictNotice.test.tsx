import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderInConsole } from "../test-utils";
import { ConflictNotice, changesSince } from "./ConflictNotice";

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

test("what changed between two readings: the state and the events not seen before", () => {
  const event = (id: string, kind: string) => ({ id, kind, actor: { displayName: "Ismaël Grandcourtois" } });
  const seen = { version: 3, state: "ASSIGNED", history: { edges: [{ node: event("e1", "OPENED") }, { node: event("e2", "ROUTED") }] } };
  const now = { version: 5, state: "PENDING", history: { edges: [
    { node: event("e1", "OPENED") }, { node: event("e2", "ROUTED") }, { node: event("e3", "STATE_CHANGED") }, { node: event("e4", "PUT_ON_HOLD") },
  ] } };
  expect(changesSince(seen, now)).toEqual({
    version: 5, fromState: "ASSIGNED", toState: "PENDING", events: [event("e3", "STATE_CHANGED"), event("e4", "PUT_ON_HOLD")],
  });
  expect(changesSince(now, now).events).toEqual([]);
});
