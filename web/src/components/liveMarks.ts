// The rows of a list that changed since it was shown: new ones and changed ones, told apart.
import type { TicketMoveKind } from "../gql/graphql";

export type LiveMark = "ENTERED" | "UPDATED";
export type LiveMarks = Readonly<Record<string, LiveMark>>;

/** The marks after a change: a ticket leaving loses its mark; one that entered stays new however
 * often it changes afterwards. */
export function markChange(marks: LiveMarks, move: { ticketId: string; change: TicketMoveKind }): LiveMarks {
  if (move.change === "LEFT") {
    if (!(move.ticketId in marks)) return marks;
    const { [move.ticketId]: _gone, ...rest } = marks;
    return rest;
  }
  const mark: LiveMark = marks[move.ticketId] === "ENTERED" ? "ENTERED" : move.change;
  return marks[move.ticketId] === mark ? marks : { ...marks, [move.ticketId]: mark };
}
