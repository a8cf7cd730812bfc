// One SLA compliance figure: the share of tickets within their target, met out of measured.
import { useTranslation } from "react-i18next";
import { RingProgress, Stack, Text } from "@mantine/core";
import { percent, type Compliance } from "./figures";

export function ComplianceRing({ label, compliance, testId }: { label: string; compliance: Compliance; testId: string }) {
  const { t, i18n } = useTranslation();
  const rate = percent(compliance);
  const shown = rate == null ? "—" : `${new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 }).format(rate)} %`;
  return (
    <Stack align="center" gap={4}>
      <RingProgress size={140} thickness={14} roundCaps
        sections={rate == null ? [] : [{ value: rate, color: rate >= 90 ? "teal.8" : rate >= 70 ? "yellow.8" : "red.8" }]}
        label={<Text ta="center" fw={700} data-testid={testId}>{shown}</Text>} />
      <Text fw={600}>{label}</Text>
      <Text size="sm" c="dimmed">{t("dashboard.metOf", { met: compliance.met, total: compliance.total })}</Text>
    </Stack>
  );
}
