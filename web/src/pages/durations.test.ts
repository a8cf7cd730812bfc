import { businessSpan, countdown } from "./durations";

test("a due time reads as a countdown, or as overdue once passed", () => {
  expect(countdown(3 * 3_600_000 + 60_000, "en")).toBe("in 3 hr.");
  expect(countdown(-2 * 86_400_000, "en")).toBe("2 days ago");
  expect(countdown(30_000, "en")).toBe("this minute");
});

test("business time reads in the largest whole unit", () => {
  expect(businessSpan(2 * 3600, "en")).toBe("2 hr");
  expect(businessSpan(3 * 86_400, "en")).toBe("3 days");
  expect(businessSpan(90, "en")).toBe("2 min");
});
