import { deskInput, deskValues } from "./desks";

test("a configured desk is edited with its references asked again, never shown", () => {
  const values = deskValues({ kind: "ITOP", url: "https://itop.example.org", credentialNames: ["inbound_secret", "token"],
    mappings: { org_id: { name: "INSA Lyon" } }, timeout: 10 });
  expect(values.credentials).toEqual([{ key: "inbound_secret_env", location: "" }, { key: "token_env", location: "" }]);
  expect(JSON.parse(values.mappings)).toEqual({ org_id: { name: "INSA Lyon" } });
  expect(values.timeout).toBe("10");
  expect(deskValues(null)).toMatchObject({ kind: "ITOP", url: "", mappings: "", timeout: "" });
});

test("the form becomes the API's DeskInput; empty rows and fields are left out", () => {
  const result = deskInput({ kind: "WEBHOOK", url: " https://hooks.example.org/gd ", mappings: "", timeout: "",
    credentials: [{ key: "signing_secret_env", location: "DESK_SECRET" }, { key: "", location: "" }] });
  expect(result).toEqual({ ok: true, desk: { kind: "WEBHOOK", url: "https://hooks.example.org/gd",
    credentials: { signing_secret_env: "DESK_SECRET" } } });
  expect(deskInput({ kind: "GLPI", url: "https://g", credentials: [], mappings: "{\"a\": 1}", timeout: "2,5" }))
    .toEqual({ ok: true, desk: { kind: "GLPI", url: "https://g", credentials: {}, mappings: { a: 1 }, timeout: 2.5 } });
});

test("unreadable mappings or timeout are the form's own problems, at their field", () => {
  expect(deskInput({ kind: "GLPI", url: "https://g", credentials: [], mappings: "{nope", timeout: "" }))
    .toMatchObject({ ok: false, field: "mappings", problem: "json" });
  expect(deskInput({ kind: "GLPI", url: "https://g", credentials: [], mappings: "", timeout: "soon" }))
    .toMatchObject({ ok: false, field: "timeout", problem: "number" });
});
