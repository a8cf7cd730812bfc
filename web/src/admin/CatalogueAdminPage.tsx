// Group administrators: the catalogue's bricks, services and sub-services (inactive ones too):
// create, change, deactivate or reactivate each, and set a sub-service's service level targets.
// Experts are designated on the experts page. The server's refusals show at the field they name.
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { useMutation, useQuery } from "urql";
import { useTranslation } from "react-i18next";
import {
  Alert, Anchor, Badge, Button, Card, Checkbox, Group, Modal, Select, SimpleGrid, Stack, Table, Text, TextInput,
  Textarea, Title, VisuallyHidden,
} from "@mantine/core";
import {
  CatalogueAdminQuery, CreateBrick, CreateService, CreateSubService, DeactivateBrick, DeactivateService,
  DeactivateSubService, UpdateBrick, UpdateService, UpdateSubService,
} from "../graphql/admin";
import type { CatalogueAdminQuery as CatalogueData, Priority } from "../gql/graphql";
import { errorAt, outcomeOf, unplacedError, type Outcome } from "./outcome";
import { ServiceLevelTargets } from "./ServiceLevelTargets";
import { Busy } from "../components/Busy";

type BrickRow = CatalogueData["bricks"][number];
type ServiceRow = BrickRow["services"][number];
type SubServiceRow = ServiceRow["subServices"][number];
type Editing =
  | { kind: "brick"; item: BrickRow }
  | { kind: "service"; item: ServiceRow }
  | { kind: "subService"; item: SubServiceRow; path: string };

export const PRIORITIES: Priority[] = ["LOW", "NORMAL", "HIGH", "CRITICAL"];

/** The form's JSON text as a value; undefined when empty, an Error when it does not parse. */
export function parseForm(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function Refusal({ outcome, shown }: { outcome: Outcome | null; shown: string[] }) {
  const message = unplacedError(outcome, shown);
  return message ? <Alert color="red" role="alert">{message}</Alert> : null;
}

function CreateBrickForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const [, create] = useMutation(CreateBrick);
  const [values, setValues] = useState({ code: "", name: "", description: "" });
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  async function submit() {
    const result = await create({ input: values });
    const next = outcomeOf(result.data?.createBrick, ["Brick"], result.error);
    setOutcome(next);
    if (next.ok) { setValues({ code: "", name: "", description: "" }); onDone(); }
  }
  return (
    <Card withBorder component="form" aria-labelledby="new-brick" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <Stack gap="xs">
        <Title order={2} size="h4" id="new-brick">{t("catalogueAdmin.newBrick")}</Title>
        <TextInput label={t("catalogueAdmin.code")} description={t("catalogueAdmin.codeHelp")} value={values.code}
          error={errorAt(outcome, "code")} onChange={(e) => setValues({ ...values, code: e.currentTarget.value })} />
        <TextInput label={t("catalogueAdmin.brickName")} value={values.name} error={errorAt(outcome, "name")}
          onChange={(e) => setValues({ ...values, name: e.currentTarget.value })} />
        <Textarea label={t("catalogueAdmin.description")} value={values.description} error={errorAt(outcome, "description")}
          onChange={(e) => setValues({ ...values, description: e.currentTarget.value })} />
        <Refusal outcome={outcome} shown={["code", "name", "description"]} />
        <Button type="submit">{t("catalogueAdmin.createBrick")}</Button>
      </Stack>
    </Card>
  );
}

function CreateServiceForm({ bricks, onDone }: { bricks: BrickRow[]; onDone: () => void }) {
  const { t } = useTranslation();
  const [, create] = useMutation(CreateService);
  const [values, setValues] = useState({ brickId: null as string | null, name: "", description: "" });
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  async function submit() {
    const result = await create({ input: { brickId: values.brickId ?? "", name: values.name, description: values.description } });
    const next = outcomeOf(result.data?.createService, ["Service"], result.error);
    setOutcome(next);
    if (next.ok) { setValues({ ...values, name: "", description: "" }); onDone(); }
  }
  return (
    <Card withBorder component="form" aria-labelledby="new-service" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <Stack gap="xs">
        <Title order={2} size="h4" id="new-service">{t("catalogueAdmin.newService")}</Title>
        <Select label={t("catalogueAdmin.inBrick")} searchable value={values.brickId} error={errorAt(outcome, "brickId")}
          data={bricks.map((b) => ({ value: b.id, label: b.name }))} onChange={(brickId) => setValues({ ...values, brickId })} />
        <TextInput label={t("catalogueAdmin.serviceName")} value={values.name} error={errorAt(outcome, "name")}
          onChange={(e) => setValues({ ...values, name: e.currentTarget.value })} />
        <Textarea label={t("catalogueAdmin.description")} value={values.description} error={errorAt(outcome, "description")}
          onChange={(e) => setValues({ ...values, description: e.currentTarget.value })} />
        <Refusal outcome={outcome} shown={["brickId", "name", "description"]} />
        <Button type="submit" disabled={!values.brickId}>{t("catalogueAdmin.createService")}</Button>
      </Stack>
    </Card>
  );
}

