// Group administrators: who changed what, newest first.
import { useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Code, Stack, Table, Title } from "@mantine/core";
import { AuditEventsQuery } from "../graphql/operations";

export function AuditPage() {
  const { t, i18n } = useTranslation();
  const [{ data, error }] = useQuery({ query: AuditEventsQuery, variables: { first: 100 }, requestPolicy: "cache-and-network" });
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "medium" });
  return (
    <Stack>
      <Title order={1}>{t("audit.title")}</Title>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("audit.when")}</Table.Th>
            <Table.Th scope="col">{t("audit.who")}</Table.Th>
            <Table.Th scope="col">{t("audit.action")}</Table.Th>
            <Table.Th scope="col">{t("audit.target")}</Table.Th>
            <Table.Th scope="col">{t("audit.changes")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(data?.auditEvents.edges ?? []).map(({ node: e }) => (
            <Table.Tr key={e.id}>
              <Table.Td>{when.format(new Date(e.createdAt))}</Table.Td>
              <Table.Td>{e.actorName} <small>({e.credential})</small></Table.Td>
              <Table.Td><Code>{e.action}</Code></Table.Td>
              <Table.Td>{e.targetKind} {e.targetId ?? ""}{e.tenant ? ` · ${e.tenant.name}` : ""}</Table.Td>
              <Table.Td><Code block>{JSON.stringify(e.changes)}</Code></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
