// Group administrators: API tokens of the schools' technical accounts; a new one's secret is shown once.
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Badge, Button, Code, Group, Select, Stack, Table, TextInput, Title } from "@mantine/core";
import { ApiTokensQuery, CreateApiToken, RevokeApiToken } from "../graphql/operations";
import { fieldError, type FieldProblem } from "../components/problems";

export function ApiTokensPage() {
  const { t, i18n } = useTranslation();
  const [{ data, error }, refetch] = useQuery({ query: ApiTokensQuery, requestPolicy: "cache-and-network" });
  const [, create] = useMutation(CreateApiToken);
  const [, revoke] = useMutation(RevokeApiToken);
  const [tenantId, setTenantId] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [purpose, setPurpose] = useState<"DESK" | "SCIM">("DESK");
  const [secret, setSecret] = useState<string | null>(null);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" });

  async function submit() {
    setFailure(null);
    setSecret(null);
    const result = await create({ input: { tenantId: tenantId ?? "", name, purpose } });
    const payload = result.data?.createApiToken;
    if (!payload) return setFailure(result.error?.message ?? "?");
    if (payload.__typename === "ApiTokenCreated") {
      setSecret(payload.secret);
      setName("");
      setProblems([]);
      refetch({ requestPolicy: "network-only" });
      return;
    }
    setProblems(payload.__typename === "ValidationFailed" ? payload.fields : []);
    setFailure(payload.message);
  }

  return (
    <Stack>
      <Title order={1}>{t("tokens.title")}</Title>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      <Group align="end">
        <Select label={t("tickets.school")} value={tenantId} onChange={setTenantId} w={240}
          data={(data?.tenants ?? []).filter((x) => x.active).map((x) => ({ value: x.id, label: x.name }))}
          error={fieldError(problems, "tenantId")} />
        <TextInput label={t("tokens.name")} value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(problems, "name")} />
        <Select label={t("tokens.purpose")} value={purpose} onChange={(v) => setPurpose((v as "DESK" | "SCIM") ?? "DESK")} w={140}
          data={[{ value: "DESK", label: "DESK" }, { value: "SCIM", label: "SCIM" }]} allowDeselect={false} />
        <Button onClick={() => void submit()} disabled={!tenantId || !name.trim()}>{t("tokens.create")}</Button>
      </Group>
      {failure && <Alert color="red" role="alert">{failure}</Alert>}
      {secret && (
        <Alert color="green" role="status" title={t("tokens.once")}>
          <Code block>{secret}</Code>
        </Alert>
      )}
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("tokens.name")}</Table.Th>
            <Table.Th scope="col">{t("tickets.school")}</Table.Th>
            <Table.Th scope="col">{t("tokens.purpose")}</Table.Th>
            <Table.Th scope="col">{t("tokens.prefix")}</Table.Th>
            <Table.Th scope="col">{t("tokens.lastUsed")}</Table.Th>
            <Table.Th scope="col">{t("tokens.state")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(data?.apiTokens ?? []).map((token) => (
            <Table.Tr key={token.id}>
              <Table.Td>{token.name}</Table.Td>
              <Table.Td>{token.tenant.name}</Table.Td>
              <Table.Td>{token.purpose}</Table.Td>
              <Table.Td><Code>{token.prefix}…</Code></Table.Td>
              <Table.Td>{token.lastUsedAt ? when.format(new Date(token.lastUsedAt)) : "—"}</Table.Td>
              <Table.Td>
                {token.active ? (
                  <Button size="xs" color="red" variant="light" aria-label={`${t("tokens.revoke")} ${token.name}`}
                    onClick={() => void revoke({ id: token.id })}>
                    {t("tokens.revoke")}
                  </Button>
                ) : (
                  <Badge color="gray" c="dark" variant="light">{t("tokens.revoked")}</Badge>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
