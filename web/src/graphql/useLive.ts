// A page's live subscription: each event goes to `onEvent` (after Graphcache's updaters ran);
// `onResync` reads again what the page shows whenever events may have been lost, then the
// subscription goes on:
// - the server says RESYNC_NEEDED (the subscriber fell behind; the subscription ended);
// - the socket reconnected (events passed while it was closed);
// - the socket was refused or closed for good (an expired or revoked token): the subscription starts
//   again when the session has a new token.
import { useEffect, useRef, useState } from "react";
import { useClient, type AnyVariables, type CombinedError, type TypedDocumentNode } from "urql";
import { session } from "../auth/session";
import { liveSocket } from "./liveSocket";

export const RESYNC_NEEDED = "RESYNC_NEEDED";

export function needsResync(error: CombinedError): boolean {
  return error.graphQLErrors.some((e) => e.extensions?.code === RESYNC_NEEDED);
}

type Handlers<Data> = {
  onEvent?: (data: Data) => void;
  onResync: () => void;
};

export function useLive<Data, Variables extends AnyVariables>(
  query: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  handlers: Handlers<Data>,
): void {
  const client = useClient();
  const latest = useRef(handlers);
  latest.current = handlers;
  // Bumped to subscribe again once a subscription ended.
  const [round, setRound] = useState(0);
  const key = JSON.stringify(variables);

  useEffect(() => {
    let stopWaiting: (() => void) | null = null;
    const again = () => {
      latest.current.onResync();
      setRound((r) => r + 1);
    };
    const { unsubscribe } = client.subscription(query, JSON.parse(key) as Variables).subscribe((result) => {
      if (result.error) {
        if (needsResync(result.error)) {
          again();
        } else if (!stopWaiting) {
          stopWaiting = session.subscribe((token) => {
            if (token) again();
          });
        }
        return;
      }
      if (result.data) latest.current.onEvent?.(result.data);
    });
    const stopResumed = liveSocket.onResumed(() => latest.current.onResync());
    return () => {
      unsubscribe();
      stopResumed();
      stopWaiting?.();
    };
  }, [client, query, key, round]);
}
