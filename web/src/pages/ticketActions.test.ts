import { visibleActions } from "./ticketActions";

test("the opening school answers a pending ticket instead of resuming it", () => {
  expect(visibleActions(["RESUME"], "PENDING", true)).toEqual(["ANSWER"]);
  expect(visibleActions(["RESUME", "RESOLVE"], "PENDING", false)).toEqual(["RESUME", "RESOLVE"]);
});

test("only the actions the server allows are offered", () => {
  expect(visibleActions([], "IN_PROGRESS", true)).toEqual([]);
  expect(visibleActions(["TAKE", "ASSIGN"], "NEW", false)).toEqual(["TAKE"]);
});