function CreateSubServiceForm({ bricks, onDone }: { bricks: BrickRow[]; onDone: () => void }) {
  const { t } = useTranslation();
  const [, create] = useMutation(CreateSubService);
  const empty = { name: "", description: "", requiresApproval: false, defaultPriority: "NORMAL" as Priority, form: "" };
  const [serviceId, setServiceId] = useState<string | null>(null);
  const [values, setValues] = useState(empty);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const services = bricks.flatMap((b) => b.services.map((s) => ({ value: s.id, label: `${b.name} › ${s.name}` })));
  async function submit() {
    const form = parseForm(values.form);
    if (form instanceof Error) {
      setOutcome({ ok: false, message: "", fields: [{ field: "form", message: t("catalogueAdmin.badJson", { message: form.message }) }] });
      return;
    }
    const result = await create({ input: { serviceId: serviceId ?? "", name: values.name, description: values.description,
      requiresApproval: values.requiresApproval, defaultPriority: values.defaultPriority, form } });
    const next = outcomeOf(result.data?.createSubService, ["SubService"], result.error);
    setOutcome(next);
    if (next.ok) { setValues(empty); onDone(); }
  }
  return (
    <Card withBorder component="form" aria-labelledby="new-sub-service" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <Stack gap="xs">
        <Title order={2} size="h4" id="new-sub-service">{t("catalogueAdmin.newSubService")}</Title>
        <Select label={t("catalogueAdmin.inService")} searchable value={serviceId} data={services}
          error={errorAt(outcome, "serviceId")} onChange={setServiceId} />
        <TextInput label={t("catalogueAdmin.subServiceName")} value={values.name} error={errorAt(outcome, "name")}
          onChange={(e) => setValues({ ...values, name: e.currentTarget.value })} />
        <Textarea label={t("catalogueAdmin.description")} value={values.description} error={errorAt(outcome, "description")}
          onChange={(e) => setValues({ ...values, description: e.currentTarget.value })} />
        <Select label={t("catalogueAdmin.defaultPriority")} value={values.defaultPriority} allowDeselect={false}
          error={errorAt(outcome, "defaultPriority")}
          data={PRIORITIES.map((p) => ({ value: p, label: t(`priorities.${p}`) }))}
          onChange={(p) => setValues({ ...values, defaultPriority: (p ?? "NORMAL") as Priority })} />
        <Checkbox label={t("catalogueAdmin.requiresApproval")} checked={values.requiresApproval}
          onChange={(e) => setValues({ ...values, requiresApproval: e.currentTarget.checked })} />
        <Textarea label={t("catalogueAdmin.form")} description={t("catalogueAdmin.formHelp")} autosize minRows={2}
          styles={{ input: { fontFamily: "monospace" } }} value={values.form} error={errorAt(outcome, "form")}
          onChange={(e) => setValues({ ...values, form: e.currentTarget.value })} />
        <Refusal outcome={outcome} shown={["serviceId", "name", "description", "defaultPriority", "form"]} />
        <Button type="submit" disabled={!serviceId}>{t("catalogueAdmin.createSubService")}</Button>
      </Stack>
    </Card>
  );
}

