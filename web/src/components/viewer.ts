// The signed-in person, read once by the shell and shared with the pages.
import { createContext, useContext } from "react";

export type ViewerInfo = {
  roles: string[];
  user: { id: string; username: string; displayName: string };
  tenant: { id: string; slug: string; name: string; kind: string };
};

export const ViewerContext = createContext<ViewerInfo | null>(null);

export function useViewer(): ViewerInfo {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error("useViewer outside the signed-in shell");
  return viewer;
}

export function hasRole(viewer: ViewerInfo, ...roles: string[]): boolean {
  return viewer.roles.some((role) => roles.includes(role));
}
