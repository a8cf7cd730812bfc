// A desk form's values and the API's DeskInput: credentials by reference (`<name>_env: VARIABLE`
// or `<name>_file: /path`), never by value; mappings as JSON text.
import type { DeskKind } from "../gql/graphql";

export const DESK_KINDS: DeskKind[] = ["ITOP", "GLPI", "WEBHOOK", "EMAIL"];
export type CredentialRow = { key: string; location: string };
export type DeskValues = { kind: DeskKind; url: string; credentials: CredentialRow[]; mappings: string; timeout: string };
export type DeskShown = { kind: DeskKind; url: string; credentialNames: string[]; mappings: unknown; timeout: number };

/** A form's starting values: the desk as configured (secrets are never shown: their references are
 * asked again, one row per configured credential), or an empty one. */
export function deskValues(desk: DeskShown | null | undefined): DeskValues {
  if (!desk) return { kind: "ITOP", url: "", credentials: [{ key: "", location: "" }], mappings: "", timeout: "" };
  const mappings = desk.mappings && typeof desk.mappings === "object" && Object.keys(desk.mappings).length
    ? JSON.stringify(desk.mappings, null, 2) : "";
  return {
    kind: desk.kind,
    url: desk.url,
    credentials: desk.credentialNames.length
      ? desk.credentialNames.map((name) => ({ key: `${name}_env`, location: "" }))
      : [{ key: "", location: "" }],
    mappings,
    timeout: String(desk.timeout),
  };
}

/** The API's DeskInput, or the form's own problems (unreadable JSON, a timeout that is no number). */
export function deskInput(values: DeskValues):
  | { ok: true; desk: { kind: DeskKind; url: string; credentials: Record<string, string>; mappings?: unknown; timeout?: number } }
  | { ok: false; field: string; problem: "json" | "number"; detail: string } {
  const credentials: Record<string, string> = {};
  for (const row of values.credentials) {
    if (row.key.trim() || row.location.trim()) credentials[row.key.trim()] = row.location.trim();
  }
  let mappings: unknown;
  if (values.mappings.trim()) {
    try {
      mappings = JSON.parse(values.mappings);
    } catch (error) {
      return { ok: false, field: "mappings", problem: "json", detail: error instanceof Error ? error.message : String(error) };
    }
  }
  let timeout: number | undefined;
  if (values.timeout.trim()) {
    timeout = Number(values.timeout.replace(",", "."));
    if (!Number.isFinite(timeout)) return { ok: false, field: "timeout", problem: "number", detail: values.timeout };
  }
  return {
    ok: true,
    desk: { kind: values.kind, url: values.url.trim(), credentials,
      ...(mappings === undefined ? {} : { mappings }), ...(timeout === undefined ? {} : { timeout }) },
  };
}
