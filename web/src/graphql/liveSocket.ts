// The live updates' WebSocket and the session's token. The server reads the token once, in the
// connection_init payload ({"Authorization": "Bearer <token>"}), and closes the socket when it
// expires: when the session renews its token, the open socket is closed with a code graphql-ws
// retries on, so that it reconnects at once presenting the new one. A reconnection may have missed
// events: whoever shows live data hears of it (`onResumed`) and reads it again.

/** Closed by the console itself to present a renewed token (4000-4999: the application's codes;
 * not one of those graphql-ws gives up on). */
export const TOKEN_RENEWED = 4205;

type TokenSource = { subscribe(listener: (token: string | null) => void): () => void };

export class LiveSocket {
  private socket: WebSocket | null = null;
  private presented: string | null = null;
  private resumed = new Set<() => void>();
  private stopFollowing: (() => void) | null = null;

  /** The connection_init payload for the token the session holds now. */
  params(token: string | null): Record<string, string> {
    this.presented = token;
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  connected(socket: WebSocket, wasRetry: boolean): void {
    this.socket = socket;
    if (wasRetry) this.resumed.forEach((listener) => listener());
  }

  closed(): void {
    this.socket = null;
  }

  /** A new token from the session: reopen the socket if it was opened with another. */
  tokenChanged(token: string | null): void {
    const socket = this.socket;
    if (!token || token === this.presented || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.close(TOKEN_RENEWED, "token renewed");
  }

  /** Follows one session's tokens (the latest call wins: one client per sign-in). */
  follow(source: TokenSource): void {
    this.stopFollowing?.();
    this.stopFollowing = source.subscribe((token) => this.tokenChanged(token));
  }

  /** Called after each reconnection; returns how to stop. */
  onResumed(listener: () => void): () => void {
    this.resumed.add(listener);
    return () => this.resumed.delete(listener);
  }
}

export const liveSocket = new LiveSocket();
