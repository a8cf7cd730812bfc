// The dashboard's arithmetic: the period a picker means, and the API's figures as chart rows.
export type Durations = { count: number; mean?: number | null; median?: number | null; p90?: number | null };
export type HandlingTime = { businessSeconds: Durations; wallClockSeconds: Durations };
export type Compliance = { met: number; total: number; rate?: number | null };
export type Figures = {
  opened: number; resolved: number; backlog: number; escalations: number;
  timeToTake: HandlingTime; timeToResolve: HandlingTime;
  takeCompliance: Compliance; resolveCompliance: Compliance;
};

export const PRESETS = ["7", "30", "90", "365"] as const;
export const BUCKETS = ["DAY", "WEEK", "MONTH"] as const;
export const GROUPINGS = ["BRICK", "SERVICE", "SUB_SERVICE", "SCHOOL", "EXPERT", "PRIORITY"] as const;
export type Bucket = (typeof BUCKETS)[number];
export type Grouping = (typeof GROUPINGS)[number];

/** A day as YYYY-MM-DD in the reader's time zone. */
export function isoDay(day: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

/** The last `days` days, today included, as first and last day. */
export function lastDays(days: number, today: Date): { from: string; to: string } {
  const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
  return { from: isoDay(first), to: isoDay(today) };
}

/** The API's period for the days from `from` to `to` included, midnight to midnight in the reader's
 * time zone (with its offset, as the API wants an aware instant); null when the days are not a period. */
export function periodOf(from: string, to: string): { start: string; end: string } | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/;
  const a = day.exec(from);
  const b = day.exec(to);
  if (!a || !b) return null;
  const start = new Date(Number(a[1]), Number(a[2]) - 1, Number(a[3]));
  const end = new Date(Number(b[1]), Number(b[2]) - 1, Number(b[3]) + 1);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) return null;
  return { start: start.toISOString(), end: end.toISOString() };
}

/** The bucket that keeps a chart readable: days up to two months, weeks up to a year, then months. */
export function bucketFor(from: string, to: string): Bucket {
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days <= 62) return "DAY";
  if (days <= 366) return "WEEK";
  return "MONTH";
}

/** Seconds as hours with one decimal (charts); null stays null (no ticket to measure). */
export function hours(seconds: number | null | undefined): number | null {
  return seconds == null ? null : Math.round(seconds / 360) / 10;
}

/** Handling times as the chart's rows: one per statistic, a series per clock and measure. */
export function handlingRows(figures: Figures, names: { median: string; p90: string; mean: string }) {
  return (["median", "p90", "mean"] as const).map((stat) => ({
    stat: names[stat],
    takeBusiness: hours(figures.timeToTake.businessSeconds[stat]),
    takeWall: hours(figures.timeToTake.wallClockSeconds[stat]),
    resolveBusiness: hours(figures.timeToResolve.businessSeconds[stat]),
    resolveWall: hours(figures.timeToResolve.wallClockSeconds[stat]),
  }));
}

/** A compliance rate as a whole percentage, or null when nothing was measured. */
export function percent(compliance: Compliance): number | null {
  if (!compliance.total) return null;
  const rate = compliance.rate ?? compliance.met / compliance.total;
  return Math.round(rate * 1000) / 10;
}

/** Ranked rows (top sub-services, backlog per expert) with a label for everyone, nobody included. */
export function rankRows(ranks: { key?: string | null; label?: string | null; value: number }[], nobody: string) {
  return ranks.map((r) => ({ name: r.label ?? (r.key ? r.key : nobody), value: r.value }));
}
