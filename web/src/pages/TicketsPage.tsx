// The tickets the viewer may see (their school's for school users): filters, search, saved views.
// Live: `ticketsChanged` (same filter but the search, which the server cannot follow live) marks the
// rows that changed; the cache refreshes a changed row and reads the list again when one enters or
// leaves it.
import { useState } from "react";
import { useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Alert, Button, Group, MultiSelect, Stack, Text, TextInput, Title, Chip } from "@mantine/core";
import { TicketsChangedSubscription, TicketsQuery } from "../graphql/operations";
import { useLive } from "../graphql/useLive";
import { markChange, type LiveMarks } from "../components/liveMarks";
import type { Priority, TicketState } from "../gql/graphql";
import { TicketTable } from "../components/TicketTable";
import { hasRole, useViewer } from "../components/viewer";
import { loadViews, saveView, type TicketView } from "./savedViews";
import { Busy } from "../components/Busy";

export const STATES: TicketState[] = ["NEW", "WAITING_FOR_APPROVAL", "APPROVED", "REJECTED", "ASSIGNED", "IN_PROGRESS", "PENDING", "RESOLVED", "CLOSED"];
const PRIORITIES: Priority[] = ["LOW", "NORMAL", "HIGH", "CRITICAL"];
const PAGE = 25;

export function TicketsPage() {
  const { t } = useTranslation();
  const viewer = useViewer();
  const [text, setText] = useState("");
  const [states, setStates] = useState<TicketState[]>([]);
  const [priorities, setPriorities] = useState<Priority[]>([]);
  const [applied, setApplied] = useState<TicketView>({ name: "", text: "", states: [], priorities: [] });
  const [first, setFirst] = useState(PAGE);
  const [views, setViews] = useState(() => loadViews(viewer.user.username));
  const [viewName, setViewName] = useState("");
  const filter = {
    text: applied.text.trim() || undefined,
    states: applied.states.length ? applied.states : undefined,
    priorities: applied.priorities.length ? applied.priorities : undefined,
  };
  const [{ data, fetching, error }, refetch] = useQuery({
    query: TicketsQuery,
    variables: { filter, first, orderBy: { field: "UPDATED_AT", direction: "DESC" } },
    requestPolicy: "cache-and-network",
  });
  const [marks, setMarks] = useState<LiveMarks>({});
  useLive(TicketsChangedSubscription, { filter: { states: filter.states, priorities: filter.priorities } }, {
    onEvent: ({ ticketsChanged: move }) => setMarks((current) => markChange(current, move)),
    onResync: () => refetch({ requestPolicy: "network-only" }),
  });

  function apply(view: TicketView) {
    setText(view.text);
    setStates(view.states);
    setPriorities(view.priorities);
    setApplied(view);
    setFirst(PAGE);
    setMarks({});
  }

  const tickets = data?.tickets.edges.map((e) => e.node) ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{viewer.tenant.kind === "SCHOOL" ? t("nav.tickets") : t("nav.allTickets")}</Title>
        {hasRole(viewer, "SCHOOL_AGENT", "SCHOOL_MANAGER", "OPERATIONS") && (
          <Button component={Link} to="/catalogue">{t("tickets.newRequest")}</Button>
        )}
      </Group>
      <Text size="sm">{t("tickets.liveHelp")}</Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          apply({ name: "", text, states, priorities });
        }}
      >
        <Group align="end">
          <TextInput label={t("tickets.search")} value={text} onChange={(e) => setText(e.currentTarget.value)} type="search" w={320} />
          <MultiSelect label={t("tickets.state")} data={STATES.map((s) => ({ value: s, label: t(`states.${s}`) }))}
            value={states} onChange={(v) => setStates(v as TicketState[])} w={260} clearable />
          <MultiSelect label={t("tickets.priority")} data={PRIORITIES.map((p) => ({ value: p, label: t(`priorities.${p}`) }))}
            value={priorities} onChange={(v) => setPriorities(v as Priority[])} w={200} clearable />
          <Button type="submit">{t("tickets.apply")}</Button>
          <Button variant="default" onClick={() => { setMarks({}); refetch({ requestPolicy: "network-only" }); }}>{t("tickets.reload")}</Button>
        </Group>
      </form>
      <Group align="end">
        <TextInput label={t("tickets.viewName")} value={viewName} onChange={(e) => setViewName(e.currentTarget.value)} />
        <Button variant="light" disabled={!viewName.trim()}
          onClick={() => setViews(saveView(viewer.user.username, { name: viewName.trim(), text, states, priorities }))}>
          {t("tickets.saveView")}
        </Button>
        {views.length > 0 && (
          <Chip.Group>
            <Group gap={6} role="group" aria-label={t("tickets.savedViews")}>
              {views.map((view) => (
                <Chip key={view.name} checked={applied.name === view.name} onChange={() => apply(view)}>{view.name}</Chip>
              ))}
            </Group>
          </Chip.Group>
        )}
      </Group>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      {fetching && !data && <Busy />}
      {data && (
        <TicketTable tickets={tickets} marks={marks} caption={t("tickets.count", { count: data.tickets.totalCount })} />
      )}
      {data?.tickets.pageInfo.hasNextPage && (
        <Button variant="default" onClick={() => setFirst(first + PAGE)}>{t("tickets.more")}</Button>
      )}
    </Stack>
  );
}
