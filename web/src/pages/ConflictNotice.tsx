// "This ticket changed": someone acted on it since the version this page acted on.
import { useTranslation } from "react-i18next";
import { Alert, Button, List } from "@mantine/core";

export type Changed = {
  version: number;
  fromState: string;
  toState: string;
  events: { id: string; kind: string; actor?: { displayName: string } | null }[];
};

export function ConflictNotice({ changed, onReload }: { changed: Changed; onReload: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert color="orange" role="alert" title={t("ticket.conflictTitle")}>
      {t("ticket.conflict", { version: changed.version })}
      <List size="sm" my="xs">
        {changed.fromState !== changed.toState && (
          <List.Item>{t(`states.${changed.fromState}`)} → {t(`states.${changed.toState}`)}</List.Item>
        )}
        {changed.events.map((event) => (
          <List.Item key={event.id}>{event.kind} · {event.actor?.displayName ?? "groupdesk"}</List.Item>
        ))}
      </List>
      <Button size="xs" onClick={onReload}>{t("ticket.reload")}</Button>
    </Alert>
  );
}
