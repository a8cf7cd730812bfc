import { bucketFor, handlingRows, hours, isoDay, lastDays, percent, periodOf, rankRows, type Figures } from "./figures";

const durations = (median: number | null, p90: number | null, mean: number | null) => ({ count: median == null ? 0 : 3, median, p90, mean });

test("a picker's days are a period from the first midnight to the midnight after the last day", () => {
  const period = periodOf("2026-03-01", "2026-03-31")!;
  expect(new Date(period.start).getTime()).toBe(new Date(2026, 2, 1).getTime());
  expect(new Date(period.end).getTime()).toBe(new Date(2026, 3, 1).getTime());
  // One day is a period too; an end before the start, or no date, is none.
  expect(periodOf("2026-03-05", "2026-03-05")).not.toBeNull();
  expect(periodOf("2026-03-06", "2026-03-05")).toBeNull();
  expect(periodOf("", "2026-03-05")).toBeNull();
});

test("the last N days end today and count today", () => {
  const today = new Date(2026, 0, 3, 15, 30);
  expect(lastDays(7, today)).toEqual({ from: "2025-12-28", to: "2026-01-03" });
  expect(lastDays(1, today)).toEqual({ from: isoDay(today), to: isoDay(today) });
});

test("the time step follows the period's length", () => {
  expect(bucketFor("2026-01-01", "2026-01-31")).toBe("DAY");
  expect(bucketFor("2026-01-01", "2026-06-30")).toBe("WEEK");
  expect(bucketFor("2024-01-01", "2026-06-30")).toBe("MONTH");
});

test("handling times become hours per statistic, unmeasured ones stay empty", () => {
  const figures = {
    timeToTake: { businessSeconds: durations(3600, 7200, 5400), wallClockSeconds: durations(7200, 14400, 9000) },
    timeToResolve: { businessSeconds: durations(null, null, null), wallClockSeconds: durations(86400, 90000, 88200) },
  } as unknown as Figures;
  const rows = handlingRows(figures, { median: "médiane", p90: "p90", mean: "moyenne" });
  expect(rows.map((r) => r.stat)).toEqual(["médiane", "p90", "moyenne"]);
  expect(rows[0]).toEqual({ stat: "médiane", takeBusiness: 1, takeWall: 2, resolveBusiness: null, resolveWall: 24 });
  expect(rows[2].takeBusiness).toBe(1.5);
  expect(hours(5_000)).toBe(1.4);
});

test("compliance is a percentage of what was measured, none when nothing was", () => {
  expect(percent({ met: 3, total: 4, rate: 0.75 })).toBe(75);
  expect(percent({ met: 2, total: 3 })).toBe(66.7);
  expect(percent({ met: 0, total: 0, rate: null })).toBeNull();
});

test("ranked rows keep their label, and nobody is named", () => {
  expect(rankRows([{ key: "U1", label: "Ismaël", value: 3 }, { key: null, label: null, value: 2 }], "personne"))
    .toEqual([{ name: "Ismaël", value: 3 }, { name: "personne", value: 2 }]);
});
