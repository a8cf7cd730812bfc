import { filterCatalogue } from "./CataloguePage";

const sub = (id: string, name: string, description = "") => ({
  __typename: "SubService" as const, id, name, description, requiresApproval: false, defaultPriority: "NORMAL" as const,
  estimatedDelay: { takeBusinessSeconds: 7200, resolveBusinessSeconds: null, basis: "TARGET" as const, sampleSize: 0 },
});
const bricks = [
  { __typename: "Brick" as const, id: "b1", code: "scenari", name: "Scenari", description: "", services: [
    { __typename: "Service" as const, id: "s1", name: "Account management", description: "", subServices: [sub("x1", "Account creation"), sub("x2", "Role change")] },
  ] },
  { __typename: "Brick" as const, id: "b2", code: "openmoodle", name: "OpenMoodle", description: "", services: [
    { __typename: "Service" as const, id: "s2", name: "Courses", description: "", subServices: [sub("x3", "Course restore from backup", "Restaurer un cours supprimé")] },
  ] },
];

test("every word must match somewhere along brick, service and sub-service", () => {
  const found = filterCatalogue(bricks, "scenari creation");
  expect(found.map((b) => b.id)).toEqual(["b1"]);
  expect(found[0].services[0].subServices.map((s) => s.id)).toEqual(["x1"]);
});

test("the search ignores accents and case", () => {
  expect(filterCatalogue(bricks, "SUPPRIME").flatMap((b) => b.services.flatMap((s) => s.subServices.map((x) => x.id)))).toEqual(["x3"]);
});

test("an empty search keeps the whole catalogue", () => {
  expect(filterCatalogue(bricks, "  ")).toBe(bricks);
});
