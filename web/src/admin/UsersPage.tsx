// Group administrators (and a school's managers, for their school): people, their roles, active or not.
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Badge, Button, Group, MultiSelect, Select, Stack, Table, TextInput, Title } from "@mantine/core";
import { DeactivateUser, ReactivateUser, SetUserRoles, UsersQuery } from "../graphql/operations";
import { MoveUser } from "../graphql/admin";
import { hasRole, useViewer } from "../components/viewer";
import type { Role } from "../gql/graphql";

const ROLES: Role[] = ["GROUP_ADMIN", "EXPERT", "SCHOOL_AGENT", "SCHOOL_MANAGER", "OPERATIONS", "DESK_INTEGRATION"];

export function UsersPage() {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const [search, setSearch] = useState("");
  const [{ data, error }] = useQuery({ query: UsersQuery, variables: { filter: { text: search || undefined }, first: 100 } });
  const [, setRoles] = useMutation(SetUserRoles);
  const [, deactivate] = useMutation(DeactivateUser);
  const [, reactivate] = useMutation(ReactivateUser);
  const [, move] = useMutation(MoveUser);
  // Only group administrators move people between tenants; a school's managers see their school.
  const mayMove = hasRole(useViewer(), "GROUP_ADMIN");
  const tenants = (data?.tenants ?? []).map((tenant) => ({ value: tenant.id, label: tenant.name }));
  const [failure, setFailure] = useState<string | null>(null);

  function report(payload: { __typename: string; message?: string } | undefined) {
    setFailure(payload && payload.__typename !== "User" ? payload.message ?? "?" : null);
  }

  return (
    <Stack>
      <Title order={1}>{t("users.title")}</Title>
      <form onSubmit={(e) => { e.preventDefault(); setSearch(text.trim()); }}>
        <Group align="end">
          <TextInput label={t("users.search")} value={text} onChange={(e) => setText(e.currentTarget.value)} type="search" />
          <Button type="submit">{t("tickets.apply")}</Button>
        </Group>
      </form>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      {failure && <Alert color="red" role="alert">{failure}</Alert>}
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("users.name")}</Table.Th>
            <Table.Th scope="col">{t("tickets.school")}</Table.Th>
            <Table.Th scope="col">{t("users.roles")}</Table.Th>
            <Table.Th scope="col">{t("tokens.state")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(data?.users.edges ?? []).map(({ node: user }) => (
            <Table.Tr key={user.id}>
              <Table.Td>{user.displayName}<br /><small>{user.username}</small></Table.Td>
              <Table.Td>
                {mayMove ? (
                  <Select aria-label={`${t("users.tenant")} ${user.displayName}`} value={user.tenant.id} data={tenants}
                    allowDeselect={false} searchable
                    onChange={(tenantId) => {
                      if (tenantId && tenantId !== user.tenant.id) {
                        void move({ input: { userId: user.id, tenantId } }).then((r) => report(r.data?.moveUser));
                      }
                    }} />
                ) : user.tenant.name}
              </Table.Td>
              <Table.Td>
                <MultiSelect aria-label={`${t("users.roles")} ${user.displayName}`} value={user.roles}
                  data={ROLES.map((r) => ({ value: r, label: t(`roles.${r.toLowerCase().replace("_", "-")}`) }))}
                  onChange={(roles) => void setRoles({ input: { userId: user.id, roles: roles as Role[] } })
                    .then((r) => report(r.data?.setUserRoles))} />
              </Table.Td>
              <Table.Td>
                {user.active ? (
                  <Button size="xs" variant="light" color="red" aria-label={`${t("users.deactivate")} ${user.displayName}`}
                    onClick={() => void deactivate({ id: user.id }).then((r) => report(r.data?.deactivateUser))}>
                    {t("users.deactivate")}
                  </Button>
                ) : (
                  <Group gap="xs">
                    <Badge color="gray" c="dark" variant="light">{t("users.inactive")}</Badge>
                    <Button size="xs" variant="light" aria-label={`${t("users.reactivate")} ${user.displayName}`}
                      onClick={() => void reactivate({ id: user.id }).then((r) => report(r.data?.reactivateUser))}>
                      {t("users.reactivate")}
                    </Button>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
