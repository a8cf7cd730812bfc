// Check a school's desk (checkDesk): the server reaches it with its credentials and says what works
// and what is wrong; shown as the outcome, what it means (in the reader's language) and the desk's
// own words. A refusal of the check itself (not a group admin, say) shows as the server's message.
import { useState } from "react";
import { useMutation } from "urql";
import { useTranslation } from "react-i18next";
import { Badge, Button, Code, Stack, Text } from "@mantine/core";
import { CheckDesk } from "../graphql/admin";
import type { CheckDeskMutation } from "../gql/graphql";

type Payload = CheckDeskMutation["checkDesk"];
type Shown = { checked: Extract<Payload, { __typename: "DeskChecked" }> } | { refused: string };

const COLOURS: Record<string, string> = { OK: "green", PROBLEMS: "orange", NOT_CONFIGURED: "gray" };

export function DeskCheck({ school }: { school: { id: string; name: string } }) {
  const { t } = useTranslation();
  const [{ fetching }, check] = useMutation(CheckDesk);
  const [shown, setShown] = useState<Shown | null>(null);

  async function run() {
    const r = await check({ tenantId: school.id });
    const payload = r.data?.checkDesk;
    if (payload?.__typename === "DeskChecked") setShown({ checked: payload });
    else setShown({ refused: payload?.message ?? r.error?.message ?? "?" });
  }

  const id = `desk-check-${school.id}`;
  return (
    <Stack gap={4} align="flex-start">
      <Button size="xs" variant="light" loading={fetching} aria-label={`${t("desks.check")} ${school.name}`}
        onClick={() => void run()}>
        {t("desks.check")}
      </Button>
      <div role="status" aria-label={t("desks.checkOf", { school: school.name })} id={id}>
        {shown && "refused" in shown && <Text size="sm" c="red.9">{shown.refused}</Text>}
        {shown && "checked" in shown && (
          <Stack gap={2}>
            <Badge variant="light" c="dark" color={COLOURS[shown.checked.outcome] ?? "red"}>
              {t(`desks.outcomes.${shown.checked.outcome}`)}
            </Badge>
            <Text size="sm">{shown.checked.message}</Text>
            <Text size="xs" c="dimmed" component="div">
              {t("desks.deskSaid")} <Code>{shown.checked.detail}</Code>
            </Text>
          </Stack>
        )}
      </div>
    </Stack>
  );
}
