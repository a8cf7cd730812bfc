// "This ticket changed": someone acted on it since the version this page acted on (a refused stale
// write), or, live, since the person began writing on it.
import { useTranslation } from "react-i18next";
import { Alert, Button, List } from "@mantine/core";

export type Changed = {
  version: number;
  fromState: string;
  toState: string;
  events: { id: string; kind: string; actor?: { displayName: string } | null }[];
};

type Read = {
  version: number;
  state: string;
  history: { edges: { node: Changed["events"][number] }[] };
};

/** What happened between two readings of a ticket: its state, and the history events not seen. */
export function changesSince(seen: Read, now: Read): Changed {
  const known = new Set(seen.history.edges.map((edge) => edge.node.id));
  return {
    version: now.version,
    fromState: seen.state,
    toState: now.state,
    events: now.history.edges.map((edge) => edge.node).filter((event) => !known.has(event.id)),
  };
}

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
