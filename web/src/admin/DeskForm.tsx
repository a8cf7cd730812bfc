// Configure a school's desk (configureDesk): kind, URL, credentials by reference, mappings, timeout;
// or remove it. The server's refusals show at the field they name (credentials row by row).
import { useState } from "react";
import { useMutation } from "urql";
import { useTranslation } from "react-i18next";
import { ActionIcon, Alert, Button, Group, Modal, Select, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { ConfigureDesk } from "../graphql/admin";
import type { DeskKind } from "../gql/graphql";
import { DESK_KINDS, deskInput, deskValues, type DeskShown } from "./desks";
import { errorAt, outcomeOf, pathOf, unplacedError, type Outcome } from "./outcome";

export function DeskForm({ school, desk, onClose }: {
  school: { id: string; name: string }; desk: DeskShown | null; onClose: (changed: boolean) => void;
}) {
  const { t } = useTranslation();
  const [, configure] = useMutation(ConfigureDesk);
  const [values, setValues] = useState(() => deskValues(desk));
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const credentialError = (key: string) => errorAt(outcome, `credentials.${key.trim()}`);
  const shown = ["kind", "url", "mappings", "timeout", "credentials",
    ...values.credentials.map((row) => `credentials.${row.key.trim()}`)];

  async function send(remove: boolean) {
    let input;
    if (remove) {
      input = { tenantId: school.id, desk: null };
    } else {
      const checked = deskInput(values);
      if (!checked.ok) {
        const message = checked.problem === "json" ? t("catalogueAdmin.badJson", { message: checked.detail }) : t("desks.notNumber");
        setOutcome({ ok: false, message: "", fields: [{ field: checked.field, message }] });
        return;
      }
      input = { tenantId: school.id, desk: checked.desk };
    }
    const r = await configure({ input });
    const next = outcomeOf(r.data?.configureDesk, ["DeskConfigured"], r.error);
    setOutcome(next);
    if (next.ok) onClose(true);
  }

  const rows = values.credentials;
  const setRow = (i: number, row: { key: string; location: string }) =>
    setValues({ ...values, credentials: rows.map((r, j) => (j === i ? row : r)) });
  return (
    <Modal opened onClose={() => onClose(false)} title={t("desks.configureTitle", { school: school.name })} size="lg"
      closeButtonProps={{ "aria-label": t("app.closeDialog") }}>
      <form onSubmit={(e) => { e.preventDefault(); void send(false); }}>
        <Stack gap="xs">
          <Select label={t("desks.kind")} value={values.kind} allowDeselect={false} error={errorAt(outcome, "kind")}
            data={DESK_KINDS.map((k) => ({ value: k, label: t(`desks.kinds.${k}`) }))}
            onChange={(kind) => setValues({ ...values, kind: (kind ?? "ITOP") as DeskKind })} />
          <TextInput label={t("desks.url")} value={values.url} error={errorAt(outcome, "url")}
            onChange={(e) => setValues({ ...values, url: e.currentTarget.value })} />
          <Stack gap={4} role="group" aria-labelledby="desk-credentials">
            <Text fw={600} size="sm" id="desk-credentials">{t("desks.credentials")}</Text>
            <Text size="xs" c="dimmed">{t("desks.credentialsHelp")}</Text>
            {errorAt(outcome, "credentials") && <Text size="sm" c="red.9">{errorAt(outcome, "credentials")}</Text>}
            {rows.map((row, i) => (
              <Group key={i} align="start" wrap="nowrap">
                <TextInput aria-label={t("desks.credentialKey", { n: i + 1 })} placeholder="auth_token_env" value={row.key}
                  error={credentialError(row.key)} onChange={(e) => setRow(i, { ...row, key: e.currentTarget.value })} flex={1} />
                <TextInput aria-label={t("desks.credentialLocation", { n: i + 1 })} placeholder="GROUPDESK_DESK_TOKEN"
                  value={row.location} onChange={(e) => setRow(i, { ...row, location: e.currentTarget.value })} flex={1} />
                <ActionIcon variant="light" color="red" size="lg" aria-label={t("desks.removeCredential", { n: i + 1 })}
                  onClick={() => setValues({ ...values, credentials: rows.filter((_, j) => j !== i) })}>×</ActionIcon>
              </Group>
            ))}
            <Group>
              <Button size="xs" variant="default" onClick={() => setValues({ ...values, credentials: [...rows, { key: "", location: "" }] })}>
                {t("desks.addCredential")}
              </Button>
            </Group>
          </Stack>
          <Textarea label={t("desks.mappings")} description={t("desks.mappingsHelp")} autosize minRows={2} styles={{ input: { fontFamily: "monospace" } }}
            value={values.mappings} error={errorAt(outcome, "mappings") ?? mappingErrors(outcome)}
            onChange={(e) => setValues({ ...values, mappings: e.currentTarget.value })} />
          <TextInput label={t("desks.timeout")} inputMode="decimal" value={values.timeout} error={errorAt(outcome, "timeout")}
            onChange={(e) => setValues({ ...values, timeout: e.currentTarget.value })} />
          {unplacedError(outcome, shown.concat(mappingFields(outcome))) &&
            <Alert color="red" role="alert">{unplacedError(outcome, shown.concat(mappingFields(outcome)))}</Alert>}
          <Group justify="space-between">
            {desk ? <Button color="red" variant="light" onClick={() => void send(true)}>{t("desks.remove")}</Button> : <span />}
            <Group>
              <Button variant="default" onClick={() => onClose(false)}>{t("catalogueAdmin.cancel")}</Button>
              <Button type="submit">{t("desks.save")}</Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Problems of one mapping (`mappings.org_id`) show under the mappings. */
function mappingFields(outcome: Outcome | null): string[] {
  return outcome && !outcome.ok ? outcome.fields.map((f) => pathOf(f.field)).filter((f) => f.startsWith("mappings.")) : [];
}

function mappingErrors(outcome: Outcome | null): string | undefined {
  if (!outcome || outcome.ok) return undefined;
  const found = outcome.fields.filter((f) => pathOf(f.field).startsWith("mappings."));
  return found.length ? found.map((f) => `${pathOf(f.field).slice(9)}: ${f.message}`).join("; ") : undefined;
}
