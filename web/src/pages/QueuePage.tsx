// An expert's work: assigned tickets still open, and queued ones on their designations. Live:
// `myQueueEvents` brings a ticket routed to the expert and takes away one taken or resolved (the
// cache's updaters move the rows; the page marks the new ones).
import { useState } from "react";
import { useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Badge, Button, Group, Stack, Text, Title } from "@mantine/core";
import { MyQueueEventsSubscription, MyQueueQuery } from "../graphql/operations";
import { useLive } from "../graphql/useLive";
import { TicketTable } from "../components/TicketTable";
import { markChange, type LiveMarks } from "../components/liveMarks";
import { Busy } from "../components/Busy";

export function QueuePage() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyQueueQuery, variables: { first: 50 }, requestPolicy: "cache-and-network" });
  const [marks, setMarks] = useState<LiveMarks>({});
  useLive(MyQueueEventsSubscription, {}, {
    onEvent: ({ myQueueEvents: move }) => setMarks((current) => markChange(current, move)),
    onResync: () => refetch({ requestPolicy: "network-only" }),
  });
  return (
    <Stack>
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={1}>{t("queue.title")}</Title>
          <Badge variant="outline" color="teal" c="dark">{t("queue.live")}</Badge>
        </Group>
        <Button variant="default" onClick={() => { setMarks({}); refetch({ requestPolicy: "network-only" }); }}>{t("tickets.reload")}</Button>
      </Group>
      <Text>{t("queue.help")} {t("queue.liveHelp")}</Text>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      {fetching && !data && <Busy />}
      {data && (
        <TicketTable tickets={data.myQueue.edges.map((e) => e.node)} marks={marks}
          caption={t("tickets.count", { count: data.myQueue.totalCount })} />
      )}
    </Stack>
  );
}
