// The ticket's service level: when an expert must take it and when it must be resolved, counting down.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Badge, Card, Text, Title } from "@mantine/core";
import type { TicketDetailFragment } from "../gql/graphql";
import { countdown } from "./durations";

const COLOURS: Record<string, string> = { OK: "green", WARNING: "orange", BREACHED: "red" };

export function SlaCard({ sla }: { sla: TicketDetailFragment["sla"] }) {
  const { t, i18n } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => window.clearInterval(timer);
  }, []);
  const due = (at: string | null | undefined) => (at ? countdown(new Date(at).getTime() - now, i18n.language) : null);
  const take = due(sla.takeDueAt);
  const resolve = due(sla.resolveDueAt);
  return (
    <Card withBorder component="section" aria-labelledby="sla-heading">
      <Title order={2} size="h4" id="sla-heading">{t("sla.title")}</Title>
      <Text size="sm">
        <Badge size="sm" color={COLOURS[sla.state]} c="dark" variant="light">{t(`sla.${sla.state}`)}</Badge>{" "}
        {sla.running ? t("sla.running") : t("sla.stopped")}
      </Text>
      {take && <Text size="sm">{t("sla.take", { when: take })}</Text>}
      {resolve && <Text size="sm">{t("sla.resolve", { when: resolve })}</Text>}
      {!take && !resolve && <Text size="sm">{t("sla.none")}</Text>}
    </Card>
  );
}
