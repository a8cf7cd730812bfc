// Routes: sign-in pages for everyone, the console for a signed-in session.
import { Suspense, lazy, useEffect, useMemo, useState } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { Provider } from "urql";
import { session } from "./auth/session";
import { loadConsoleConfig, type ConsoleConfig } from "./auth/config";
import { SignInPage, DemoSignInPage, CallbackPage, SilentRenewPage } from "./auth/SignInPages";
import { makeClient } from "./graphql/client";
import { Shell } from "./components/Shell";
import { CataloguePage } from "./pages/CataloguePage";
import { TicketsPage } from "./pages/TicketsPage";
import { TicketPage } from "./pages/TicketPage";
import { QueuePage } from "./pages/QueuePage";
import { ApprovalsPage } from "./pages/ApprovalsPage";
import { HomeRedirect } from "./pages/HomeRedirect";
import { Busy } from "./components/Busy";

// The request form (JSON Schema forms and their validator) and admin pages load when first opened.
const RequestPage = lazy(() => import("./pages/RequestPage").then((m) => ({ default: m.RequestPage })));
const ApiTokensPage = lazy(() => import("./admin/ApiTokensPage").then((m) => ({ default: m.ApiTokensPage })));
const ExpertsPage = lazy(() => import("./admin/ExpertsPage").then((m) => ({ default: m.ExpertsPage })));
const UsersPage = lazy(() => import("./admin/UsersPage").then((m) => ({ default: m.UsersPage })));
const AuditPage = lazy(() => import("./admin/AuditPage").then((m) => ({ default: m.AuditPage })));
const MirrorsPage = lazy(() => import("./admin/MirrorsPage").then((m) => ({ default: m.MirrorsPage })));
const CatalogueAdminPage = lazy(() => import("./admin/CatalogueAdminPage").then((m) => ({ default: m.CatalogueAdminPage })));
const FulfilmentPage = lazy(() => import("./admin/FulfilmentPage").then((m) => ({ default: m.FulfilmentPage })));
// The dashboard's charts (recharts) load with it, not with the first page.
const DashboardPage = lazy(() => import("./dashboard/DashboardPage").then((m) => ({ default: m.DashboardPage })));

function useSessionToken(): { token: string | null; ready: boolean } {
  const [state, setState] = useState<{ token: string | null; ready: boolean }>({ token: null, ready: false });
  useEffect(() => {
    const stop = session.subscribe((token) => setState({ token, ready: true }));
    void session.restore().then((token) => setState({ token, ready: true }));
    return () => {
      stop();
    };
  }, []);
  return state;
}

export function App() {
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const { token, ready } = useSessionToken();
  const location = useLocation();
  const signedIn = token !== null;
  // A new client per sign-in: one person's cache never shows to the next.
  const client = useMemo(() => (signedIn ? makeClient() : null), [signedIn]);

  useEffect(() => {
    void loadConsoleConfig().then(setConfig, () => setConfig({ realms: [], demoSignIn: false, production: true }));
  }, []);

  if (location.pathname === "/auth/silent") return <SilentRenewPage />;
  if (!config || !ready) {
    return <Busy page />;
  }
  if (!client) {
    return (
      <Routes>
        <Route path="/auth/callback" element={<CallbackPage />} />
        <Route path="/sign-in/demo" element={config.demoSignIn ? <DemoSignInPage /> : <Navigate to="/sign-in" />} />
        <Route path="/sign-in" element={<SignInPage config={config} />} />
        <Route path="*" element={<Navigate to="/sign-in" state={{ from: location.pathname }} replace />} />
      </Routes>
    );
  }
  return (
    <Provider value={client}>
      <Suspense fallback={<Busy />}>
      <Routes>
        <Route element={<Shell />}>
          <Route index element={<HomeRedirect />} />
          <Route path="catalogue" element={<CataloguePage />} />
          <Route path="catalogue/:subServiceId" element={<RequestPage />} />
          <Route path="tickets" element={<TicketsPage />} />
          <Route path="tickets/:ref" element={<TicketPage />} />
          <Route path="queue" element={<QueuePage />} />
          <Route path="approvals" element={<ApprovalsPage />} />
          <Route path="dashboard" element={<DashboardPage />} />
          <Route path="admin/catalogue" element={<CatalogueAdminPage />} />
          <Route path="admin/fulfilment" element={<FulfilmentPage />} />
          <Route path="admin/mirrors" element={<MirrorsPage />} />
          <Route path="admin/tokens" element={<ApiTokensPage />} />
          <Route path="admin/experts" element={<ExpertsPage />} />
          <Route path="admin/users" element={<UsersPage />} />
          <Route path="admin/audit" element={<AuditPage />} />
          <Route path="*" element={<HomeRedirect />} />
        </Route>
      </Routes>
      </Suspense>
    </Provider>
  );
}
