import { screen } from "@testing-library/react";
import axe from "axe-core";
import { renderInConsole } from "../test-utils";
import { Busy } from "./Busy";

// Every page shows this while its query is in flight, so axe may meet it on any page at any time.
test.each([false, true])("the spinner (page=%s) is a named status with no prohibited attribute", async (page) => {
  const { container } = renderInConsole(<Busy page={page} />);
  expect(screen.getByRole("status", { name: "Chargement…" })).toBeInTheDocument();
  const results = await axe.run(container, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "best-practice"] } });
  const grave = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(grave.map((v) => v.id)).toEqual([]);
});
