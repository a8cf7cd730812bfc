// Typed errors from mutation payloads, turned into what forms and pages show.
export type FieldProblem = { field: string; message: string };
export type Problem =
  | { __typename: "ValidationFailed"; message: string; fields: FieldProblem[] }
  | { __typename: "Conflict"; message: string; currentVersion?: number | null }
  | { __typename: "NotFound" | "PermissionDenied"; message: string }
  | { __typename: "ActionNotAllowed"; message: string; action: string; allowedActions: string[] };

/** rjsf's extraErrors from the server's `requestData.<path>` problems. */
export function formErrors(fields: FieldProblem[], prefix = "requestData"): Record<string, unknown> {
  const errors: Record<string, unknown> = {};
  for (const { field, message } of fields) {
    if (field !== prefix && !field.startsWith(`${prefix}.`)) continue;
    const path = field === prefix ? [] : field.slice(prefix.length + 1).split(".");
    let node = errors;
    for (const step of path) {
      node[step] = (node[step] as Record<string, unknown>) ?? {};
      node = node[step] as Record<string, unknown>;
    }
    node.__errors = [...((node.__errors as string[]) ?? []), message];
  }
  return errors;
}

/** The message for one top-level input field (`title`, `input.title`), if the server named it. */
export function fieldError(fields: FieldProblem[], name: string): string | undefined {
  return fields.find((f) => f.field === name || f.field === `input.${name}`)?.message;
}
