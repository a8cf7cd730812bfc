// The dashboard: the `stats` figures of the tickets the reader sees (a group admin all of them, a
// school manager their school's, an expert their bricks'), in a period, with charts. Loaded when
// first opened (recharts stays out of the first load).
import "@mantine/charts/styles.css";
import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Card, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from "@mantine/core";
import { BarChart } from "@mantine/charts";
import { DashboardQuery } from "../graphql/admin";
import {
  BUCKETS, GROUPINGS, PRESETS, bucketFor, handlingRows, hours, lastDays, percent, periodOf, rankRows,
  type Bucket, type Grouping,
} from "./figures";
import { ComplianceRing } from "./ComplianceRing";
import { Busy } from "../components/Busy";

function Figure({ label, value, testId }: { label: string; value: string | number; testId: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="sm" c="dimmed">{label}</Text>
      <Text fz={28} fw={700} data-testid={testId}>{value}</Text>
    </Card>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <Card withBorder component="section" aria-labelledby={id}>
      <Title order={2} size="h4" id={id} mb="sm">{title}</Title>
      {children}
    </Card>
  );
}

export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const fallback = lastDays(30, new Date());
  const from = params.get("from") ?? fallback.from;
  const to = params.get("to") ?? fallback.to;
  const groupBy = (GROUPINGS as readonly string[]).includes(params.get("groupBy") ?? "")
    ? (params.get("groupBy") as Grouping) : "BRICK";
  const bucket = (BUCKETS as readonly string[]).includes(params.get("bucket") ?? "")
    ? (params.get("bucket") as Bucket) : bucketFor(from, to);
  const period = useMemo(() => periodOf(from, to), [from, to]);
  const [{ data, error, fetching }] = useQuery({
    query: DashboardQuery,
    variables: { period: period ?? { start: "", end: "" }, groupBy, bucket },
    pause: !period,
    requestPolicy: "cache-and-network",
  });

  function change(values: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(values)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  }

  const number = (n: number | null | undefined, digits = 1) =>
    n == null ? "—" : new Intl.NumberFormat(i18n.language, { maximumFractionDigits: digits }).format(n);
  const overall = data?.overall.__typename === "Stats" ? data.overall : null;
  const series = data?.series.__typename === "Stats" ? data.series : null;
  const denied = data?.overall.__typename === "PermissionDenied" ? data.overall.message : null;
  const total = overall?.total;
  const dayLabel = (key: string | null | undefined) =>
    key ? new Intl.DateTimeFormat(i18n.language, { day: "numeric", month: "short", year: bucket === "MONTH" ? "numeric" : undefined })
      .format(new Date(`${key}T12:00:00`)) : "—";
  const preset = PRESETS.find((days) => {
    const range = lastDays(Number(days), new Date());
    return range.from === from && range.to === to;
  }) ?? null;

  return (
    <Stack>
      <Title order={1}>{t("dashboard.title")}</Title>
      <Group align="end" wrap="wrap">
        <Select label={t("dashboard.preset")} value={preset} placeholder={t("dashboard.custom")}
          data={PRESETS.map((days) => ({ value: days, label: t("dashboard.lastDays", { count: Number(days) }) }))}
          onChange={(days) => { if (days) { const r = lastDays(Number(days), new Date()); change({ from: r.from, to: r.to, bucket: null }); } }} />
        <TextInput type="date" label={t("dashboard.from")} value={from} max={to}
          onChange={(e) => change({ from: e.currentTarget.value, bucket: null })} />
        <TextInput type="date" label={t("dashboard.to")} value={to} min={from}
          onChange={(e) => change({ to: e.currentTarget.value, bucket: null })} />
        <Select label={t("dashboard.bucket")} value={bucket} allowDeselect={false}
          data={BUCKETS.map((b) => ({ value: b, label: t(`dashboard.buckets.${b}`) }))}
          onChange={(b) => change({ bucket: b })} />
        <Select label={t("dashboard.groupBy")} value={groupBy} allowDeselect={false}
          data={GROUPINGS.map((g) => ({ value: g, label: t(`dashboard.groupings.${g}`) }))}
          onChange={(g) => change({ groupBy: g })} />
      </Group>
      {!period && <Alert color="red" role="alert">{t("dashboard.badPeriod")}</Alert>}
      {error && <Alert color="red" role="alert">{t("app.error", { message: error.message })}</Alert>}
      {denied && <Alert color="red" role="alert">{denied}</Alert>}
      {fetching && !data && <Busy />}
      {total && overall && (
        <div data-testid="dashboard" data-period-start={period?.start} data-period-end={period?.end}>
          <Stack>
            <SimpleGrid cols={{ base: 2, md: 3, lg: 6 }}>
              <Figure label={t("dashboard.opened")} value={total.opened} testId="figure-opened" />
              <Figure label={t("dashboard.resolved")} value={total.resolved} testId="figure-resolved" />
              <Figure label={t("dashboard.closed")} value={total.closed} testId="figure-closed" />
              <Figure label={t("dashboard.backlog")} value={total.backlog} testId="figure-backlog" />
              <Figure label={t("dashboard.escalations")} value={total.escalations} testId="figure-escalations" />
              <Figure label={t("dashboard.rejected")} value={total.rejected} testId="figure-rejected" />
            </SimpleGrid>

            <Section id="volume" title={t("dashboard.volume")}>
              <BarChart h={260} dataKey="bucket" withLegend
                data={(series?.groups ?? []).map((g) => ({ bucket: dayLabel(g.key), opened: g.opened, resolved: g.resolved }))}
                series={[
                  { name: "opened", label: t("dashboard.opened"), color: "blue.7" },
                  { name: "resolved", label: t("dashboard.resolved"), color: "teal.7" },
                ]} />
            </Section>

            <SimpleGrid cols={{ base: 1, lg: 2 }}>
              <Section id="handling" title={t("dashboard.handling")}>
                <BarChart h={260} dataKey="stat" withLegend unit=" h"
                  valueFormatter={(v) => number(v)}
                  data={handlingRows(total, { median: t("dashboard.median"), p90: t("dashboard.p90"), mean: t("dashboard.mean") })}
                  series={[
                    { name: "takeBusiness", label: t("dashboard.takeBusiness"), color: "blue.7" },
                    { name: "takeWall", label: t("dashboard.takeWall"), color: "blue.3" },
                    { name: "resolveBusiness", label: t("dashboard.resolveBusiness"), color: "grape.7" },
                    { name: "resolveWall", label: t("dashboard.resolveWall"), color: "grape.3" },
                  ]} />
                <Table mt="sm" fz="sm" data-testid="handling-table">
                  <Table.Caption>{t("dashboard.hoursCaption")}</Table.Caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">{t("dashboard.measure")}</Table.Th>
                      <Table.Th scope="col">{t("dashboard.median")}</Table.Th>
                      <Table.Th scope="col">{t("dashboard.p90")}</Table.Th>
                      <Table.Th scope="col">{t("dashboard.mean")}</Table.Th>
                      <Table.Th scope="col">{t("dashboard.count")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {([
                      ["takeBusiness", total.timeToTake.businessSeconds], ["takeWall", total.timeToTake.wallClockSeconds],
                      ["resolveBusiness", total.timeToResolve.businessSeconds], ["resolveWall", total.timeToResolve.wallClockSeconds],
                    ] as const).map(([name, d]) => (
                      <Table.Tr key={name}>
                        <Table.Th scope="row">{t(`dashboard.${name}`)}</Table.Th>
                        <Table.Td>{number(hours(d.median))}</Table.Td>
                        <Table.Td>{number(hours(d.p90))}</Table.Td>
                        <Table.Td>{number(hours(d.mean))}</Table.Td>
                        <Table.Td>{d.count}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Section>
              <Section id="compliance" title={t("dashboard.compliance")}>
                <Group justify="space-around">
                  <ComplianceRing label={t("dashboard.takeCompliance")} compliance={total.takeCompliance} testId="compliance-take" />
                  <ComplianceRing label={t("dashboard.resolveCompliance")} compliance={total.resolveCompliance} testId="compliance-resolve" />
                </Group>
              </Section>
            </SimpleGrid>

            <SimpleGrid cols={{ base: 1, lg: 2 }}>
              <Section id="top" title={t("dashboard.topSubServices")}>
                <BarChart h={300} dataKey="name" orientation="vertical" yAxisProps={{ width: 160 }}
                  data={rankRows(overall.topSubServicesByVolume, t("dashboard.nobody"))}
                  series={[{ name: "value", label: t("dashboard.opened"), color: "blue.7" }]} />
                <VisuallyHidden><ol data-testid="top-sub-services">
                  {overall.topSubServicesByVolume.map((r) => <li key={r.key ?? ""}>{r.label} : {r.value}</li>)}
                </ol></VisuallyHidden>
              </Section>
              <Section id="backlog" title={t("dashboard.backlogByExpert")}>
                <BarChart h={300} dataKey="name" orientation="vertical" yAxisProps={{ width: 160 }}
                  data={rankRows(overall.backlogByExpert, t("dashboard.nobody"))}
                  series={[{ name: "value", label: t("dashboard.backlog"), color: "orange.8" }]} />
                <VisuallyHidden><ol data-testid="backlog-by-expert">
                  {rankRows(overall.backlogByExpert, t("dashboard.nobody")).map((r) => <li key={r.name}>{r.name} : {r.value}</li>)}
                </ol></VisuallyHidden>
              </Section>
            </SimpleGrid>

            <Section id="groups" title={t("dashboard.byGroup", { grouping: t(`dashboard.groupings.${groupBy}`) })}>
              <Table striped data-testid="groups">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t(`dashboard.groupings.${groupBy}`)}</Table.Th>
                    <Table.Th scope="col">{t("dashboard.opened")}</Table.Th>
                    <Table.Th scope="col">{t("dashboard.resolved")}</Table.Th>
                    <Table.Th scope="col">{t("dashboard.backlog")}</Table.Th>
                    <Table.Th scope="col">{t("dashboard.medianTake")}</Table.Th>
                    <Table.Th scope="col">{t("dashboard.takeCompliance")}</Table.Th>
                    <Table.Th scope="col">{t("dashboard.resolveCompliance")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {overall.groups.map((g) => (
                    <Table.Tr key={g.key ?? "none"}>
                      <Table.Th scope="row">{g.label ?? g.key ?? t("dashboard.nobody")}</Table.Th>
                      <Table.Td>{g.opened}</Table.Td>
                      <Table.Td>{g.resolved}</Table.Td>
                      <Table.Td>{g.backlog}</Table.Td>
                      <Table.Td>{number(hours(g.timeToTake.businessSeconds.median))}</Table.Td>
                      <Table.Td>{percent(g.takeCompliance) == null ? "—" : `${number(percent(g.takeCompliance))} %`}</Table.Td>
                      <Table.Td>{percent(g.resolveCompliance) == null ? "—" : `${number(percent(g.resolveCompliance))} %`}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Section>
          </Stack>
        </div>
      )}
    </Stack>
  );
}
