// A manager's approvals: their school's requests waiting, each with its form; approve or reject.
import { Link } from "react-router";
import { useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Anchor, Button, Card, Group, Stack, Text, Title } from "@mantine/core";
import { ApprovalsQuery } from "../graphql/operations";
import { PriorityBadge } from "../components/StateBadge";
import { FormAnswers } from "./FormAnswers";
import { Busy } from "../components/Busy";

export function ApprovalsPage() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: ApprovalsQuery,
    variables: { first: 50 },
    requestPolicy: "cache-and-network",
  });
  const waiting = data?.tickets.edges.map((e) => e.node) ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t("approvals.title")}</Title>
        <Button variant="default" onClick={() => refetch({ requestPolicy: "network-only" })}>{t("tickets.reload")}</Button>
      </Group>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      {fetching && !data && <Busy />}
      {data && !waiting.length && <Text>{t("approvals.none")}</Text>}
      {waiting.map((ticket) => (
        <Card key={ticket.id} withBorder component="article" aria-label={`${ticket.ref} ${ticket.title}`}>
          <Group justify="space-between">
            <div>
              <Anchor component={Link} to={`/tickets/${ticket.ref}`} fw={700}>{ticket.ref} · {ticket.title}</Anchor>
              <Text size="sm">{ticket.school.name} · {ticket.brick.name} › {ticket.subService.name} · {ticket.openedBy.displayName}</Text>
              {ticket.approvalRequest?.cost != null && (
                <Text size="sm" fw={600}>{t("approval.cost", { cost: ticket.approvalRequest.cost, field: ticket.approvalRequest.costField ?? "" })}</Text>
              )}
              <FormAnswers data={ticket.requestData} form={ticket.subService.form} />
            </div>
            <Group>
              <PriorityBadge priority={ticket.priority} />
              <Button component={Link} to={`/tickets/${ticket.ref}`} variant="light">
                {t("actions.APPROVE")} / {t("actions.REJECT")}
              </Button>
            </Group>
          </Group>
        </Card>
      ))}
    </Stack>
  );
}
