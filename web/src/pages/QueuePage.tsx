// An expert's work: assigned tickets still open, and queued ones on their designations.
import { useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Button, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { MyQueueQuery } from "../graphql/operations";
import { TicketTable } from "../components/TicketTable";

export function QueuePage() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyQueueQuery, variables: { first: 50 }, requestPolicy: "cache-and-network" });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t("queue.title")}</Title>
        <Button variant="default" onClick={() => refetch({ requestPolicy: "network-only" })}>{t("tickets.reload")}</Button>
      </Group>
      <Text>{t("queue.help")} {t("queue.notLive")}</Text>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      {fetching && !data && <Loader aria-label={t("app.loading")} />}
      {data && (
        <TicketTable tickets={data.myQueue.edges.map((e) => e.node)} caption={t("tickets.count", { count: data.myQueue.totalCount })} />
      )}
    </Stack>
  );
}