function EditDialog({ editing, onClose }: { editing: Editing; onClose: (changed: boolean) => void }) {
  const { t } = useTranslation();
  const [, updateBrick] = useMutation(UpdateBrick);
  const [, updateService] = useMutation(UpdateService);
  const [, updateSubService] = useMutation(UpdateSubService);
  const sub = editing.kind === "subService" ? editing.item : null;
  const [values, setValues] = useState({
    name: editing.item.name, description: editing.item.description,
    requiresApproval: sub?.requiresApproval ?? false, defaultPriority: (sub?.defaultPriority ?? "NORMAL") as Priority,
    form: sub ? JSON.stringify(sub.form, null, 2) : "",
  });
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  async function submit() {
    const common = { id: editing.item.id, name: values.name, description: values.description };
    let next: Outcome;
    if (editing.kind === "brick") {
      const r = await updateBrick({ input: common });
      next = outcomeOf(r.data?.updateBrick, ["Brick"], r.error);
    } else if (editing.kind === "service") {
      const r = await updateService({ input: common });
      next = outcomeOf(r.data?.updateService, ["Service"], r.error);
    } else {
      const form = parseForm(values.form);
      if (form instanceof Error || form === undefined) {
        const message = form instanceof Error ? t("catalogueAdmin.badJson", { message: form.message }) : t("catalogueAdmin.formRequired");
        setOutcome({ ok: false, message: "", fields: [{ field: "form", message }] });
        return;
      }
      const r = await updateSubService({ input: { ...common, form, requiresApproval: values.requiresApproval,
        defaultPriority: values.defaultPriority } });
      next = outcomeOf(r.data?.updateSubService, ["SubService"], r.error);
    }
    setOutcome(next);
    if (next.ok) onClose(true);
  }
  const title = editing.kind === "subService" ? editing.path : editing.item.name;
  return (
    <Modal opened onClose={() => onClose(false)} title={t("catalogueAdmin.editTitle", { name: title })} size="lg"
      closeButtonProps={{ "aria-label": t("app.closeDialog") }}>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Stack gap="xs">
          <TextInput label={t("catalogueAdmin.name")} value={values.name} error={errorAt(outcome, "name")}
            onChange={(e) => setValues({ ...values, name: e.currentTarget.value })} />
          <Textarea label={t("catalogueAdmin.description")} value={values.description} error={errorAt(outcome, "description")}
            onChange={(e) => setValues({ ...values, description: e.currentTarget.value })} />
          {sub && (
            <>
              <Select label={t("catalogueAdmin.defaultPriority")} value={values.defaultPriority} allowDeselect={false}
                error={errorAt(outcome, "defaultPriority")}
                data={PRIORITIES.map((p) => ({ value: p, label: t(`priorities.${p}`) }))}
                onChange={(p) => setValues({ ...values, defaultPriority: (p ?? "NORMAL") as Priority })} />
              <Checkbox label={t("catalogueAdmin.requiresApproval")} checked={values.requiresApproval}
                onChange={(e) => setValues({ ...values, requiresApproval: e.currentTarget.checked })} />
              <Textarea label={t("catalogueAdmin.form")} autosize minRows={4} maxRows={16} styles={{ input: { fontFamily: "monospace" } }}
                value={values.form} error={errorAt(outcome, "form")}
                onChange={(e) => setValues({ ...values, form: e.currentTarget.value })} />
            </>
          )}
          <Refusal outcome={outcome} shown={["name", "description", "defaultPriority", "form"]} />
          <Group justify="end">
            <Button variant="default" onClick={() => onClose(false)}>{t("catalogueAdmin.cancel")}</Button>
            <Button type="submit">{t("catalogueAdmin.save")}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function CatalogueAdminPage() {
  const { t } = useTranslation();
  const [{ data, error, fetching }, refetch] = useQuery({ query: CatalogueAdminQuery, requestPolicy: "cache-and-network" });
  const [, deactivateBrick] = useMutation(DeactivateBrick);
  const [, deactivateService] = useMutation(DeactivateService);
  const [, deactivateSubService] = useMutation(DeactivateSubService);
  const [, updateBrick] = useMutation(UpdateBrick);
  const [, updateService] = useMutation(UpdateService);
  const [, updateSubService] = useMutation(UpdateSubService);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [targetsOf, setTargetsOf] = useState<{ item: SubServiceRow; path: string } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const bricks = useMemo(() => data?.bricks ?? [], [data]);
  const reload = () => refetch({ requestPolicy: "network-only" });

  async function toggle(kind: Editing["kind"], id: string, active: boolean) {
    let payload: { __typename: string; message?: string } | undefined;
    if (kind === "brick") {
      payload = active ? (await deactivateBrick({ id })).data?.deactivateBrick : (await updateBrick({ input: { id, active: true } })).data?.updateBrick;
    } else if (kind === "service") {
      payload = active ? (await deactivateService({ id })).data?.deactivateService : (await updateService({ input: { id, active: true } })).data?.updateService;
    } else {
      payload = active ? (await deactivateSubService({ id })).data?.deactivateSubService : (await updateSubService({ input: { id, active: true } })).data?.updateSubService;
    }
    const outcome = outcomeOf(payload, ["Brick", "Service", "SubService"]);
    setFailure(outcome.ok ? null : outcome.message);
    reload();
  }

  function actions(kind: Editing["kind"], item: { id: string; name: string; active: boolean }, path: string, edit: () => void) {
    const scope = `${kind === "subService" ? "sub" : kind}:${item.id}`;
    return (
      <Group gap="xs" wrap="nowrap">
        <Button size="xs" variant="default" component={Link} to={`/admin/experts?scope=${encodeURIComponent(scope)}`}
          aria-label={`${t("catalogueAdmin.expertsOf")} ${path}`}>
          {t("catalogueAdmin.expertsOf")}
        </Button>
        <Button size="xs" variant="light" aria-label={`${t("catalogueAdmin.edit")} ${path}`} onClick={edit}>
          {t("catalogueAdmin.edit")}
        </Button>
        <Button size="xs" variant="light" color={item.active ? "red" : "teal"}
          aria-label={`${item.active ? t("catalogueAdmin.deactivate") : t("catalogueAdmin.reactivate")} ${path}`}
          onClick={() => void toggle(kind, item.id, item.active)}>
          {item.active ? t("catalogueAdmin.deactivate") : t("catalogueAdmin.reactivate")}
        </Button>
      </Group>
    );
  }

  const state = (active: boolean) => (
    <Badge variant="light" color={active ? "teal" : "gray"} c="dark">{active ? t("catalogueAdmin.active") : t("catalogueAdmin.inactive")}</Badge>
  );

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t("catalogueAdmin.title")}</Title>
        <Anchor component={Link} to="/admin/experts">{t("catalogueAdmin.experts")}</Anchor>
      </Group>
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      {fetching && !data && <Busy />}
      <SimpleGrid cols={{ base: 1, lg: 3 }}>
        <CreateBrickForm onDone={reload} />
        <CreateServiceForm bricks={bricks} onDone={reload} />
        <CreateSubServiceForm bricks={bricks} onDone={reload} />
      </SimpleGrid>
      {failure && <Alert color="red" role="alert">{failure}</Alert>}
      <Table striped data-testid="catalogue-admin">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("catalogueAdmin.entry")}</Table.Th>
            <Table.Th scope="col">{t("catalogueAdmin.kind")}</Table.Th>
            <Table.Th scope="col">{t("catalogueAdmin.state")}</Table.Th>
            <Table.Th scope="col">{t("catalogueAdmin.details")}</Table.Th>
            <Table.Th scope="col"><VisuallyHidden>{t("catalogueAdmin.actions")}</VisuallyHidden></Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {bricks.flatMap((brick) => [
            <Table.Tr key={brick.id}>
              <Table.Th scope="row">{brick.name} <Text span size="xs" c="dimmed">({brick.code})</Text></Table.Th>
              <Table.Td>{t("catalogueAdmin.brick")}</Table.Td>
              <Table.Td>{state(brick.active)}</Table.Td>
              <Table.Td />
              <Table.Td>{actions("brick", brick, brick.name, () => setEditing({ kind: "brick", item: brick }))}</Table.Td>
            </Table.Tr>,
            ...brick.services.flatMap((service) => {
              const servicePath = `${brick.name} › ${service.name}`;
              return [
                <Table.Tr key={service.id}>
                  <Table.Th scope="row" pl="xl">{servicePath}</Table.Th>
                  <Table.Td>{t("catalogueAdmin.service")}</Table.Td>
                  <Table.Td>{state(service.active)}</Table.Td>
                  <Table.Td />
                  <Table.Td>{actions("service", service, servicePath, () => setEditing({ kind: "service", item: service }))}</Table.Td>
                </Table.Tr>,
                ...service.subServices.map((sub) => {
                  const path = `${servicePath} › ${sub.name}`;
                  return (
                    <Table.Tr key={sub.id}>
                      <Table.Th scope="row" pl={48}>{path}</Table.Th>
                      <Table.Td>{t("catalogueAdmin.subService")}</Table.Td>
                      <Table.Td>{state(sub.active)}</Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {t(`priorities.${sub.defaultPriority}`)}
                          {sub.requiresApproval ? ` · ${t("catalogueAdmin.withApproval")}` : ""}
                          {` · ${t("catalogueAdmin.targetCount", { count: sub.serviceLevelTargets.length })}`}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs" wrap="nowrap">
                          {actions("subService", sub, path, () => setEditing({ kind: "subService", item: sub, path }))}
                          <Button size="xs" variant="light" aria-label={`${t("catalogueAdmin.targets")} ${path}`}
                            onClick={() => setTargetsOf({ item: sub, path })}>
                            {t("catalogueAdmin.targets")}
                          </Button>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  );
                }),
              ];
            }),
          ])}
        </Table.Tbody>
      </Table>
      {editing && (
        <EditDialog key={editing.item.id} editing={editing}
          onClose={(changed) => { setEditing(null); if (changed) reload(); }} />
      )}
      {targetsOf && (
        <ServiceLevelTargets key={targetsOf.item.id} subServiceId={targetsOf.item.id} path={targetsOf.path}
          targets={targetsOf.item.serviceLevelTargets}
          onClose={(changed) => { setTargetsOf(null); if (changed) reload(); }} />
      )}
    </Stack>
  );
}

