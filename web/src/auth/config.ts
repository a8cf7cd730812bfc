// What groupdesk tells the console before sign-in: the realms to log in with, demo sign-in or not.
export type RealmConfig = { realm: string; authority: string; clientId: string };
export type ConsoleConfig = { realms: RealmConfig[]; demoSignIn: boolean; production: boolean };

export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  const response = await fetch("/console/config.json", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`console configuration: HTTP ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}

export type DemoUser = {
  username: string;
  displayName: string;
  roles: string[];
  tenant: string;
  tenantSlug: string;
};

export async function loadDemoUsers(): Promise<DemoUser[]> {
  const response = await fetch("/dev/demo-users");
  if (!response.ok) throw new Error(`demo users: HTTP ${response.status}`);
  return ((await response.json()) as { users: DemoUser[] }).users;
}

export async function demoToken(username: string): Promise<{ accessToken: string; expiresIn: number }> {
  const response = await fetch("/dev/demo-token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username }),
  });
  if (!response.ok) throw new Error(`demo sign-in: HTTP ${response.status}`);
  return (await response.json()) as { accessToken: string; expiresIn: number };
}
