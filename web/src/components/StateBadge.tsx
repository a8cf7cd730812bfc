// A ticket's state or priority, in words and colour (the words alone carry the meaning).
import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";

const STATE_COLOURS: Record<string, string> = {
  NEW: "blue", WAITING_FOR_APPROVAL: "grape", APPROVED: "teal", REJECTED: "red", ASSIGNED: "indigo",
  IN_PROGRESS: "cyan", PENDING: "orange", RESOLVED: "green", CLOSED: "gray",
};
// A state is read whole: never cut to "EN ATTE…".
const WHOLE = { root: { maxWidth: "none", flexShrink: 0 }, label: { overflow: "visible" } };
const PRIORITY_COLOURS: Record<string, string> = { LOW: "gray", NORMAL: "blue", HIGH: "orange", CRITICAL: "red" };

export function StateBadge({ state }: { state: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATE_COLOURS[state] ?? "gray"} variant="light" c="dark" data-state={state} styles={WHOLE}>
      {t(`states.${state}`, state)}
    </Badge>
  );
}

export function PriorityBadge({ priority }: { priority: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={PRIORITY_COLOURS[priority] ?? "gray"} variant="outline" c="dark" styles={WHOLE}>
      {t(`priorities.${priority}`, priority)}
    </Badge>
  );
}
