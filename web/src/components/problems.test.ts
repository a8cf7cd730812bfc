import { fieldError, formErrors } from "./problems";

test("the server's requestData problems land on the form's fields", () => {
  const errors = formErrors([
    { field: "requestData.account_email", message: "is not an e-mail" },
    { field: "requestData.workshops.1", message: "too long" },
    { field: "title", message: "must not be empty" },
  ]);
  expect(errors).toEqual({
    account_email: { __errors: ["is not an e-mail"] },
    workshops: { 1: { __errors: ["too long"] } },
  });
});

test("a top-level field's problem is found by its name", () => {
  const fields = [{ field: "title", message: "must not be empty" }];
  expect(fieldError(fields, "title")).toBe("must not be empty");
  expect(fieldError(fields, "description")).toBeUndefined();
});
