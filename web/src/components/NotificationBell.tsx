// The bell: unread count, the latest notifications, each a link to its ticket. Live:
// `notificationReceived` bumps the count (a Graphcache updater); the list is read when opened.
import { useState } from "react";
import { Link } from "react-router";
import { useMutation, useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { ActionIcon, Anchor, Badge, Button, Indicator, Popover, Stack, Text } from "@mantine/core";
import { MarkNotificationsRead, NotificationReceivedSubscription, NotificationsQuery } from "../graphql/operations";
import { useLive } from "../graphql/useLive";

export function NotificationBell() {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const [{ data }, refetch] = useQuery({ query: NotificationsQuery, requestPolicy: "cache-and-network" });
  const [, markRead] = useMutation(MarkNotificationsRead);
  useLive(NotificationReceivedSubscription, {}, { onResync: () => refetch({ requestPolicy: "network-only" }) });
  const unread = data?.notifications.unreadCount ?? 0;
  return (
    <Indicator label={unread} size={16} disabled={unread === 0} color="red">
    <Popover opened={opened} onChange={setOpened} width={340} position="bottom-end" withArrow>
      <Popover.Target>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={t("notifications.bell", { count: unread })}
            onClick={() => {
              setOpened((o) => !o);
              refetch({ requestPolicy: "network-only" });
            }}
          >
            <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
              <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
              <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
            </svg>
          </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs" role="region" aria-label={t("notifications.title")}>
          {!data?.notifications.edges.length && <Text size="sm">{t("notifications.none")}</Text>}
          {data?.notifications.edges.map(({ node }) => (
            <div key={node.id}>
              <Anchor component={Link} to={`/tickets/${node.ref}`} onClick={() => setOpened(false)} fw={node.read ? 400 : 700}>
                {node.ref} · {node.title}
              </Anchor>
              <Text size="xs">
                <Badge size="xs" variant="outline" c="dark" mr={4}>{node.kind}</Badge>
                {node.actor ?? ""} {node.message ?? ""}
              </Text>
            </div>
          ))}
          {unread > 0 && (
            <Button size="xs" variant="light" onClick={() => void markRead({ input: { all: true } })}>
              {t("notifications.markAll")}
            </Button>
          )}
        </Stack>
      </Popover.Dropdown>
    </Popover>
    </Indicator>
  );
}
