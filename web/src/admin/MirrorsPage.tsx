// Group administrators: the schools' desk mirrors, paused ones first, each with a retry; then the
// schools' desks, each configured (created, changed or removed) and checked here.
import { useState } from "react";
import { Link } from "react-router";
import { useMutation, useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Anchor, Badge, Button, Stack, Table, Text, Title } from "@mantine/core";
import { MirrorsQuery, RetryMirror } from "../graphql/operations";
import { DesksQuery } from "../graphql/admin";
import { DeskCheck } from "./DeskCheck";
import { DeskForm } from "./DeskForm";
import type { MirrorsQuery as MirrorsData } from "../gql/graphql";
import { Busy } from "../components/Busy";

type Mirror = MirrorsData["mirrors"]["edges"][number]["node"];

const ORDER: Record<string, number> = { PAUSED: 0, FAILED: 1, PENDING: 2, SYNCED: 3 };

export function MirrorsPage() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MirrorsQuery, variables: {}, requestPolicy: "cache-and-network" });
  const [, retry] = useMutation(RetryMirror);
  const [{ data: desks, error: desksError }, refetchDesks] = useQuery({ query: DesksQuery, requestPolicy: "cache-and-network" });
  const [configuring, setConfiguring] = useState<string | null>(null);
  const schools = (desks?.tenants ?? []).filter((tenant) => tenant.kind === "SCHOOL")
    .sort((a, b) => a.name.localeCompare(b.name));
  const deskOf = (schoolId: string) => desks?.desks.find((d) => d.school.id === schoolId) ?? null;
  const chosen = schools.find((s) => s.id === configuring);
  const mirrors: Mirror[] = [...(data?.mirrors.edges.map((e) => e.node) ?? [])]
    .sort((a, b) => (ORDER[a.status] ?? 9) - (ORDER[b.status] ?? 9));
  return (
    <Stack>
      <Title order={1}>{t("mirrors.title")}</Title>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      {fetching && !data && <Busy />}
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

      <Title order={2} id="desks">{t("desks.title")}</Title>
      {desksError && <Alert color="red">{t("app.error", { message: desksError.message })}</Alert>}
      <Table striped aria-labelledby="desks" data-testid="desks">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("tickets.school")}</Table.Th>
            <Table.Th scope="col">{t("desks.kind")}</Table.Th>
            <Table.Th scope="col">{t("desks.url")}</Table.Th>
            <Table.Th scope="col">{t("desks.credentials")}</Table.Th>
            <Table.Th scope="col"><span className="skip-link">{t("desks.configure")}</span></Table.Th>
            <Table.Th scope="col"><span className="skip-link">{t("desks.check")}</span></Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {schools.map((school) => {
            const desk = deskOf(school.id);
            return (
              <Table.Tr key={school.id}>
                <Table.Th scope="row">{school.name}</Table.Th>
                <Table.Td>{desk ? t(`desks.kinds.${desk.kind}`) : <Text span size="sm" c="dimmed">{t("desks.none")}</Text>}</Table.Td>
                <Table.Td>{desk?.url ?? ""}</Table.Td>
                <Table.Td>{desk?.credentialNames.join(", ") ?? ""}</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="light" aria-label={`${t("desks.configure")} ${school.name}`}
                    onClick={() => setConfiguring(school.id)}>
                    {t("desks.configure")}
                  </Button>
                </Table.Td>
                <Table.Td>{desk && <DeskCheck school={school} />}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {chosen && (
        <DeskForm key={chosen.id} school={chosen} desk={deskOf(chosen.id)}
          onClose={(changed) => { setConfiguring(null); if (changed) refetchDesks({ requestPolicy: "network-only" }); }} />
      )}
    </Stack>
  );
}
