import fr from "./fr.json";
import en from "./en.json";

function keys(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === "object" && value !== null ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`]);
}

test("English says everything French says, and nothing else", () => {
  expect(keys(en).sort()).toEqual(keys(fr).sort());
});
