// The signed-in session: an OIDC user (authorization code + PKCE, silently renewed by
// oidc-client-ts) or, in development, a demo token from the development issuer. Kept in
// sessionStorage: a tab's sign-in ends with the tab.
import { UserManager, WebStorageStateStore } from "oidc-client-ts";
import type { RealmConfig } from "./config";

const KEY = "groupdesk.session";

type Stored =
  | { kind: "demo"; token: string; expiresAt: number }
  | { kind: "oidc"; realm: RealmConfig };

export function userManager(realm: RealmConfig): UserManager {
  const origin = window.location.origin;
  return new UserManager({
    authority: realm.authority,
    client_id: realm.clientId,
    redirect_uri: `${origin}/auth/callback`,
    post_logout_redirect_uri: `${origin}/`,
    silent_redirect_uri: `${origin}/auth/silent`,
    response_type: "code",
    scope: "openid profile email",
    automaticSilentRenew: true,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

type Listener = (token: string | null) => void;

class Session {
  private stored: Stored | null = null;
  private manager: UserManager | null = null;
  private oidcToken: string | null = null;
  private listeners = new Set<Listener>();
  private completing: Promise<void> | null = null;

  constructor() {
    try {
      const raw = window.sessionStorage.getItem(KEY);
      this.stored = raw ? (JSON.parse(raw) as Stored) : null;
    } catch {
      this.stored = null;
    }
  }

  /** Restores an OIDC session after a reload; resolves to the token, or null when signed out. */
  async restore(): Promise<string | null> {
    if (this.stored?.kind === "oidc") {
      this.attach(this.stored.realm);
      const user = await this.manager!.getUser();
      this.oidcToken = user && !user.expired ? user.access_token : null;
      // On the callback the user arrives only once the code is traded: the sign-in is under way.
      if (!this.oidcToken && window.location.pathname !== "/auth/callback") this.clear();
    }
    return this.token();
  }

  token(): string | null {
    if (!this.stored) return null;
    if (this.stored.kind === "demo") {
      return this.stored.expiresAt > Date.now() ? this.stored.token : null;
    }
    return this.oidcToken;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  useDemoToken(token: string, expiresIn: number): void {
    this.save({ kind: "demo", token, expiresAt: Date.now() + expiresIn * 1000 });
  }

  async signInWith(realm: RealmConfig): Promise<void> {
    this.save({ kind: "oidc", realm });
    this.attach(realm);
    await this.manager!.signinRedirect();
  }

  /** Completes the authorization code flow on /auth/callback (once, however often it is asked). */
  completeSignIn(): Promise<void> {
    this.completing ??= (async () => {
      if (this.stored?.kind !== "oidc") throw new Error("no sign-in in progress");
      this.attach(this.stored.realm);
      const user = await this.manager!.signinRedirectCallback();
      this.oidcToken = user.access_token;
      this.emit();
    })();
    return this.completing;
  }

  async signOut(): Promise<void> {
    const manager = this.manager;
    this.clear();
    if (manager) await manager.signoutRedirect();
  }

  private attach(realm: RealmConfig): void {
    if (this.manager) return;
    this.manager = userManager(realm);
    // Silent renewal replaces the access token; the GraphQL client reads the new one.
    this.manager.events.addUserLoaded((user) => {
      this.oidcToken = user.access_token;
      this.emit();
    });
    this.manager.events.addSilentRenewError(() => this.clear());
  }

  private save(stored: Stored): void {
    this.stored = stored;
    window.sessionStorage.setItem(KEY, JSON.stringify(stored));
    this.emit();
  }

  private clear(): void {
    this.stored = null;
    this.oidcToken = null;
    this.manager = null;
    window.sessionStorage.removeItem(KEY);
    this.emit();
  }

  private emit(): void {
    const token = this.token();
    this.listeners.forEach((listener) => listener(token));
  }
}

export const session = new Session();
