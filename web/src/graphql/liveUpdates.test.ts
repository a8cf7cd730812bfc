// The live updaters in the console's own Graphcache: a test server exchange answers the queries and
// pushes subscription events, the cache does the rest as it does in the browser.
import { Client, getOperationName, gql, makeResult, type Exchange, type Operation } from "urql";
import { filter, fromValue, makeSubject, map, mergeMap, pipe } from "wonka";
import { makeCacheExchange } from "./client";
import {
  MyQueueEventsSubscription, MyQueueQuery, NotificationReceivedSubscription, NotificationsQuery,
  TicketMirrorChangedSubscription, TicketsChangedSubscription, TicketsQuery,
} from "./operations";
import { idNumber, moveInQueue, queueIndex } from "./liveUpdates";

const gid = (n: number) => btoa(`Ticket:${n}`);

function row(n: number, priority: string, extra: Record<string, unknown> = {}) {
  return {
    __typename: "Ticket", id: gid(n), ref: `GRP-2026-${String(n).padStart(6, "0")}`, title: `Ticket ${n}`,
    state: "ASSIGNED", priority, escalationLevel: 0, createdAt: "2026-11-30T08:00:00Z", updatedAt: "2026-11-30T08:00:00Z",
    school: { __typename: "Tenant", id: "t1", name: "INSA Lyon" },
    brick: { __typename: "Brick", id: "b1", name: "Scenari" },
    subService: { __typename: "SubService", id: "s1", name: "Account creation" },
    assignee: null,
    sla: { __typename: "TicketSla", state: "ON_TRACK", takeDueAt: null, resolveDueAt: null, running: true },
    ...extra,
  };
}

const queueRow = (n: number, priority: string) => row(n, priority, { allowedActions: ["TAKE"], version: 1 });

function connection(rows: { id: string }[], hasNextPage = false) {
  return {
    __typename: "TicketConnection", totalCount: rows.length + (hasNextPage ? 10 : 0),
    pageInfo: { __typename: "PageInfo", hasNextPage, endCursor: hasNextPage ? "c-end" : null },
    edges: rows.map((node, i) => ({ __typename: "TicketEdge", cursor: `c${i}`, node })),
  };
}

function listChange(change: string, n: number, ticket: object | null, field: string) {
  return {
    [field]: {
      __typename: "TicketListChange", ticketId: gid(n), version: 2, change,
      state: ticket ? "ASSIGNED" : null, eventKind: ticket ? "ROUTED" : null, ticket,
    },
  };
}

/** A server: answers each query by name (counting them), pushes what `push` is given to subscriptions. */
function testServer(answers: Record<string, () => unknown>) {
  const asked: Record<string, number> = {};
  const events = makeSubject<unknown>();
  const exchange: Exchange = () => (operations$) =>
    pipe(
      operations$,
      filter((op: Operation) => op.kind !== "teardown"),
      mergeMap((op: Operation) => {
        if (op.kind === "subscription") return pipe(events.source, map((data) => makeResult(op, { data: data as Record<string, unknown> })));
        const name = getOperationName(op.query) ?? "";
        asked[name] = (asked[name] ?? 0) + 1;
        return fromValue(makeResult(op, { data: answers[name]() as Record<string, unknown> }));
      }),
    );
  const client = new Client({ url: "http://console.test/graphql", exchanges: [makeCacheExchange(), exchange] });
  return { client, asked, push: (data: unknown) => events.next(data) };
}

