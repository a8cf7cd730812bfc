// The ticket's twin in the school's own desk: its number and whether it is in sync.
import { useTranslation } from "react-i18next";
import { Badge, Card, Text, Title } from "@mantine/core";
import type { TicketDetailFragment } from "../gql/graphql";

const COLOURS: Record<string, string> = { SYNCED: "green", PENDING: "blue", FAILED: "red", PAUSED: "orange" };

export function MirrorCard({ ticket }: { ticket: TicketDetailFragment }) {
  const { t } = useTranslation();
  const mirror = ticket.mirror;
  return (
    <Card withBorder component="section" aria-labelledby="mirror-heading">
      <Title order={2} size="h4" id="mirror-heading">{t("ticket.mirror")}</Title>
      {!mirror && <Text size="sm">{t("ticket.mirrorNone")}</Text>}
      {mirror && (
        <>
          <Text size="sm">{mirror.desk} · <Badge size="sm" color={COLOURS[mirror.status]} c="dark" variant="light">{t(`mirror.${mirror.status}`)}</Badge></Text>
          <Text size="sm">{mirror.remoteRef ? t("ticket.localRef", { ref: mirror.remoteRef }) : t("ticket.mirrorPending")}</Text>
          {ticket.localRef && !mirror.remoteRef && <Text size="sm">{t("ticket.localRef", { ref: ticket.localRef })}</Text>}
          {mirror.lastError && <Text size="sm">{t("ticket.lastError", { error: mirror.lastError })}</Text>}
        </>
      )}
    </Card>
  );
}
