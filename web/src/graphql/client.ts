// The GraphQL client: urql with Graphcache (a normalised cache keyed by the API's global ids),
// HTTP for queries and mutations, graphql-ws (graphql-transport-ws) for subscriptions. Both carry
// the session's current token, so a silently renewed token is used from the next request on.
import { Client, fetchExchange, subscriptionExchange } from "urql";
import { cacheExchange } from "@urql/exchange-graphcache";
import { createClient as createWsClient } from "graphql-ws";
import schema from "../gql/introspection";
import { session } from "../auth/session";

// Types without an id live inside their parent's entry.
const embedded = () => null;
const keys = Object.fromEntries(
  [
    "Viewer", "TicketMirror", "PageInfo", "TicketConnection", "TicketEdge", "TicketCommentConnection",
    "TicketCommentEdge", "TicketEventConnection", "TicketEventEdge", "NotificationConnection",
    "NotificationEdge", "MirrorConnection", "MirrorEdge", "NotificationPreferences", "NotificationsMarked",
    "CommentAdded", "FieldProblem", "ValidationFailed", "Conflict", "NotFound", "PermissionDenied",
    "ActionNotAllowed", "Heartbeat", "DeskSettings", "CreatedApiToken", "ApiTokenRevoked",
    "MirrorRetried", "DeskConfigured", "DeskActionDone", "ExpertRevoked",
  ].map((name) => [name, embedded]),
);

export function makeClient(): Client {
  const ws = createWsClient({
    url: `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/graphql`,
    connectionParams: () => {
      const token = session.token();
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
    lazy: true,
    retryAttempts: 20,
  });
  return new Client({
    url: "/graphql",
    fetchOptions: () => {
      const token = session.token();
      const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
      return { headers };
    },
    exchanges: [
      cacheExchange({
        schema,
        keys,
        updates: {
          Mutation: {
            // A new ticket belongs in lists the cache cannot place it in: ask the server again.
            openTicket(_result, _args, cache) {
              cache.invalidate("Query", "tickets");
              cache.invalidate("Query", "myQueue");
            },
            markNotificationsRead(_result, _args, cache) {
              cache.invalidate("Query", "notifications");
            },
          },
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || "" };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}
