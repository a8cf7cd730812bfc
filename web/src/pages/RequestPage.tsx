// A request on one sub-service: title, description, priority, and the sub-service's own form
// rendered from its JSON Schema (@rjsf/core, checked by ajv as the server checks it). The server's
// per-field problems are shown on the field they name, the form's ones inside the form.
import { useState } from "react";
import { useNavigate, useParams } from "react-router";
import { useMutation, useQuery } from "urql";
import { useTranslation } from "react-i18next";
import Form from "@rjsf/core";
import type { RJSFSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { Alert, Button, Select, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import { OpenTicketMutation, SubServiceQuery } from "../graphql/operations";
import { fieldError, formErrors, type FieldProblem } from "../components/problems";
import { hasRole, useViewer } from "../components/viewer";
import { Busy } from "../components/Busy";

const PRIORITIES = ["LOW", "NORMAL", "HIGH", "CRITICAL"] as const;

export function RequestPage() {
  const { subServiceId = "" } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const viewer = useViewer();
  const [{ data, fetching, error }] = useQuery({ query: SubServiceQuery, variables: { id: subServiceId } });
  const [opening, openTicket] = useMutation(OpenTicketMutation);
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [priority, setPriority] = useState<string | null>(null);
  const [school, setSchool] = useState<string | null>(null);
  const [formData, setFormData] = useState<Record<string, unknown>>({});
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);

  if (fetching) return <Busy />;
  if (error) return <Alert color="red">{t("app.error", { message: error.message })}</Alert>;
  const sub = data?.subService;
  if (!sub) return <Alert color="red">{t("ticket.notFound")}</Alert>;
  const forOperations = hasRole(viewer, "OPERATIONS");
  const schools = (data?.tenants ?? []).filter((tenant) => tenant.kind === "SCHOOL" && tenant.active);

  async function submit(requestData: Record<string, unknown>) {
    setFailure(null);
    const result = await openTicket({
      input: {
        subServiceId, title, description, requestData,
        priority: (priority as (typeof PRIORITIES)[number] | null) ?? undefined,
        onBehalfOf: forOperations ? school : undefined,
        clientMutationId: crypto.randomUUID(),
      },
    });
    const payload = result.data?.openTicket;
    if (result.error || !payload) {
      setFailure(result.error?.message ?? "?");
      return;
    }
    if (payload.__typename === "Ticket") {
      navigate(`/tickets/${payload.ref}`, { state: { opened: payload.ref } });
      return;
    }
    setProblems(payload.__typename === "ValidationFailed" ? payload.fields : []);
    setFailure(payload.message);
  }

  return (
    <Stack maw={760}>
      <Title order={1}>{t("request.title", { name: sub.name })}</Title>
      <Text c="dimmed">{sub.service.brick.name} › {sub.service.name} — {sub.description}</Text>
      {sub.requiresApproval && <Alert color="grape">{t("request.needsApproval")}</Alert>}
      {failure && (
        <Alert color="red" role="alert" title={t("request.failed", { message: failure })}>
          {problems.map((p) => <div key={p.field}>{p.field}: {p.message}</div>)}
        </Alert>
      )}
      {forOperations && (
        <Select label={t("request.onBehalfOf")} data={schools.map((s) => ({ value: s.id, label: s.name }))}
          value={school} onChange={setSchool} error={fieldError(problems, "onBehalfOf")} />
      )}
      <TextInput label={t("request.subject")} value={title} onChange={(e) => setTitle(e.currentTarget.value)}
        error={fieldError(problems, "title")} withAsterisk />
      <Textarea label={t("request.description")} value={description} autosize minRows={3}
        onChange={(e) => setDescription(e.currentTarget.value)} error={fieldError(problems, "description")} />
      <Select label={t("request.priority")} value={priority ?? sub.defaultPriority} onChange={setPriority}
        data={PRIORITIES.map((p) => ({ value: p, label: t(`priorities.${p}`) }))} allowDeselect={false} />
      <Title order={2} size="h4">{t("request.form")}</Title>
      <div className="rjsf">
        <Form
          schema={sub.form as RJSFSchema}
          validator={validator}
          formData={formData}
          onChange={(e) => setFormData(e.formData as Record<string, unknown>)}
          onSubmit={(e) => void submit((e.formData ?? {}) as Record<string, unknown>)}
          extraErrors={formErrors(problems) as never}
          showErrorList={false}
          noHtml5Validate
        >
          <Button type="submit" loading={opening.fetching} mt="md">{t("request.submit")}</Button>
        </Form>
      </div>
    </Stack>
  );
}
