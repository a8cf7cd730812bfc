// Durations in words: "dans 3 h", "il y a 2 j" (Intl.RelativeTimeFormat), and business time spans.
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [["day", 86_400_000], ["hour", 3_600_000], ["minute", 60_000]];

/** Milliseconds from now as "in 3 hours" / "2 days ago" in the given language. */
export function countdown(ms: number, language: string): string {
  const format = new Intl.RelativeTimeFormat(language, { numeric: "auto", style: "short" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(ms) >= size) return format.format(Math.trunc(ms / size), unit);
  }
  return format.format(0, "minute");
}

/** Business seconds as "2 h 30 min" or "3 j". */
export function businessSpan(seconds: number, language: string): string {
  const hours = seconds / 3600;
  const unit = (value: number, u: "day" | "hour" | "minute") =>
    new Intl.NumberFormat(language, { style: "unit", unit: u, unitDisplay: "short", maximumFractionDigits: 0 }).format(value);
  if (hours >= 24) return unit(Math.round(hours / 24), "day");
  if (hours >= 1) return unit(Math.round(hours), "hour");
  return unit(Math.max(1, Math.round(seconds / 60)), "minute");
}
