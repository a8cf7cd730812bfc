// A page's live subscription: events reach the page; a lost stretch (RESYNC_NEEDED, a reconnection,
// a socket closed for good) makes it read its data again and subscribe again.
import type { ReactNode } from "react";
import { act, renderHook } from "@testing-library/react";
import { Client, CombinedError, Provider, makeErrorResult, makeResult, type Exchange, type Operation, type OperationResult } from "urql";
import { filter, makeSubject, mergeMap, pipe, type Subject } from "wonka";
import { GraphQLError } from "graphql";
import { session } from "../auth/session";
import { NotificationReceivedSubscription } from "./operations";
import { liveSocket } from "./liveSocket";
import { needsResync, useLive } from "./useLive";

/** A client whose server opens a stream per subscription operation (kept in `opened`). */
function subscriptions() {
  const opened: { operation: Operation; events: Subject<OperationResult> }[] = [];
  const server: Exchange = () => (operations$) =>
    pipe(
      operations$,
      filter((op: Operation) => op.kind === "subscription"),
      mergeMap((operation: Operation) => {
        const events = makeSubject<OperationResult>();
        opened.push({ operation, events });
        return events.source;
      }),
    );
  return { client: new Client({ url: "http://console.test/graphql", exchanges: [server] }), opened };
}

const signal = { __typename: "NotificationSignal", notificationId: "n1", kind: "ASSIGNED", ticketId: null, at: "2026-11-30T09:00:00Z" };

test("RESYNC_NEEDED is told apart from other errors", () => {
  expect(needsResync(new CombinedError({ graphQLErrors: [new GraphQLError("behind", { extensions: { code: "RESYNC_NEEDED" } })] }))).toBe(true);
  expect(needsResync(new CombinedError({ graphQLErrors: [new GraphQLError("no", { extensions: { code: "BAD_INPUT" } })] }))).toBe(false);
  expect(needsResync(new CombinedError({ networkError: new Error("closed") }))).toBe(false);
});

test("events reach the page; RESYNC_NEEDED reads again and subscribes again; so does a reconnection", () => {
  const { client, opened } = subscriptions();
  const onEvent = vi.fn();
  const onResync = vi.fn();
  const wrapper = ({ children }: { children: ReactNode }) => <Provider value={client}>{children}</Provider>;
  const { unmount } = renderHook(() => useLive(NotificationReceivedSubscription, {}, { onEvent, onResync }), { wrapper });
  expect(opened).toHaveLength(1);

  act(() => opened[0].events.next(makeResult(opened[0].operation, { data: { notificationReceived: signal } })));
  expect(onEvent).toHaveBeenCalledWith({ notificationReceived: signal });
  expect(onResync).not.toHaveBeenCalled();

  // The server's one error, then the end of the subscription.
  act(() => {
    opened[0].events.next(makeResult(opened[0].operation, {
      errors: [{ message: "you fell behind", extensions: { code: "RESYNC_NEEDED" } }],
    }));
    opened[0].events.complete();
  });
  expect(onResync).toHaveBeenCalledTimes(1);
  expect(opened).toHaveLength(2);

  act(() => liveSocket.connected({ readyState: 1 } as WebSocket, true));
  expect(onResync).toHaveBeenCalledTimes(2);
  expect(opened).toHaveLength(2);

  unmount();
  act(() => liveSocket.connected({ readyState: 1 } as WebSocket, true));
  expect(onResync).toHaveBeenCalledTimes(2);
});

test("a socket closed for good waits for the session's next token, then reads again and subscribes", () => {
  const { client, opened } = subscriptions();
  const onResync = vi.fn();
  const wrapper = ({ children }: { children: ReactNode }) => <Provider value={client}>{children}</Provider>;
  renderHook(() => useLive(NotificationReceivedSubscription, {}, { onResync }), { wrapper });
  act(() => {
    opened[0].events.next(makeErrorResult(opened[0].operation, new Error("token expired: reconnect with a fresh token")));
    opened[0].events.complete();
  });
  expect(onResync).not.toHaveBeenCalled();
  expect(opened).toHaveLength(1);
  act(() => session.useDemoToken("fresh-token", 300));
  expect(onResync).toHaveBeenCalledTimes(1);
  expect(opened).toHaveLength(2);
});
