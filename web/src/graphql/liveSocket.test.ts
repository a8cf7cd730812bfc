import { LiveSocket, TOKEN_RENEWED } from "./liveSocket";

function socket(readyState: number) {
  return { readyState, close: vi.fn() } as unknown as WebSocket & { close: ReturnType<typeof vi.fn> };
}

test("a renewed token reopens the socket opened with the previous one, and only that", () => {
  const live = new LiveSocket();
  expect(live.params("first")).toEqual({ Authorization: "Bearer first" });
  const open = socket(WebSocket.OPEN);
  live.connected(open, false);

  live.tokenChanged("first");
  live.tokenChanged(null);
  expect(open.close).not.toHaveBeenCalled();
  live.tokenChanged("second");
  expect(open.close).toHaveBeenCalledWith(TOKEN_RENEWED, "token renewed");

  // The reconnection presents the new token; a socket already closing is left alone.
  expect(live.params("second")).toEqual({ Authorization: "Bearer second" });
  const closing = socket(WebSocket.CLOSING);
  live.connected(closing, true);
  live.tokenChanged("third");
  expect(closing.close).not.toHaveBeenCalled();
  live.closed();
  live.tokenChanged("fourth");
  expect(live.params(null)).toEqual({});
});

test("those following live data hear of each reconnection, not of the first connection", () => {
  const live = new LiveSocket();
  const heard = vi.fn();
  const stop = live.onResumed(heard);
  live.connected(socket(WebSocket.OPEN), false);
  expect(heard).not.toHaveBeenCalled();
  live.connected(socket(WebSocket.OPEN), true);
  expect(heard).toHaveBeenCalledOnce();
  stop();
  live.connected(socket(WebSocket.OPEN), true);
  expect(heard).toHaveBeenCalledOnce();
});

test("it follows the latest session's tokens only", () => {
  const live = new LiveSocket();
  const listeners: ((token: string | null) => void)[] = [];
  const stopped: number[] = [];
  const source = (n: number) => ({
    subscribe(listener: (token: string | null) => void) {
      listeners[n] = listener;
      return () => stopped.push(n);
    },
  });
  live.follow(source(0));
  live.follow(source(1));
  expect(stopped).toEqual([0]);
  live.params("a");
  const open = socket(WebSocket.OPEN);
  live.connected(open, false);
  listeners[1]("b");
  expect(open.close).toHaveBeenCalledOnce();
});
