// The conversation: public comments and internal ones (group staff only) never look alike.
import { useTranslation } from "react-i18next";
import { Badge, Card, Group, Paper, Stack, Text, Title } from "@mantine/core";
import type { TicketDetailFragment } from "../gql/graphql";

export function CommentList({ ticket }: { ticket: Pick<TicketDetailFragment, "comments"> }) {
  const { t, i18n } = useTranslation();
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });
  const comments = ticket.comments.edges.map((e) => e.node);
  return (
    <Card withBorder component="section" aria-labelledby="comments-heading">
      <Title order={2} size="h4" id="comments-heading">{t("ticket.comments")} ({comments.length})</Title>
      <Stack mt="xs" gap="xs" component="ol" style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {comments.map((c) => {
          const internal = c.visibility === "INTERNAL";
          return (
            <Paper key={c.id} component="li" p="sm" className={internal ? "comment-internal" : "comment-public"} data-visibility={c.visibility}>
              <Group gap="xs">
                <Badge size="sm" color={internal ? "orange" : "indigo"} c="dark" variant="light">
                  {internal ? t("ticket.internalBadge") : t("ticket.publicBadge")}
                </Badge>
                <Text size="sm" fw={600}>{c.author?.displayName ?? "—"}</Text>
                {c.source === "DESK" && <Text size="sm">({t("ticket.fromDesk")})</Text>}
                <Text size="sm">{when.format(new Date(c.createdAt))}</Text>
              </Group>
              <Text mt={4} style={{ whiteSpace: "pre-wrap" }}>{c.body}</Text>
            </Paper>
          );
        })}
      </Stack>
    </Card>
  );
}
