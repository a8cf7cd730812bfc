import { errorAt, outcomeOf, unplacedError } from "./outcome";

const refused = {
  __typename: "ValidationFailed", message: "invalid input",
  fields: [{ field: "input.name", message: "must not be empty" }, { field: "desk.credentials.token", message: "never a value" }],
};

test("a payload of a success type is done; any other is a refusal with its fields", () => {
  expect(outcomeOf({ __typename: "Brick" }, ["Brick"])).toEqual({ ok: true });
  expect(outcomeOf(refused, ["Brick"])).toEqual({ ok: false, message: "invalid input", fields: refused.fields });
  expect(outcomeOf({ __typename: "Conflict", message: "exists" }, ["Brick"])).toEqual({ ok: false, message: "exists", fields: [] });
  expect(outcomeOf(undefined, ["Brick"], "network down")).toEqual({ ok: false, message: "network down", fields: [] });
});

test("each field's message is found whatever input object it was nested in", () => {
  const outcome = outcomeOf(refused, ["Brick"]);
  expect(errorAt(outcome, "name")).toBe("must not be empty");
  expect(errorAt(outcome, "credentials.token")).toBe("never a value");
  expect(errorAt(outcome, "description")).toBeUndefined();
  expect(errorAt({ ok: true }, "name")).toBeUndefined();
});

test("a refusal is shown whole only for what no field of the form shows", () => {
  const outcome = outcomeOf(refused, ["Brick"]);
  expect(unplacedError(outcome, ["name", "credentials.token"])).toBeUndefined();
  expect(unplacedError(outcome, ["name"])).toBe("invalid input (desk.credentials.token: never a value)");
  expect(unplacedError(outcomeOf({ __typename: "Conflict", message: "exists" }, ["Brick"]), ["name"])).toBe("exists");
});

test("a request the API refused as a whole still names its fields", () => {
  const outcome = outcomeOf(undefined, ["DeskConfigured"], {
    message: "[GraphQL] input.tenantId: not a GlobalID",
    graphQLErrors: [{ message: "input.tenantId: not a GlobalID", extensions: { fields: [{ field: "input.tenantId", message: "not a GlobalID" }] } }],
  });
  expect(outcome).toEqual({ ok: false, message: "input.tenantId: not a GlobalID", fields: [{ field: "input.tenantId", message: "not a GlobalID" }] });
  expect(errorAt(outcome, "tenantId")).toBe("not a GlobalID");
});
