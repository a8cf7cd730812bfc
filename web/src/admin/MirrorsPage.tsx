// Group administrators: the schools' desk mirrors, paused ones first, each with a retry.
import { Link } from "react-router";
import { useMutation, useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Anchor, Badge, Button, Loader, Stack, Table, Title } from "@mantine/core";
import { MirrorsQuery, RetryMirror } from "../graphql/operations";
import type { MirrorsQuery as MirrorsData } from "../gql/graphql";

type Mirror = MirrorsData["mirrors"]["edges"][number]["node"];

const ORDER: Record<string, number> = { PAUSED: 0, FAILED: 1, PENDING: 2, SYNCED: 3 };

export function MirrorsPage() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MirrorsQuery, variables: {}, requestPolicy: "cache-and-network" });
  const [, retry] = useMutation(RetryMirror);
  const mirrors: Mirror[] = [...(data?.mirrors.edges.map((e) => e.node) ?? [])]
    .sort((a, b) => (ORDER[a.status] ?? 9) - (ORDER[b.status] ?? 9));
  return (
    <Stack>
      <Title order={1}>{t("mirrors.title")}</Title>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      {fetching && !data && <Loader aria-label={t("app.loading")} />}
      <Table striped>
        <Table.Caption>{t("mirrors.paused")}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("mirrors.ticket")}</Table.Th>
            <Table.Th scope="col">{t("tickets.school")}</Table.Th>
            <Table.Th scope="col">{t("mirrors.status")}</Table.Th>
            <Table.Th scope="col">{t("mirrors.attempts")}</Table.Th>
            <Table.Th scope="col">{t("mirrors.error")}</Table.Th>
            <Table.Th scope="col"><span className="skip-link">{t("mirrors.retry")}</span></Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {mirrors.map((mirror, index) => (
            <Table.Tr key={mirror.ticket?.id ?? index}>
              <Table.Td>{mirror.ticket ? <Anchor component={Link} to={`/tickets/${mirror.ticket.ref}`}>{mirror.ticket.ref}</Anchor> : "—"}</Table.Td>
              <Table.Td>{mirror.school.name}</Table.Td>
              <Table.Td><Badge variant="light" c="dark">{t(`mirror.${mirror.status}`)}</Badge></Table.Td>
              <Table.Td>{mirror.attempts}</Table.Td>
              <Table.Td>{mirror.lastError ?? ""}</Table.Td>
              <Table.Td>
                {mirror.ticket && mirror.status !== "SYNCED" && (
                  <Button size="xs" variant="light" aria-label={`${t("mirrors.retry")} ${mirror.ticket.ref}`}
                    onClick={() => void retry({ ticketId: mirror.ticket!.id }).then(() => refetch({ requestPolicy: "network-only" }))}>
                    {t("mirrors.retry")}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
