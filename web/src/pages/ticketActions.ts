// Which form each workflow action needs, and the mutation that carries it.
import type { TypedDocumentNode } from "urql";
import {
  AnswerTicket, ApproveTicket, CloseTicket, HoldTicket, RejectTicket, ReopenTicket, ResolveTicket,
  ResumeTicket, StartTicket, TakeTicket,
} from "../graphql/operations";

export type ActionKind = "TAKE" | "START" | "HOLD" | "RESUME" | "RESOLVE" | "REOPEN" | "CLOSE" | "APPROVE" | "REJECT" | "ANSWER";

type Spec = {
  document: TypedDocumentNode<Record<string, unknown>, { input: Record<string, unknown> }>;
  field: string;
  // The text the action needs, and the input field that carries it.
  text?: { input: "reason" | "solution" | "message"; label: string; required: boolean };
};

const as = (d: unknown) => d as Spec["document"];

export const ACTIONS: Record<ActionKind, Spec> = {
  TAKE: { document: as(TakeTicket), field: "takeTicket" },
  START: { document: as(StartTicket), field: "startTicket" },
  HOLD: { document: as(HoldTicket), field: "holdTicket", text: { input: "reason", label: "ticket.question", required: true } },
  RESUME: { document: as(ResumeTicket), field: "resumeTicket" },
  RESOLVE: { document: as(ResolveTicket), field: "resolveTicket", text: { input: "solution", label: "ticket.solution", required: true } },
  REOPEN: { document: as(ReopenTicket), field: "reopenTicket", text: { input: "reason", label: "ticket.reason", required: false } },
  CLOSE: { document: as(CloseTicket), field: "closeTicket" },
  APPROVE: { document: as(ApproveTicket), field: "approveTicket" },
  REJECT: { document: as(RejectTicket), field: "rejectTicket", text: { input: "reason", label: "ticket.reason", required: true } },
  ANSWER: { document: as(AnswerTicket), field: "answerTicket", text: { input: "message", label: "ticket.answer", required: true } },
};

/** The actions a person sees as buttons: the server's allowedActions, plus ANSWER for the school. */
export function visibleActions(allowed: string[], state: string, isOpeningSchool: boolean): ActionKind[] {
  const shown = allowed.filter((a): a is ActionKind => a in ACTIONS);
  // A pending ticket waits for the school's answer; RESUME without an answer stays for the expert.
  if (state === "PENDING" && isOpeningSchool) return ["ANSWER", ...shown.filter((a) => a !== "RESUME")];
  return shown;
}
