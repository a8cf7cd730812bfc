import { markChange } from "./liveMarks";

test("rows are marked new or changed; a new one stays new; one leaving loses its mark", () => {
  let marks = markChange({}, { ticketId: "a", change: "ENTERED" });
  marks = markChange(marks, { ticketId: "b", change: "UPDATED" });
  expect(marks).toEqual({ a: "ENTERED", b: "UPDATED" });
  marks = markChange(marks, { ticketId: "a", change: "UPDATED" });
  expect(marks).toEqual({ a: "ENTERED", b: "UPDATED" });
  marks = markChange(marks, { ticketId: "b", change: "LEFT" });
  expect(marks).toEqual({ a: "ENTERED" });
  expect(markChange(marks, { ticketId: "z", change: "LEFT" })).toBe(marks);
  expect(markChange(marks, { ticketId: "a", change: "ENTERED" })).toBe(marks);
});
