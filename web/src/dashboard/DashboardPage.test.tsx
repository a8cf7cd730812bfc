import { screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { Provider, type Client } from "urql";
import { fromValue, never } from "wonka";
import { renderInConsole } from "../test-utils";
import { DashboardPage } from "./DashboardPage";

// Typing into several fields takes seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const d = (median: number | null) => ({ count: median == null ? 0 : 2, mean: median, median, p90: median });
const figures = (key: string | null, label: string | null, opened: number, resolved: number, backlog: number) => ({
  key, label, opened, resolved, closed: 1, rejected: 0, backlog, escalations: 2,
  timeToTake: { businessSeconds: d(7200), wallClockSeconds: d(10800) },
  timeToResolve: { businessSeconds: d(null), wallClockSeconds: d(null) },
  takeCompliance: { met: 3, total: 4, rate: 0.75 }, resolveCompliance: { met: 0, total: 0, rate: null },
});

test("the dashboard shows the API's figures for the period in the address", async () => {
  const asked: Record<string, unknown>[] = [];
  const client = {
    executeQuery: (operation: { variables: Record<string, unknown> }) => {
      asked.push(operation.variables);
      return fromValue({ data: {
        overall: { __typename: "Stats", total: figures(null, null, 9, 4, 5),
          groups: [figures("B1", "Scenari", 6, 3, 3), figures("B2", "Moodle", 3, 1, 2)],
          topSubServicesByVolume: [{ key: "S1", label: "Account creation", value: 4 }],
          backlogByExpert: [{ key: "U1", label: "Ismaël Grandcourtois", value: 3 }, { key: null, label: null, value: 2 }] },
        series: { __typename: "Stats", groups: [{ key: "2026-03-02", label: null, opened: 5, resolved: 2 }] },
      }, stale: false, hasNext: false });
    },
    executeMutation: () => never,
    executeSubscription: () => never,
  } as unknown as Client;
  renderInConsole(
    <Provider value={client}>
      <MemoryRouter initialEntries={["/dashboard?from=2026-03-01&to=2026-03-31&groupBy=SCHOOL"]}><DashboardPage /></MemoryRouter>
    </Provider>,
  );
  expect(await screen.findByTestId("figure-opened")).toHaveTextContent("9");
  expect(screen.getByTestId("figure-resolved")).toHaveTextContent("4");
  expect(screen.getByTestId("figure-backlog")).toHaveTextContent("5");
  expect(screen.getByTestId("compliance-take")).toHaveTextContent("75 %");
  expect(screen.getByTestId("compliance-resolve")).toHaveTextContent("—");
  expect(within(screen.getByTestId("handling-table")).getByRole("row", { name: /Prise en charge \(ouvré\)/ })).toHaveTextContent("2");
  expect(within(screen.getByTestId("groups")).getByRole("row", { name: /Scenari/ })).toHaveTextContent(/Scenari\s*633/);
  expect(screen.getByTestId("backlog-by-expert")).toHaveTextContent("personne : 2");
  // One request: the period's midnights, the grouping from the address, days for a month.
  expect(asked).toHaveLength(1);
  expect(asked[0]).toMatchObject({ groupBy: "SCHOOL", bucket: "DAY" });
  const period = asked[0].period as { start: string; end: string };
  expect(new Date(period.start).getTime()).toBe(new Date(2026, 2, 1).getTime());
  expect(new Date(period.end).getTime()).toBe(new Date(2026, 3, 1).getTime());
});