test("a ticket entering the queue takes its place in the queue's order, once; one leaving goes", async () => {
  const server = testServer({ MyQueue: () => ({ myQueue: connection([queueRow(9, "CRITICAL"), queueRow(5, "HIGH"), queueRow(3, "LOW")]) }) });
  await server.client.query(MyQueueQuery, { first: 50 }).toPromise();
  const live = server.client.subscription(MyQueueEventsSubscription, {}).subscribe(() => {});

  server.push(listChange("ENTERED", 7, queueRow(7, "HIGH"), "myQueueEvents"));
  server.push(listChange("ENTERED", 7, queueRow(7, "HIGH"), "myQueueEvents"));
  let queue = server.client.readQuery(MyQueueQuery, { first: 50 })!.data!.myQueue;
  expect(queue.edges.map((e) => idNumber(e.node.id))).toEqual([9, 7, 5, 3]);
  expect(queue.totalCount).toBe(4);
  expect(queue.edges[1].node.ref).toBe("GRP-2026-000007");

  server.push(listChange("LEFT", 9, null, "myQueueEvents"));
  queue = server.client.readQuery(MyQueueQuery, { first: 50 })!.data!.myQueue;
  expect(queue.edges.map((e) => idNumber(e.node.id))).toEqual([7, 5, 3]);
  expect(queue.totalCount).toBe(3);
  // The queue was read once: the changes were applied in the cache, not by asking again.
  expect(server.asked.MyQueue).toBe(1);
  live.unsubscribe();
});

test("a ticket changed in the queue refreshes its row wherever it is shown", async () => {
  const server = testServer({ MyQueue: () => ({ myQueue: connection([queueRow(5, "NORMAL")]) }) });
  await server.client.query(MyQueueQuery, { first: 50 }).toPromise();
  const live = server.client.subscription(MyQueueEventsSubscription, {}).subscribe(() => {});
  server.push(listChange("UPDATED", 5, { ...queueRow(5, "NORMAL"), state: "IN_PROGRESS", version: 3 }, "myQueueEvents"));
  const queue = server.client.readQuery(MyQueueQuery, { first: 50 })!.data!.myQueue;
  expect(queue.edges.map((e) => [e.node.state, e.node.version])).toEqual([["IN_PROGRESS", 3]]);
  expect(queue.totalCount).toBe(1);
  live.unsubscribe();
});

test("tickets lists: one no longer visible leaves them at once, one entering has them read again", async () => {
  let rows = [row(4, "NORMAL"), row(2, "NORMAL")];
  const server = testServer({ Tickets: () => ({ tickets: connection(rows) }) });
  const variables = { first: 25, orderBy: { field: "UPDATED_AT" as const, direction: "DESC" as const } };
  const shown: number[][] = [];
  const list = server.client.query(TicketsQuery, variables).subscribe((result) => {
    if (result.data) shown.push(result.data.tickets.edges.map((e) => idNumber(e.node.id)));
  });
  const live = server.client.subscription(TicketsChangedSubscription, {}).subscribe(() => {});
  expect(server.asked.Tickets).toBe(1);

  server.push(listChange("LEFT", 4, null, "ticketsChanged"));
  expect(server.client.readQuery(TicketsQuery, variables)!.data!.tickets.totalCount).toBe(1);
  expect(shown.at(-1)).toEqual([2]);
  expect(server.asked.Tickets).toBe(1);

  rows = [row(8, "HIGH"), row(2, "NORMAL")];
  server.push(listChange("ENTERED", 8, row(8, "HIGH", { version: 1 }), "ticketsChanged"));
  await vi.waitFor(() => expect(shown.at(-1)).toEqual([8, 2]));
  expect(server.asked.Tickets).toBe(2);
  live.unsubscribe();
  list.unsubscribe();
});

test("a notification signal bumps the unread count the bell shows", async () => {
  const server = testServer({
    Notifications: () => ({ notifications: { __typename: "NotificationConnection", unreadCount: 2, edges: [] } }),
  });
  await server.client.query(NotificationsQuery, {}).toPromise();
  const live = server.client.subscription(NotificationReceivedSubscription, {}).subscribe(() => {});
  server.push({ notificationReceived: { __typename: "NotificationSignal", notificationId: "n1", kind: "ASSIGNED", ticketId: gid(1), at: "2026-11-30T09:00:00Z" } });
  server.push({ notificationReceived: { __typename: "NotificationSignal", notificationId: "n2", kind: "COMMENTED", ticketId: gid(1), at: "2026-11-30T09:01:00Z" } });
  expect(server.client.readQuery(NotificationsQuery, {})!.data!.notifications.unreadCount).toBe(4);
  expect(server.asked.Notifications).toBe(1);
  live.unsubscribe();
});

