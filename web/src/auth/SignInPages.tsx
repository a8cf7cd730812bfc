// Sign-in: OIDC (authorization code + PKCE) per configured realm; in development, demo users.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { Alert, Badge, Button, Card, Container, Group, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { UserManager } from "oidc-client-ts";
import { session } from "./session";
import { demoToken, loadDemoUsers, type ConsoleConfig, type DemoUser } from "./config";
import { LanguageSwitch } from "../components/LanguageSwitch";

export function SignInPage({ config }: { config: ConsoleConfig }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Container size="xs" py="xl" component="main">
      <Stack>
        <Group justify="space-between">
          <Title order={1}>{t("signIn.title")}</Title>
          <LanguageSwitch />
        </Group>
        {config.realms.map((realm) => (
          <Button key={realm.realm} size="md" onClick={() => void session.signInWith(realm)}>
            {t("signIn.with", { realm: realm.realm })}
          </Button>
        ))}
        {config.demoSignIn && (
          <Button size="md" variant="outline" onClick={() => navigate("/sign-in/demo")}>
            {t("signIn.demo")}
          </Button>
        )}
        {!config.realms.length && !config.demoSignIn && <Alert color="red">{t("signIn.none")}</Alert>}
      </Stack>
    </Container>
  );
}

export function DemoSignInPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [users, setUsers] = useState<DemoUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  useEffect(() => {
    loadDemoUsers().then(setUsers, (e: Error) => setError(e.message));
  }, []);

  async function signInAs(user: DemoUser) {
    try {
      const { accessToken, expiresIn } = await demoToken(user.username);
      session.useDemoToken(accessToken, expiresIn);
      navigate("/");
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const needle = filter.trim().toLowerCase();
  const shown = (users ?? []).filter((u) =>
    !needle || [u.displayName, u.username, u.tenant, ...u.roles].some((s) => s.toLowerCase().includes(needle)));
  return (
    <Container size="lg" py="xl" component="main">
      <Stack>
        <Group justify="space-between">
          <Title order={1}>{t("signIn.demoTitle")}</Title>
          <LanguageSwitch />
        </Group>
        <Text>{t("signIn.demoHelp")}</Text>
        {error && <Alert color="red">{t("app.error", { message: error })}</Alert>}
        <TextInput label={t("signIn.filter")} value={filter} onChange={(e) => setFilter(e.currentTarget.value)} />
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
          {shown.map((user) => (
            <Card key={user.username} withBorder component="section" aria-label={user.displayName}>
              <Text fw={700}>{user.displayName}</Text>
              <Text size="sm">{user.tenant}</Text>
              <Group gap={4} my="xs">
                {user.roles.map((role) => (
                  <Badge key={role} variant="light" color="dark">{t(`roles.${role}`, role)}</Badge>
                ))}
              </Group>
              <Button onClick={() => void signInAs(user)} aria-label={t("signIn.as", { name: user.displayName })}>
                {t("signIn.as", { name: user.displayName })}
              </Button>
            </Card>
          ))}
        </SimpleGrid>
      </Stack>
    </Container>
  );
}

export function CallbackPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    session.completeSignIn().then(() => navigate("/", { replace: true }), (e: Error) => setError(e.message));
  }, [navigate]);
  return (
    <Container py="xl" component="main">
      {error ? <Alert color="red">{t("app.error", { message: error })}</Alert> : <Text>{t("signIn.callback")}</Text>}
    </Container>
  );
}

/** The hidden frame of a silent renewal: hands the answer back to the page that opened it. */
export function SilentRenewPage() {
  useEffect(() => {
    void new UserManager({ authority: "", client_id: "", redirect_uri: "" }).signinSilentCallback();
  }, []);
  return null;
}
