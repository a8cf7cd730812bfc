// The signed-in frame: header (bell, language, person, sign-out), navigation by role, content.
import { Outlet, NavLink as RouterLink, useLocation } from "react-router";
import { useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Alert, AppShell, Button, Center, Group, NavLink, Text, Title } from "@mantine/core";
import { ViewerQuery } from "../graphql/operations";
import { session } from "../auth/session";
import { ViewerContext, type ViewerInfo } from "./viewer";
import { LanguageSwitch } from "./LanguageSwitch";
import { NotificationBell } from "./NotificationBell";
import { Busy } from "./Busy";

type Link = { to: string; label: string; roles?: string[] };

export function Shell() {
  const { t } = useTranslation();
  const location = useLocation();
  const [{ data, error, fetching }] = useQuery({ query: ViewerQuery });
  if (fetching && !data) {
    return (
      <Busy page />
    );
  }
  if (error || !data) {
    return (
      <Center h="100vh" component="main">
        <Alert color="red" title={t("app.error", { message: error?.message ?? "?" })}>
          <Button onClick={() => void session.signOut()}>{t("nav.signOut")}</Button>
        </Alert>
      </Center>
    );
  }
  const viewer: ViewerInfo = data.viewer;
  const links: Link[] = [
    { to: "/catalogue", label: t("nav.catalogue"), roles: ["SCHOOL_AGENT", "SCHOOL_MANAGER", "OPERATIONS", "GROUP_ADMIN"] },
    { to: "/tickets", label: viewer.tenant.kind === "SCHOOL" ? t("nav.tickets") : t("nav.allTickets") },
    { to: "/queue", label: t("nav.queue"), roles: ["EXPERT"] },
    { to: "/approvals", label: t("nav.approvals"), roles: ["SCHOOL_MANAGER", "GROUP_ADMIN"] },
    { to: "/dashboard", label: t("nav.dashboard"), roles: ["GROUP_ADMIN", "SCHOOL_MANAGER", "EXPERT"] },
    { to: "/admin/catalogue", label: t("nav.catalogueAdmin"), roles: ["GROUP_ADMIN"] },
    { to: "/admin/mirrors", label: t("nav.mirrors"), roles: ["GROUP_ADMIN"] },
    { to: "/admin/experts", label: t("nav.experts"), roles: ["GROUP_ADMIN"] },
    { to: "/admin/tokens", label: t("nav.tokens"), roles: ["GROUP_ADMIN"] },
    { to: "/admin/users", label: t("nav.users"), roles: ["GROUP_ADMIN", "SCHOOL_MANAGER"] },
    { to: "/admin/audit", label: t("nav.audit"), roles: ["GROUP_ADMIN"] },
    { to: "/admin/fulfilment", label: t("nav.fulfilment"), roles: ["GROUP_ADMIN"] },
  ];
  const shown = links.filter((link) => !link.roles || link.roles.some((r) => viewer.roles.includes(r)));
  return (
    <ViewerContext.Provider value={viewer}>
      <a className="skip-link" href="#main">{t("app.skip")}</a>
      <AppShell header={{ height: 60 }} navbar={{ width: 230, breakpoint: "sm" }} padding="md">
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between">
            <Title order={2} size="h3">{t("app.name")}</Title>
            <Group>
              <NotificationBell />
              <LanguageSwitch />
              <Text size="sm" data-testid="viewer">
                {viewer.user.displayName} · {viewer.tenant.name}
              </Text>
              <Button variant="default" size="xs" onClick={() => void session.signOut()}>
                {t("nav.signOut")}
              </Button>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" component="nav" aria-label={t("nav.main")}>
          {shown.map((link) => (
            <NavLink
              key={link.to}
              component={RouterLink}
              to={link.to}
              label={link.label}
              active={location.pathname.startsWith(link.to)}
              variant="filled"
            />
          ))}
        </AppShell.Navbar>
        <AppShell.Main id="main" tabIndex={-1}>
          <Outlet />
        </AppShell.Main>
      </AppShell>
    </ViewerContext.Provider>
  );
}
