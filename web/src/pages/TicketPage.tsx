// One ticket: what was asked, the conversation (public and internal told apart), the actions the
// viewer may take now, the local desk's twin, and the history. Live: each history event
// (`ticketEvents`) reads the ticket again, so state, comments, history and the mirror follow; the
// mirror's own changes (`ticketMirrorChanged`: delivered with the local ticket's number, failing,
// paused, retried) are written into the cached ticket and shown as they come. A change
// made elsewhere while the person writes (a comment, a question, a solution...) is shown as "this
// ticket changed" with what changed and a reload, and what they send still names the version they
// read: the server refuses it as stale rather than applying it to a ticket they have not seen.
import { useEffect, useRef, useState } from "react";
import { useLocation, useParams } from "react-router";
import { useClient, useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, Badge, Button, Card, Grid, Group, SegmentedControl, Stack, Text, Textarea, Title } from "@mantine/core";
import { AddComment, TicketByRefQuery, TicketEventsSubscription, TicketMirrorChangedSubscription } from "../graphql/operations";
import { useLive } from "../graphql/useLive";
import type { TicketDetailFragment } from "../gql/graphql";
import { PriorityBadge, StateBadge } from "../components/StateBadge";
import { hasRole, useViewer } from "../components/viewer";
import type { Problem } from "../components/problems";
import { ACTIONS, visibleActions, type ActionKind } from "./ticketActions";
import { MirrorCard } from "./MirrorCard";
import { FormAnswers } from "./FormAnswers";
import { CommentList } from "./CommentList";
import { ConflictNotice, changesSince, type Changed } from "./ConflictNotice";
import { SlaCard } from "./SlaCard";
import { ApprovalCard } from "./ApprovalCard";
import { Busy } from "../components/Busy";

export function TicketPage() {
  const { ref = "" } = useParams();
  const { t } = useTranslation();
  const location = useLocation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: TicketByRefQuery, variables: { ref }, requestPolicy: "cache-and-network" });
  if (fetching && !data) return <Busy />;
  if (error) return <Alert color="red">{t("app.error", { message: error.message })}</Alert>;
  const ticket = data?.ticketByRef;
  if (!ticket) return <Alert color="yellow" role="status">{t("ticket.notFound")}</Alert>;
  const opened = (location.state as { opened?: string } | null)?.opened === ticket.ref;
  return (
    <TicketView key={ticket.id} ticket={ticket} opened={opened}
      reload={() => refetch({ requestPolicy: "network-only" })} />
  );
}

