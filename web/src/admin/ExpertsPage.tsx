// Who is designated where: the catalogue's experts, by brick, service or sub-service.
import { useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Stack, Table, Title } from "@mantine/core";
import { ExpertsQuery } from "../graphql/operations";

export function ExpertsPage() {
  const { t } = useTranslation();
  const [{ data, error }] = useQuery({ query: ExpertsQuery });
  const rows = [...(data?.experts ?? [])].sort((a, b) => a.brick.name.localeCompare(b.brick.name));
  return (
    <Stack>
      <Title order={1}>{t("experts.title")}</Title>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("tickets.brick")}</Table.Th>
            <Table.Th scope="col">{t("experts.scope")}</Table.Th>
            <Table.Th scope="col">{t("tickets.assignee")}</Table.Th>
            <Table.Th scope="col">{t("tickets.school")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td>{d.brick.name}</Table.Td>
              <Table.Td>{[d.service?.name, d.subService?.name].filter(Boolean).join(" › ") || t("experts.wholeBrick")}</Table.Td>
              <Table.Td>{d.user.displayName}</Table.Td>
              <Table.Td>{d.user.tenant.name}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
