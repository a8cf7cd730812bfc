// Who is designated where: the catalogue's experts, by brick, service or sub-service; group
// administrators designate and revoke. `?scope=sub:<id>` (from catalogue management) picks the scope.
import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { useMutation, useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Badge, Button, Group, Select, Stack, Table, TextInput, Title } from "@mantine/core";
import { CatalogueQuery, DesignateExpert, ExpertsQuery, RevokeExpert } from "../graphql/operations";
import { errorAt, outcomeOf, unplacedError, type Outcome } from "./outcome";

export function ExpertsPage() {
  const { t } = useTranslation();
  const [{ data, error }, refetch] = useQuery({ query: ExpertsQuery, requestPolicy: "cache-and-network" });
  const [{ data: catalogue }] = useQuery({ query: CatalogueQuery });
  const [, designate] = useMutation(DesignateExpert);
  const [, revoke] = useMutation(RevokeExpert);
  const [username, setUsername] = useState("");
  const [params] = useSearchParams();
  const [scope, setScope] = useState<string | null>(params.get("scope"));
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const rows = [...(data?.experts ?? [])].sort((a, b) => a.brick.name.localeCompare(b.brick.name));
  // Every brick, service and sub-service as one list: "kind:id" values.
  const scopes = useMemo(() => (catalogue?.bricks ?? []).flatMap((brick) => [
    { value: `brick:${brick.id}`, label: brick.name },
    ...brick.services.flatMap((service) => [
      { value: `service:${service.id}`, label: `${brick.name} › ${service.name}` },
      ...service.subServices.map((sub) => ({ value: `sub:${sub.id}`, label: `${brick.name} › ${service.name} › ${sub.name}` })),
    ]),
  ]), [catalogue]);

  async function submit() {
    if (!scope) return;
    const [kind, id] = [scope.slice(0, scope.indexOf(":")), scope.slice(scope.indexOf(":") + 1)];
    const input = { username: username.trim(), brickId: kind === "brick" ? id : undefined,
      serviceId: kind === "service" ? id : undefined, subServiceId: kind === "sub" ? id : undefined };
    const result = await designate({ input });
    const next = outcomeOf(result.data?.designateExpert, ["ExpertDesignation"], result.error);
    setOutcome(next);
    if (next.ok) {
      setUsername("");
      refetch({ requestPolicy: "network-only" });
    }
  }

  return (
    <Stack>
      <Title order={1}>{t("experts.title")}</Title>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      <Group align="end">
        <TextInput label={t("experts.username")} value={username} onChange={(e) => setUsername(e.currentTarget.value)}
          error={errorAt(outcome, "username") ?? errorAt(outcome, "userId")} />
        <Select label={t("experts.scope")} data={scopes} value={scope} onChange={setScope} searchable w={420}
          error={errorAt(outcome, "subServiceId") ?? errorAt(outcome, "serviceId") ?? errorAt(outcome, "brickId")} />
        <Button onClick={() => void submit()} disabled={!username.trim() || !scope}>{t("experts.designate")}</Button>
      </Group>
      {unplacedError(outcome, ["username", "userId", "brickId", "serviceId", "subServiceId"]) && (
        <Alert color="red" role="alert">{unplacedError(outcome, ["username", "userId", "brickId", "serviceId", "subServiceId"])}</Alert>
      )}
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("tickets.brick")}</Table.Th>
            <Table.Th scope="col">{t("experts.scope")}</Table.Th>
            <Table.Th scope="col">{t("tickets.assignee")}</Table.Th>
            <Table.Th scope="col">{t("tickets.school")}</Table.Th>
            <Table.Th scope="col"><span className="skip-link">{t("experts.revoke")}</span></Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td>{d.brick.name}</Table.Td>
              <Table.Td>{[d.service?.name, d.subService?.name].filter(Boolean).join(" › ") || t("experts.wholeBrick")}</Table.Td>
              <Table.Td>
                {d.user.displayName}{" "}
                {!d.active && <Badge variant="light" color="gray" c="dark">{t("experts.inactive")}</Badge>}
              </Table.Td>
              <Table.Td>{d.user.tenant.name}</Table.Td>
              <Table.Td>
                <Button size="xs" variant="light" color="red" aria-label={`${t("experts.revoke")} ${d.user.displayName} ${d.brick.name}`}
                  onClick={() => void revoke({ id: d.id }).then(() => refetch({ requestPolicy: "network-only" }))}>
                  {t("experts.revoke")}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