function TicketView({ ticket, opened, reload }: { ticket: TicketDetailFragment; opened: boolean; reload: () => void }) {
  const { t, i18n } = useTranslation();
  const viewer = useViewer();
  const client = useClient();
  const [action, setAction] = useState<ActionKind | null>(null);
  const [text, setText] = useState("");
  const [comment, setComment] = useState("");
  const [visibility, setVisibility] = useState<"PUBLIC" | "INTERNAL">("PUBLIC");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [changed, setChanged] = useState<Changed | null>(null);
  const [busy, setBusy] = useState(false);
  // The ticket as it was when the person began writing; null while they are not writing.
  const [frozen, setFrozen] = useState<TicketDetailFragment | null>(null);
  const editing = comment.trim() !== "" || Boolean(action && ACTIONS[action].text);
  useEffect(() => {
    if (!editing) setFrozen(null);
  }, [editing]);
  const freeze = () => setFrozen((current) => current ?? ticket);
  // Bumped by each reload from the notice: a refusal read before it does not show again after it.
  const readings = useRef(0);
  const seen = frozen ?? ticket;
  useLive(TicketEventsSubscription, { ticketId: ticket.id }, { onEvent: reload, onResync: reload });
  // The cache's updater shows each change; only a gap needs the ticket read again.
  useLive(TicketMirrorChangedSubscription, { ticketId: ticket.id }, { onResync: reload });
  const staff = hasRole(viewer, "EXPERT", "GROUP_ADMIN");
  const isOpeningSchool = viewer.tenant.id === ticket.school.id || hasRole(viewer, "OPERATIONS");
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });

  function handle(payload: { __typename: string } | null | undefined, seen: TicketDetailFragment): boolean {
    if (!payload) return false;
    if (payload.__typename === "Ticket" || payload.__typename === "CommentAdded") {
      setProblem(null);
      // The person's own change is one they have seen: writing goes on from it.
      const fresh = payload.__typename === "Ticket" ? payload : (payload as unknown as { ticket: unknown }).ticket;
      setFrozen((current) => current && (fresh as TicketDetailFragment));
      return true;
    }
    const refused = payload as Problem;
    setProblem(refused);
    if (refused.__typename === "Conflict") {
      // Read the ticket as it is now; what happened since the version we acted on is the difference.
      const reading = readings.current;
      void client.query(TicketByRefQuery, { ref: ticket.ref }, { requestPolicy: "network-only" }).toPromise().then((fresh) => {
        const now = fresh.data?.ticketByRef;
        if (!now || reading !== readings.current) return;
        setChanged(changesSince(seen, now));
      });
    }
    return false;
  }

  async function runAction(kind: ActionKind) {
    const spec = ACTIONS[kind];
    const input: Record<string, unknown> = { id: ticket.id, version: seen.version };
    if (spec.text) input[spec.text.input] = text;
    setBusy(true);
    const result = await client.mutation(spec.document, { input }).toPromise();
    setBusy(false);
    if (result.error) {
      setProblem({ __typename: "NotFound", message: result.error.message });
      return;
    }
    if (handle(result.data?.[spec.field] as { __typename: string }, seen)) {
      setAction(null);
      setText("");
    }
  }

  async function addComment() {
    setBusy(true);
    const result = await client.mutation(AddComment, {
      input: { ticketId: ticket.id, body: comment, visibility: staff ? visibility : "PUBLIC", version: seen.version },
    }).toPromise();
    setBusy(false);
    if (result.error) {
      setProblem({ __typename: "NotFound", message: result.error.message });
      return;
    }
    if (handle(result.data?.addComment, seen)) setComment("");
  }

  // Live: the ticket moved on while the person was writing (not by their own change, under way).
  const live = frozen && !busy && ticket.version > frozen.version ? changesSince(frozen, ticket) : null;
  const shown = changed ?? live;

  function reread() {
    readings.current += 1;
    setChanged(null);
    setProblem(null);
    // Read it again; whoever is writing goes on from what they now see.
    void client.query(TicketByRefQuery, { ref: ticket.ref }, { requestPolicy: "network-only" }).toPromise().then((fresh) => {
      const now = fresh.data?.ticketByRef;
      if (now) setFrozen((current) => current && now);
    });
  }

  const actions = visibleActions(ticket.allowedActions, ticket.state, isOpeningSchool);
  const needsText = action ? ACTIONS[action].text : undefined;
  return (
    <Stack>
      {opened && <Alert color="green" role="status">{t("request.opened", { ref: ticket.ref })}</Alert>}
      <Group justify="space-between" align="start">
        <div>
          <Text size="sm" c="dimmed">{ticket.ref} · {ticket.brick.name} › {ticket.service.name} › {ticket.subService.name}</Text>
          <Title order={1}>{ticket.title}</Title>
          <Group gap="xs" mt={4}>
            <StateBadge state={ticket.state} />
            <PriorityBadge priority={ticket.priority} />
            {ticket.escalationLevel > 0 && <Badge color="red" c="dark" variant="outline">↑ {ticket.escalationLevel}</Badge>}
          </Group>
        </div>
        <Button variant="default" onClick={reload}>{t("tickets.reload")}</Button>
      </Group>
      {shown && <ConflictNotice changed={shown} onReload={reread} />}
      {ticket.state === "PENDING" && question(ticket) && (
        <Alert color="orange" title={t("ticket.question")} data-testid="question">{question(ticket)}</Alert>
      )}
      {problem && problem.__typename !== "Conflict" && (
        <Alert color="red" role="alert">{t("ticket.refused", { message: problem.message })}</Alert>
      )}
      <Grid>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack>
            <Card withBorder component="section" aria-labelledby="request-heading">
              <Title order={2} size="h4" id="request-heading">{t("ticket.request")}</Title>
              <Text size="sm">{t("ticket.openedBy", { name: ticket.openedBy.displayName, school: ticket.school.name })} · {when.format(new Date(ticket.createdAt))}</Text>
              {ticket.description && <Text mt="xs" style={{ whiteSpace: "pre-wrap" }}>{ticket.description}</Text>}
              <FormAnswers data={ticket.requestData} form={ticket.subService.form} />
              {ticket.solution && (
                <Alert color="green" mt="sm" title={t("ticket.solution")}>{ticket.solution}</Alert>
              )}
            </Card>
            <CommentList ticket={ticket} />
            {(actions.length > 0) && (
              <Card withBorder component="section" aria-label={t("ticket.actions")}>
                <Group gap="xs">
                  {actions.map((kind) => (
                    <Button key={kind} variant={action === kind ? "filled" : "light"} loading={busy && action === kind}
                      onClick={() => {
                        if (!ACTIONS[kind].text) return void runAction(kind);
                        freeze();
                        setAction(kind);
                      }}>
                      {t(`actions.${kind}`)}
                    </Button>
                  ))}
                </Group>
                {action && needsText && (
                  <Stack mt="sm">
                    <Textarea label={t(needsText.label)} value={text} onChange={(e) => setText(e.currentTarget.value)} autosize minRows={2} withAsterisk={needsText.required} />
                    <Group>
                      <Button onClick={() => void runAction(action)} loading={busy} disabled={needsText.required && !text.trim()}>
                        {t("actions.confirm")} : {t(`actions.${action}`)}
                      </Button>
                      <Button variant="default" onClick={() => setAction(null)}>{t("actions.cancel")}</Button>
                    </Group>
                  </Stack>
                )}
              </Card>
            )}
            {ticket.state !== "CLOSED" && ticket.state !== "REJECTED" && (
              <Card withBorder component="section" aria-labelledby="comment-heading">
                <Title order={2} size="h4" id="comment-heading">{t("ticket.addComment")}</Title>
                {staff && (
                  <SegmentedControl mt="xs" aria-label={t("ticket.visibility")} value={visibility}
                    onChange={(v) => setVisibility(v as "PUBLIC" | "INTERNAL")} color={visibility === "INTERNAL" ? "#a84300" : "indigo"}
                    data={[{ value: "PUBLIC", label: t("ticket.public") }, { value: "INTERNAL", label: t("ticket.internal") }]} />
                )}
                <Textarea mt="xs" label={t("ticket.comment")} value={comment} autosize minRows={2}
                  onChange={(e) => {
                    if (e.currentTarget.value.trim()) freeze();
                    setComment(e.currentTarget.value);
                  }} />
                <Group mt="xs">
                  <Button onClick={() => void addComment()} disabled={!comment.trim()} loading={busy && !action}>
                    {t("ticket.addComment")}
                  </Button>
                </Group>
              </Card>
            )}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack>
            <Card withBorder component="section" aria-label={t("tickets.assignee")}>
              <Text>{ticket.assignee ? t("ticket.assignee", { name: `${ticket.assignee.displayName} (${ticket.assignee.tenant.name})` }) : t("ticket.noAssignee")}</Text>
            </Card>
            <SlaCard sla={ticket.sla} />
            {ticket.approvalRequest && <ApprovalCard approval={ticket.approvalRequest} />}
            <MirrorCard ticket={ticket} />
            <Card withBorder component="section" aria-labelledby="history-heading">
              <Title order={2} size="h4" id="history-heading">{t("ticket.history")}</Title>
              <Stack gap={4} mt="xs" component="ol" style={{ listStyle: "none", padding: 0 }}>
                {ticket.history.edges.map(({ node }) => (
                  <li key={node.id}>
                    <Text size="sm">
                      <strong>{node.kind}</strong> · {node.actor?.displayName ?? "groupdesk"} · {when.format(new Date(node.createdAt))}
                      {eventText(node.data) && <><br />{eventText(node.data)}</>}
                      {node.visibility === "INTERNAL" && <Badge ml={4} size="xs" color="orange" c="dark" variant="outline">{t("ticket.internalBadge")}</Badge>}
                    </Text>
                  </li>
                ))}
              </Stack>
            </Card>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

/** The question put to the school: the reason of the latest PUT_ON_HOLD. */
function question(ticket: TicketDetailFragment): string | null {
  const asked = [...ticket.history.edges].reverse().find((e) => e.node.kind === "PUT_ON_HOLD");
  return asked ? eventText(asked.node.data) : null;
}

/** The words an event carries: a reason, a question, a solution. */
function eventText(data: unknown): string | null {
  const fields = (data ?? {}) as Record<string, unknown>;
  const text = fields.reason ?? fields.solution ?? fields.message;
  return typeof text === "string" && text ? text : null;
}
