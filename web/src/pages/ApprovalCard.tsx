// What approving a ticket takes: who approves, the cost, how many approvals, the decisions so far.
import { useTranslation } from "react-i18next";
import { Card, List, Text, Title } from "@mantine/core";

export type Approval = {
  approvers: string;
  costField?: string | null;
  cost?: number | null;
  secondApprovalAbove?: number | null;
  approvalsNeeded: number;
  decisions: { decision: string; comment?: string | null; createdAt: string; approver: { displayName: string } }[];
};

export function ApprovalCard({ approval }: { approval: Approval }) {
  const { t, i18n } = useTranslation();
  const money = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 2 });
  return (
    <Card withBorder component="section" aria-labelledby="approval-heading">
      <Title order={2} size="h4" id="approval-heading">{t("approval.title")}</Title>
      <Text size="sm">{t("approval.approvers", { who: t(`approval.${approval.approvers}`) })}</Text>
      {approval.cost != null && (
        <Text size="sm" fw={600}>{t("approval.cost", { cost: money.format(approval.cost), field: approval.costField ?? "" })}</Text>
      )}
      <Text size="sm">{t("approval.needed", { count: approval.approvalsNeeded })}</Text>
      {approval.decisions.length > 0 && (
        <List size="sm">
          {approval.decisions.map((d) => (
            <List.Item key={`${d.approver.displayName}-${d.createdAt}`}>
              {d.decision} · {d.approver.displayName}{d.comment ? ` : ${d.comment}` : ""}
            </List.Item>
          ))}
        </List>
      )}
    </Card>
  );
}
