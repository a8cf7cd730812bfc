// What each live update does to the normalised cache (Graphcache updaters of the Subscription
// fields), and the pure rules they follow. The ticket carried by a change is normalised on its own
// (its row in every list refreshes); these updaters keep the lists' membership and counts right.
import type { Cache, UpdateResolver } from "@urql/exchange-graphcache";
import type { Priority, TicketMirrorOfTicketFragment, TicketMoveKind, TicketsQueryVariables } from "../gql/graphql";
import { MyQueueQuery, TicketMirrorFields, TicketsQuery, UnreadCountQuery } from "./operations";

export type ListChange = {
  ticketId: string;
  change: TicketMoveKind;
  ticket?: { id: string; priority: Priority } | null;
};

const PRIORITY_RANK: Record<Priority, number> = { LOW: 0, NORMAL: 1, HIGH: 2, CRITICAL: 3 };

/** The number inside a global id ("Ticket:42" in base64); the server breaks ties on it. */
export function idNumber(id: string): number {
  try {
    const decoded = atob(id);
    const n = Number(decoded.slice(decoded.indexOf(":") + 1));
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

/** Where a ticket entering the queue goes, in the queue's order (most urgent first, then newest
 * id first, as `myQueue(orderBy: PRIORITY DESC)` sorts); null when it falls after the loaded rows of
 * a queue that has more pages (the server will page it in). */
export function queueIndex(
  rows: { id: string; priority: Priority }[],
  entering: { id: string; priority: Priority },
  hasNextPage: boolean,
): number | null {
  const key = (row: { id: string; priority: Priority }) => [PRIORITY_RANK[row.priority], idNumber(row.id)];
  const [rank, n] = key(entering);
  const index = rows.findIndex((row) => {
    const [r, m] = key(row);
    return r < rank || (r === rank && m < n);
  });
  if (index >= 0) return index;
  return hasNextPage ? null : rows.length;
}

type QueueData = {
  myQueue: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor?: string | null };
    edges: { cursor: string; node: { id: string; priority: Priority } }[];
  };
};

/** The queue after a change: a ticket entering takes its place (once), a ticket leaving goes. */
export function moveInQueue<Q extends QueueData>(data: Q, move: ListChange): Q {
  const queue = data.myQueue;
  const present = queue.edges.some((edge) => edge.node.id === move.ticketId);
  if (move.change === "LEFT") {
    return present ? { ...data, myQueue: withoutTicket(queue, move.ticketId) } : data;
  }
  if (move.change !== "ENTERED" || present || !move.ticket) return data;
  const at = queueIndex(queue.edges.map((edge) => edge.node), move.ticket, queue.pageInfo.hasNextPage);
  const edges = [...queue.edges];
  // A row placed live has no server cursor; paging goes on from the page's endCursor, which it
  // does not change, and a row before it is never paged in twice.
  if (at !== null) edges.splice(at, 0, { __typename: "TicketEdge", cursor: "", node: move.ticket } as Q["myQueue"]["edges"][number]);
  return { ...data, myQueue: { ...queue, totalCount: queue.totalCount + 1, edges } };
}

function fieldsNamed(cache: Cache, name: string) {
  return cache.inspectFields("Query").filter((field) => field.fieldName === name);
}

/** myQueueEvents: every loaded page of the queue gains or loses the ticket, in place; a page the
 * cache cannot rewrite is read again. */
export const myQueueEvents: UpdateResolver = (result, _args, cache) => {
  const move = result.myQueueEvents as ListChange | null;
  if (!move) return;
  for (const field of fieldsNamed(cache, "myQueue")) {
    const { first, after } = field.arguments ?? {};
    let moved = false;
    if (move.change !== "ENTERED" || move.ticket) {
      cache.updateQuery({ query: MyQueueQuery, variables: { first: first as number | undefined, after: after as string | undefined } },
        (data) => {
          if (!data) return data;
          moved = true;
          return moveInQueue(data as unknown as QueueData, move) as unknown as typeof data;
        });
    }
    if (!moved) cache.invalidate("Query", field.fieldName, field.arguments);
  }
};

/** A list without a ticket: the row goes, the count goes down (if the ticket was there). */
export function withoutTicket<C extends { totalCount: number; edges: { node: { id: string } }[] }>(list: C, ticketId: string): C {
  const edges = list.edges.filter((edge) => edge.node.id !== ticketId);
  if (edges.length === list.edges.length) return list;
  return { ...list, totalCount: Math.max(0, list.totalCount - 1), edges };
}

/** ticketsChanged: a ticket no longer visible leaves every list at once; otherwise a list gaining or
 * losing a ticket is read again (its filter, search and order are the server's to apply). An update
 * needs nothing more: the ticket it carries refreshes its row wherever it is shown. */
export const ticketsChanged: UpdateResolver = (result, _args, cache) => {
  const move = result.ticketsChanged as ListChange | null;
  if (!move || move.change === "UPDATED") return;
  for (const field of fieldsNamed(cache, "tickets")) {
    let removed = false;
    if (move.change === "LEFT" && !move.ticket) {
      cache.updateQuery({ query: TicketsQuery, variables: field.arguments as TicketsQueryVariables }, (data) => {
        if (!data) return data;
        removed = true;
        return { ...data, tickets: withoutTicket(data.tickets, move.ticketId) };
      });
    }
    if (!removed) cache.invalidate("Query", field.fieldName, field.arguments);
  }
};

/** notificationReceived: one more unread notification on the bell, without asking the server. */
export const notificationReceived: UpdateResolver = (result, _args, cache) => {
  if (!result.notificationReceived) return;
  for (const field of fieldsNamed(cache, "notifications")) {
    const args = field.arguments ?? {};
    if (Object.keys(args).some((name) => name !== "first")) continue;
    cache.updateQuery({ query: UnreadCountQuery, variables: { first: args.first as number | undefined } },
      (data) => (data ? { ...data, notifications: { ...data.notifications, unreadCount: data.notifications.unreadCount + 1 } } : data));
  }
};

/** ticketMirrorChanged: the mirror as the server reads it now replaces the one in its ticket's entry
 * (a mirror has no id of its own: it lives inside its ticket), so a page showing the ticket shows
 * the new state, without asking the server. */
export const ticketMirrorChanged: UpdateResolver = (result, args, cache) => {
  const mirror = result.ticketMirrorChanged as TicketMirrorOfTicketFragment["mirror"];
  const ticketId = args.ticketId as string | undefined;
  if (!mirror || !ticketId) return;
  const ticket = { __typename: "Ticket", id: ticketId, mirror: { ...mirror, __typename: "TicketMirror" } };
  cache.writeFragment(TicketMirrorFields, ticket as TicketMirrorOfTicketFragment);
};

export const liveUpdates = { myQueueEvents, ticketsChanged, ticketMirrorChanged, notificationReceived };