test("the queue's order: most urgent first, then the newest id; past the loaded page, not placed", () => {
  const rows = [{ id: gid(9), priority: "CRITICAL" as const }, { id: gid(5), priority: "HIGH" as const }, { id: gid(12), priority: "LOW" as const }];
  expect(queueIndex(rows, { id: gid(10), priority: "CRITICAL" }, false)).toBe(0);
  expect(queueIndex(rows, { id: gid(6), priority: "HIGH" }, false)).toBe(1);
  expect(queueIndex(rows, { id: gid(4), priority: "HIGH" }, false)).toBe(2);
  expect(queueIndex(rows, { id: gid(1), priority: "LOW" }, false)).toBe(3);
  expect(queueIndex(rows, { id: gid(1), priority: "LOW" }, true)).toBeNull();
  expect(idNumber(gid(123456))).toBe(123456);
});

test("a ticket entering past the loaded page counts but is left for the server to page in", () => {
  const data = { myQueue: connection([queueRow(9, "HIGH")], true) };
  const after = moveInQueue(data as never, { ticketId: gid(2), change: "ENTERED", ticket: { id: gid(2), priority: "LOW" } }) as typeof data;
  expect(after.myQueue.edges.map((e) => e.node.id)).toEqual([gid(9)]);
  expect(after.myQueue.totalCount).toBe(data.myQueue.totalCount + 1);
  const gone = moveInQueue(data as never, { ticketId: gid(3), change: "LEFT", ticket: null });
  expect(gone).toBe(data);
});

// The mirror's fields a ticket page reads (the page's own query reads them inside TicketDetail).
const MirrorOfTicket = gql`
  query MirrorOfTicket($ref: String!) {
    ticketByRef(ref: $ref) { id ref mirror { desk remoteRef status lastError lastSyncedAt attempts } }
  }
`;

test("a mirror change shows in its ticket's entry, and only there, without asking the server", async () => {
  const pending = { __typename: "TicketMirror", desk: "ITOP", remoteRef: null, status: "PENDING", lastError: null, lastSyncedAt: null, attempts: 0 };
  const ticket = (n: number) => ({ ticketByRef: { __typename: "Ticket", id: gid(n), ref: `GRP-2026-00000${n}`, mirror: pending } });
  const server = testServer({ MirrorOfTicket: () => ticket(server.asked.MirrorOfTicket === 1 ? 7 : 8) });
  await server.client.query(MirrorOfTicket, { ref: "GRP-2026-000007" }).toPromise();
  await server.client.query(MirrorOfTicket, { ref: "GRP-2026-000008" }).toPromise();
  const live = server.client.subscription(TicketMirrorChangedSubscription, { ticketId: gid(7) }).subscribe(() => {});

  server.push({ ticketMirrorChanged: { ...pending, status: "SYNCED", remoteRef: "R-000056", lastSyncedAt: "2026-12-01T03:00:00Z" } });
  const mirrorOf = (ref: string) => server.client.readQuery(MirrorOfTicket, { ref })!.data!.ticketByRef.mirror;
  expect([mirrorOf("GRP-2026-000007").status, mirrorOf("GRP-2026-000007").remoteRef]).toEqual(["SYNCED", "R-000056"]);
  expect([mirrorOf("GRP-2026-000008").status, mirrorOf("GRP-2026-000008").remoteRef]).toEqual(["PENDING", null]);

  server.push({ ticketMirrorChanged: { ...pending, status: "PAUSED", remoteRef: "R-000056", lastError: "ticket.commented: Error: Invalid login", attempts: 1 } });
  expect([mirrorOf("GRP-2026-000007").status, mirrorOf("GRP-2026-000007").lastError]).toEqual(["PAUSED", "ticket.commented: Error: Invalid login"]);
  // Each ticket was read once: the changes were written in the cache.
  expect(server.asked.MirrorOfTicket).toBe(2);
  live.unsubscribe();
});
