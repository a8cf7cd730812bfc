import { screen, within } from "@testing-library/react";
import { renderInConsole } from "../test-utils";
import { CommentList } from "./CommentList";

const comment = (id: string, visibility: "PUBLIC" | "INTERNAL", body: string, source: "GROUP" | "DESK" = "GROUP") => ({
  node: { id, body, visibility, source, createdAt: "2026-11-30T10:00:00Z", author: { id: `u${id}`, displayName: `Author ${id}` } },
});

test("internal comments are labelled and styled apart from public ones", () => {
  renderInConsole(
    <CommentList ticket={{ comments: { totalCount: 3, edges: [
      comment("1", "PUBLIC", "Le compte est demandé."),
      comment("2", "INTERNAL", "Quota à vérifier."),
      comment("3", "PUBLIC", "Réponse du support local.", "DESK"),
    ] } }} />,
  );
  const items = screen.getAllByRole("listitem");
  expect(items).toHaveLength(3);
  expect(within(items[1]).getByText("INTERNE")).toBeInTheDocument();
  expect(items[1]).toHaveClass("comment-internal");
  expect(within(items[0]).getByText("PUBLIC")).toBeInTheDocument();
  expect(items[0]).toHaveClass("comment-public");
  expect(within(items[2]).getByText("(depuis le support local)")).toBeInTheDocument();
  expect(screen.getByRole("heading", { name: "Échanges (3)" })).toBeInTheDocument();
});
