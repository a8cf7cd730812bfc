// Where each person starts: experts on their queue, managers on approvals, others on the tickets.
import { Navigate } from "react-router";
import { hasRole, useViewer } from "../components/viewer";

export function HomeRedirect() {
  const viewer = useViewer();
  if (hasRole(viewer, "EXPERT") && !hasRole(viewer, "SCHOOL_AGENT")) return <Navigate to="/queue" replace />;
  if (hasRole(viewer, "SCHOOL_MANAGER") && !hasRole(viewer, "SCHOOL_AGENT")) return <Navigate to="/approvals" replace />;
  return <Navigate to="/tickets" replace />;
}
