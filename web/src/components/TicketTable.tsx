// A list of tickets as a table: each ref a link to the ticket page; rows a live update brought or
// changed since the list was shown are marked (words, not only colour).
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { Anchor, Badge, Table, Text } from "@mantine/core";
import type { TicketRowFragment } from "../gql/graphql";
import { PriorityBadge, StateBadge } from "./StateBadge";
import type { LiveMarks } from "./liveMarks";

export function TicketTable({ tickets, caption, marks = {} }: { tickets: TicketRowFragment[]; caption: string; marks?: LiveMarks }) {
  const { t, i18n } = useTranslation();
  if (!tickets.length) return <Text>{t("tickets.none")}</Text>;
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" });
  return (
    <Table striped highlightOnHover captionSide="top">
      <Table.Caption>{caption}</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t("tickets.ref")}</Table.Th>
          <Table.Th scope="col">{t("tickets.subject")}</Table.Th>
          <Table.Th scope="col">{t("tickets.state")}</Table.Th>
          <Table.Th scope="col">{t("tickets.priority")}</Table.Th>
          <Table.Th scope="col">{t("tickets.school")}</Table.Th>
          <Table.Th scope="col">{t("tickets.brick")}</Table.Th>
          <Table.Th scope="col">{t("tickets.assignee")}</Table.Th>
          <Table.Th scope="col">{t("tickets.updated")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {tickets.map((ticket) => (
          <Table.Tr key={ticket.id} data-ref={ticket.ref} data-live={marks[ticket.id]}>
            <Table.Td>
              <Anchor component={Link} to={`/tickets/${ticket.ref}`} style={{ whiteSpace: "nowrap" }}>{ticket.ref}</Anchor>
              {marks[ticket.id] && (
                <Badge ml={6} size="xs" variant="outline" c="dark" color={marks[ticket.id] === "ENTERED" ? "teal" : "indigo"}>
                  {t(marks[ticket.id] === "ENTERED" ? "tickets.enteredMark" : "tickets.changedMark")}
                </Badge>
              )}
            </Table.Td>
            <Table.Td>{ticket.title}</Table.Td>
            <Table.Td><StateBadge state={ticket.state} /></Table.Td>
            <Table.Td><PriorityBadge priority={ticket.priority} /></Table.Td>
            <Table.Td>{ticket.school.name}</Table.Td>
            <Table.Td>{ticket.brick.name} › {ticket.subService.name}</Table.Td>
            <Table.Td>{ticket.assignee?.displayName ?? t("tickets.unassigned")}</Table.Td>
            <Table.Td>{when.format(new Date(ticket.updatedAt))}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
