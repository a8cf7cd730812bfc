// A sub-service's service level targets: time to take and to resolve per priority, in business
// minutes; each priority is saved on its own (setServiceLevelTarget), its refusals at its fields.
import { useState } from "react";
import { useMutation } from "urql";
import { useTranslation } from "react-i18next";
import { Button, Group, Modal, NumberInput, Stack, Table, Text } from "@mantine/core";
import { SetServiceLevelTarget } from "../graphql/admin";
import type { Priority } from "../gql/graphql";
import { errorAt, outcomeOf, unplacedError, type Outcome } from "./outcome";

const PRIORITIES: Priority[] = ["LOW", "NORMAL", "HIGH", "CRITICAL"];
type Target = { priority: Priority; takeMinutes?: number | null; resolveMinutes?: number | null };

/** A number input's value as the API's minutes: empty is "no target" (null). */
export function minutesOf(value: string | number): number | null {
  if (value === "" || value === null) return null;
  return typeof value === "number" ? value : Number(value);
}

function TargetRow({ subServiceId, target, onSaved }: { subServiceId: string; target: Target; onSaved: () => void }) {
  const { t } = useTranslation();
  const [, save] = useMutation(SetServiceLevelTarget);
  const [take, setTake] = useState<string | number>(target.takeMinutes ?? "");
  const [resolve, setResolve] = useState<string | number>(target.resolveMinutes ?? "");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [saved, setSaved] = useState(false);
  const label = t(`priorities.${target.priority}`);
  async function submit() {
    const r = await save({ input: { subServiceId, priority: target.priority, takeMinutes: minutesOf(take), resolveMinutes: minutesOf(resolve) } });
    const next = outcomeOf(r.data?.setServiceLevelTarget, ["ServiceLevelTarget"], r.error);
    setOutcome(next);
    setSaved(next.ok);
    if (next.ok) onSaved();
  }
  const rest = unplacedError(outcome, ["takeMinutes", "resolveMinutes"]);
  return (
    <Table.Tr>
      <Table.Th scope="row">{label}</Table.Th>
      <Table.Td>
        <NumberInput aria-label={`${t("targets.take")} ${label}`} min={0} allowDecimal={false} value={take}
          error={errorAt(outcome, "takeMinutes")} onChange={setTake} w={140} />
      </Table.Td>
      <Table.Td>
        <NumberInput aria-label={`${t("targets.resolve")} ${label}`} min={0} allowDecimal={false} value={resolve}
          error={errorAt(outcome, "resolveMinutes")} onChange={setResolve} w={140} />
      </Table.Td>
      <Table.Td>
        <Group gap="xs">
          <Button size="xs" onClick={() => void submit()} aria-label={`${t("targets.save")} ${label}`}>{t("targets.save")}</Button>
          {saved && <Text size="sm" role="status">{t("targets.saved")}</Text>}
          {rest && <Text size="sm" c="red.9" role="alert">{rest}</Text>}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

export function ServiceLevelTargets({ subServiceId, path, targets, onClose }: {
  subServiceId: string; path: string; targets: Target[]; onClose: (changed: boolean) => void;
}) {
  const { t } = useTranslation();
  const [changed, setChanged] = useState(false);
  const byPriority = new Map(targets.map((target) => [target.priority, target]));
  return (
    <Modal opened onClose={() => onClose(changed)} title={t("targets.title", { name: path })} size="xl"
      closeButtonProps={{ "aria-label": t("app.closeDialog") }}>
      <Stack>
        <Text size="sm">{t("targets.help")}</Text>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("targets.priority")}</Table.Th>
              <Table.Th scope="col">{t("targets.take")}</Table.Th>
              <Table.Th scope="col">{t("targets.resolve")}</Table.Th>
              <Table.Th scope="col">{t("targets.save")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {PRIORITIES.map((priority) => (
              <TargetRow key={priority} subServiceId={subServiceId} target={byPriority.get(priority) ?? { priority }}
                onSaved={() => setChanged(true)} />
            ))}
          </Table.Tbody>
        </Table>
        <Group justify="end"><Button variant="default" onClick={() => onClose(changed)}>{t("targets.close")}</Button></Group>
      </Stack>
    </Modal>
  );
}
