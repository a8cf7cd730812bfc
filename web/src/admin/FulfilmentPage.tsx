// Group administrators: record a ticket's fulfilment status by hand (setFulfilment), as the
// schools' deployment tools do; an error status notifies the assignee.
import { useState } from "react";
import { Link } from "react-router";
import { useClient, useMutation, useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Anchor, Button, Card, Select, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import { FulfilmentStatusesQuery, SetFulfilment, TicketIdByRefQuery } from "../graphql/admin";
import { errorAt, outcomeOf, unplacedError, type Outcome } from "./outcome";

export function FulfilmentPage() {
  const { t } = useTranslation();
  const client = useClient();
  const [{ data: statuses }] = useQuery({ query: FulfilmentStatusesQuery });
  const [, setFulfilment] = useMutation(SetFulfilment);
  const [values, setValues] = useState({ ref: "", system: "", status: null as string | null, message: "" });
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [done, setDone] = useState<{ ref: string; status: string } | null>(null);

  async function submit() {
    setDone(null);
    const found = await client.query(TicketIdByRefQuery, { ref: values.ref.trim() }, { requestPolicy: "network-only" }).toPromise();
    const ticket = found.data?.ticketByRef;
    if (!ticket) {
      setOutcome({ ok: false, message: "", fields: [{ field: "ref", message: t("fulfilment.noTicket", { ref: values.ref.trim() }) }] });
      return;
    }
    const r = await setFulfilment({ input: { ticketId: ticket.id, system: values.system, status: values.status ?? "",
      message: values.message || null } });
    const next = outcomeOf(r.data?.setFulfilment, ["Ticket"], r.error);
    setOutcome(next);
    if (next.ok) setDone({ ref: ticket.ref, status: values.status ?? "" });
  }

  return (
    <Stack maw={640}>
      <Title order={1}>{t("fulfilment.title")}</Title>
      <Text>{t("fulfilment.help")}</Text>
      <Card withBorder component="form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Stack gap="xs">
          <TextInput label={t("fulfilment.ref")} placeholder="GRP-2026-000123" value={values.ref}
            error={errorAt(outcome, "ref") ?? errorAt(outcome, "ticketId")}
            onChange={(e) => setValues({ ...values, ref: e.currentTarget.value })} />
          <TextInput label={t("fulfilment.system")} placeholder="SCCM" value={values.system} error={errorAt(outcome, "system")}
            onChange={(e) => setValues({ ...values, system: e.currentTarget.value })} />
          <Select label={t("fulfilment.status")} value={values.status} error={errorAt(outcome, "status")}
            data={(statuses?.fulfilmentStatuses ?? []).map((s) => ({ value: s.code, label: s.error ? `${s.name} (${t("fulfilment.error")})` : s.name }))}
            onChange={(status) => setValues({ ...values, status })} />
          <Textarea label={t("fulfilment.message")} value={values.message} error={errorAt(outcome, "message")}
            onChange={(e) => setValues({ ...values, message: e.currentTarget.value })} />
          {unplacedError(outcome, ["ref", "ticketId", "system", "status", "message"]) &&
            <Alert color="red" role="alert">{unplacedError(outcome, ["ref", "ticketId", "system", "status", "message"])}</Alert>}
          <Button type="submit" disabled={!values.ref.trim() || !values.status}>{t("fulfilment.record")}</Button>
        </Stack>
      </Card>
      {done && (
        <Alert color="green" role="status">
          {t("fulfilment.recorded", { status: done.status })}{" "}
          <Anchor component={Link} to={`/tickets/${done.ref}`}>{done.ref}</Anchor>
        </Alert>
      )}
    </Stack>
  );
}
