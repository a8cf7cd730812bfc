// What a mutation's payload means for a form: done, or refused with a message and the fields named.
import type { FieldProblem } from "../components/problems";

export type Outcome = { ok: true } | { ok: false; message: string; fields: FieldProblem[] };

type Payload = { __typename: string; message?: string; fields?: FieldProblem[] } | null | undefined;

/** What urql reports when the API refused the request itself (a malformed id, say): the GraphQL
 * errors' messages, with the fields their `extensions.fields` name. */
export type RequestError = {
  message: string;
  graphQLErrors?: { message: string; extensions?: Record<string, unknown> }[];
};

/** `done` names the payload types that mean success (Brick, User, DeskConfigured...). */
export function outcomeOf(payload: Payload, done: string[], error?: RequestError | string): Outcome {
  if (payload && done.includes(payload.__typename)) return { ok: true };
  if (payload) return { ok: false, message: payload.message ?? "?", fields: payload.fields ?? [] };
  if (typeof error === "string") return { ok: false, message: error, fields: [] };
  const errors = error?.graphQLErrors ?? [];
  const fields = errors.flatMap((e) => (Array.isArray(e.extensions?.fields) ? (e.extensions.fields as FieldProblem[]) : []));
  return { ok: false, message: errors.map((e) => e.message).join("; ") || error?.message || "?", fields };
}

/** A field's path without the input object it was nested in: `input.desk.url` is `url`. */
export function pathOf(field: string): string {
  return field.replace(/^input\./, "").replace(/^desk\./, "");
}

/** The server's message for one field of a form (`name`, `input.name`, `desk.name`...). */
export function errorAt(outcome: Outcome | null, name: string): string | undefined {
  if (!outcome || outcome.ok) return undefined;
  return outcome.fields.find((f) => pathOf(f.field) === name)?.message;
}

/** The refusal as a whole when some of it has no field of the form to show it (nothing is lost). */
export function unplacedError(outcome: Outcome | null, shown: string[]): string | undefined {
  if (!outcome || outcome.ok) return undefined;
  const rest = outcome.fields.filter((f) => !shown.includes(pathOf(f.field)));
  if (outcome.fields.length && !rest.length) return undefined;
  return rest.length ? `${outcome.message} (${rest.map((f) => `${f.field}: ${f.message}`).join("; ")})` : outcome.message;
}
