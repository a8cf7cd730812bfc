// The GraphQL client: urql with Graphcache (a normalised cache keyed by the API's global ids),
// HTTP for queries and mutations, graphql-ws (graphql-transport-ws) for subscriptions. Both carry
// the session's current token: HTTP from the next request on; the WebSocket, which authenticates
// once at connection_init and is closed by the server when that token expires, is reopened with
// the renewed token as soon as the session has one (its subscriptions resume on the new socket,
// and the pages read again what they show, since events may have passed in between).
import { Client, fetchExchange, subscriptionExchange, type Exchange } from "urql";
import { cacheExchange } from "@urql/exchange-graphcache";
import { createClient as createWsClient } from "graphql-ws";
import schema from "../gql/introspection";
import { session } from "../auth/session";
import { liveUpdates } from "./liveUpdates";
import { liveSocket } from "./liveSocket";

// Types without an id live inside their parent's entry: read from the schema, so a type added
// to the API without an id is embedded too instead of warned about.
const embedded = () => null;
const rootTypes = new Set(["Query", "Mutation", "Subscription"]);
const keys = Object.fromEntries(
  schema.__schema.types
    .filter(
      (type) =>
        type.kind === "OBJECT" &&
        !type.name.startsWith("__") &&
        !rootTypes.has(type.name) &&
        !("fields" in type && type.fields?.some((field) => field.name === "id")),
    )
    .map((type) => [type.name, embedded]),
);

/** The normalised cache and what mutations and live updates do to it. */
export function makeCacheExchange(): Exchange {
  return cacheExchange({
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
      Subscription: liveUpdates,
    },
  });
}

export function makeClient(): Client {
  const ws = createWsClient({
    url: `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/graphql`,
    // Read at every (re)connection: a reconnection presents the session's current token.
    connectionParams: () => liveSocket.params(session.token()),
    lazy: true,
    retryAttempts: 20,
    on: {
      connected: (socket, _payload, wasRetry) => liveSocket.connected(socket as WebSocket, wasRetry),
      closed: () => liveSocket.closed(),
    },
  });
  liveSocket.follow(session);
  return new Client({
    url: "/graphql",
    fetchOptions: () => {
      const token = session.token();
      const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
      return { headers };
    },
    exchanges: [
      makeCacheExchange(),
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
