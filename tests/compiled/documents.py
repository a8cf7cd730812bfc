"""Hypothesis strategies for GraphQL documents over the real schema's ticket reads.

Documents use aliases, repeated and merged fields, named and inline fragments (on the object, on
the Node interface, without a type condition), `__typename`, `@include`/`@skip` with literals and
variables, every connection argument (first, last, after, before, filter, orderBy, as literals or
variables), several root fields at once, and, now and then, a field the planner does not compile,
so the fallback is compared too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

LEAVES = {
    "Ticket": ["id", "ref", "title", "description", "priority", "state", "requestData",
               "localRef", "requesterName", "requesterEmail", "escalationLevel", "solution",
               "version", "assignedAt", "createdAt", "updatedAt", "resolvedAt", "closedAt",
               "allowedActions"],
    "Tenant": ["id", "slug", "name", "kind", "active"],
    "User": ["id", "username", "email", "displayName", "roles", "active", "technical"],
    "Brick": ["id", "code", "name", "description", "active"],
    "Service": ["id", "name", "description", "active"],
    "SubService": ["id", "name", "description", "form", "requiresApproval", "defaultPriority",
                   "active"],
    "Fulfilment": ["system", "status", "error", "message", "updatedAt"],
    "TicketComment": ["id", "body", "visibility", "source", "createdAt", "viaApiToken"],
    "TicketEvent": ["id", "kind", "visibility", "data", "createdAt", "viaApiToken"],
}
# Object types that are no Node: no `... on Node` inside them.
NOT_NODES = {"Fulfilment"}
RELATIONS = {
    "Ticket": {"school": "Tenant", "openedBy": "User", "assignee": "User", "brick": "Brick",
               "service": "Service", "subService": "SubService", "fulfilment": "Fulfilment"},
    "User": {"tenant": "Tenant"},
    "TicketComment": {"author": "User"},
    "TicketEvent": {"actor": "User"},
}
# To-many lists of a ticket: a connection of comments or history, or the latest comments.
MANY = {"comments": "TicketComment", "history": "TicketEvent"}
# Selections the planner leaves to graphql-core.
UNCOMPILED = {
    "Ticket": ["subService { service { name } }", "comments { totalCountIsEstimate }",
               "comments { edges { node { apiToken { id } } } }"],
    "User": ["designations { level }"],
}
STATES = ["NEW", "WAITING_FOR_APPROVAL", "APPROVED", "ASSIGNED", "IN_PROGRESS", "PENDING",
          "RESOLVED", "CLOSED"]
PRIORITIES = ["LOW", "NORMAL", "HIGH", "CRITICAL"]


@dataclass
class Draft:
    """A document being drawn: its fragments and variables, and whether it must be compiled."""

    data: Any
    ids: dict[str, str]
    cursors: list[str]
    fragments: list[str] = field(default_factory=list)
    declarations: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    compilable: bool = True
    # Arguments a list may refuse: graphql-core then cancels the sibling root fields mid-statement,
    # which leaves the test's shared connection unusable, so such a root is drawn alone.
    refusable: bool = False
    counter: int = 0

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def variable(self, type_: str, value: Any) -> str:
        name = self.name("v")
        self.declarations.append(f"${name}: {type_}")
        self.variables[name] = value
        return f"${name}"

    def draw(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.data.draw(strategy)

    def directive(self) -> str:
        if not self.draw(st.integers(0, 3)) == 0:
            return ""
        which = self.draw(st.sampled_from(["include", "skip"]))
        value = self.draw(st.booleans())
        shown = self.variable("Boolean!", value) if self.draw(st.booleans()) else str(value).lower()
        return f" @{which}(if: {shown})"

    def alias(self) -> str:
        return f"{self.name('a')}: " if self.draw(st.integers(0, 3)) == 0 else ""

    def selection(self, type_name: str, depth: int = 0) -> str:
        parts = [self.item(type_name, depth) for _ in range(self.draw(st.integers(1, 4)))]
        return "{ " + " ".join(parts) + " }"

    def item(self, type_name: str, depth: int) -> str:
        kinds = ["leaf", "leaf", "leaf", "typename", "inline", "spread"]
        if type_name in RELATIONS and depth < 2:
            kinds += ["relation", "relation"]
        if type_name == "Ticket" and depth < 2:
            kinds.append("many")
        if type_name in UNCOMPILED:
            kinds.append("uncompiled")
        kind = self.draw(st.sampled_from(kinds))
        if kind == "leaf":
            leaf = self.draw(st.sampled_from(LEAVES[type_name]))
            return f"{self.alias()}{leaf}{self.directive()}"
        if kind == "typename":
            return f"{self.alias()}__typename"
        if kind == "relation":
            name, target = self.draw(st.sampled_from(sorted(RELATIONS[type_name].items())))
            return f"{self.alias()}{name}{self.directive()} {self.selection(target, depth + 1)}"
        if kind == "many":
            return self.many(depth)
        if kind == "uncompiled":
            self.compilable = False
            return self.draw(st.sampled_from(UNCOMPILED[type_name]))
        if kind == "inline":
            conditions = [f" on {type_name}", ""] + ([] if type_name in NOT_NODES else [" on Node"])
            condition = self.draw(st.sampled_from(conditions))
            body = "{ id }" if condition == " on Node" else self.selection(type_name, depth + 1)
            return f"...{condition}{self.directive()} {body}"
        name = self.name("F")
        self.fragments.append(f"fragment {name} on {type_name} {self.selection(type_name, depth + 1)}")
        return f"...{name}{self.directive()}"

    def size(self, type_: str, values: list[int | None]) -> str | None:
        """A size drawn from `values`, as a literal or a variable (None: not given)."""
        size = self.draw(st.sampled_from(values))
        if size is None:
            return None
        return self.variable(type_, size) if self.draw(st.booleans()) else str(size)

    def many(self, depth: int) -> str:
        """A ticket's comments or history (a page of them), or its latest comments."""
        name = self.draw(st.sampled_from(["comments", "history", "lastComments"]))
        if name == "lastComments":
            count = self.size("Int!", [None, 0, 1, 2, 5, 25, -1])
            args = "" if count is None else f"(count: {count})"
            return (f"{self.alias()}lastComments{args}{self.directive()} "
                    f"{self.selection('TicketComment', depth + 1)}")
        args = ""
        if (size := self.size("Int", [None, 1, 2, 5])) is not None:
            args = f"({self.draw(st.sampled_from(['first', 'last']))}: {size})"
        return (f"{self.alias()}{name}{args}{self.directive()} "
                f"{self.connection(MANY[name], depth + 1)}")

    def connection(self, node: str = "Ticket", depth: int = 0) -> str:
        parts = []
        for _ in range(self.draw(st.integers(1, 3))):
            kind = self.draw(st.sampled_from(["total", "pageInfo", "edges", "edges", "typename"]))
            if kind == "total":
                # A ticket's comments and history are counted exactly: no estimate to flag.
                total = self.draw(st.sampled_from(["totalCount", "totalCountIsEstimate"])) \
                    if node == "Ticket" else "totalCount"
                parts.append(f"{self.alias()}{total}{self.directive()}")
            elif kind == "typename":
                parts.append("__typename")
            elif kind == "pageInfo":
                fields = self.draw(st.lists(st.sampled_from(
                    ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"]),
                    min_size=1, max_size=4))
                parts.append(f"{self.alias()}pageInfo {{ {' '.join(fields)} }}")
            else:
                edge = ["node " + self.selection(node, depth)]
                if self.draw(st.booleans()):
                    edge.append("cursor")
                if self.draw(st.booleans()):
                    edge.append("__typename")
                parts.append(f"{self.alias()}edges {{ {' '.join(edge)} }}")
        return "{ " + " ".join(parts) + " }"

    def list_arguments(self) -> str:
        args = []
        size = self.draw(st.sampled_from([None, 1, 2, 3, 5, 100, 0, 101]))
        if size in (0, 101):
            self.compilable = False
            self.refusable = True
        if size is not None:
            name = self.draw(st.sampled_from(["first", "last"]))
            shown = self.variable("Int", size) if self.draw(st.booleans()) else str(size)
            args.append(f"{name}: {shown}")
        if self.cursors and self.draw(st.integers(0, 3)) == 0:
            # A cursor of another order or list is refused: graphql-core answers those.
            self.compilable = False
            self.refusable = True
            args.append(f"{self.draw(st.sampled_from(['after', 'before']))}: "
                        f"\"{self.draw(st.sampled_from(self.cursors))}\"")
        filters = []
        if self.draw(st.integers(0, 2)) == 0:
            filters.append(f"states: [{', '.join(self.draw(st.lists(st.sampled_from(STATES), max_size=3)))}]")
        if self.draw(st.integers(0, 3)) == 0:
            filters.append(f"priorities: [{', '.join(self.draw(st.lists(st.sampled_from(PRIORITIES), max_size=2)))}]")
        for name in ("unassigned", "escalated"):
            if self.draw(st.integers(0, 4)) == 0:
                filters.append(f"{name}: {str(self.draw(st.booleans())).lower()}")
        if self.draw(st.integers(0, 4)) == 0:
            filters.append(f"schoolIds: [\"{self.ids['lyon']}\"]")
        if self.draw(st.integers(0, 5)) == 0:
            filters.append(f"text: \"{self.draw(st.sampled_from(['account', 'lyon-only-7f3c', 'GRP']))}\"")
        if filters:
            if self.draw(st.booleans()):
                args.append(f"filter: {{ {', '.join(filters)} }}")
            else:
                states = self.draw(st.lists(st.sampled_from(STATES), max_size=2))
                args.append(f"filter: {self.variable('TicketFilter', {'states': states})}")
        if self.draw(st.booleans()):
            order = self.draw(st.sampled_from(["CREATED_AT", "UPDATED_AT", "PRIORITY"]))
            direction = self.draw(st.sampled_from(["ASC", "DESC"]))
            args.append(f"orderBy: {{ field: {order}, direction: {direction} }}")
        return f"({', '.join(args)})" if args else ""

    def root(self) -> str:
        kind = self.draw(st.sampled_from(["tickets", "tickets", "myQueue", "ticket", "ticketByRef",
                                          "node", "typename"]))
        alias = self.alias()
        if kind in ("tickets", "myQueue"):
            return f"{alias}{kind}{self.list_arguments()}{self.directive()} {self.connection()}"
        if kind == "ticket":
            ident = self.draw(st.sampled_from([self.ids["ticket"], self.ids["missing"],
                                               self.ids["lyon"]]))
            shown = self.variable("ID!", ident) if self.draw(st.booleans()) else f"\"{ident}\""
            return f"{alias}ticket(id: {shown}) {self.selection('Ticket')}"
        if kind == "ticketByRef":
            ref = self.draw(st.sampled_from([self.ids["ref"], "GRP-1999-999999", "nonsense"]))
            return f"{alias}ticketByRef(ref: \"{ref}\") {self.selection('Ticket')}"
        if kind == "node":
            ident = self.draw(st.sampled_from([self.ids["ticket"], self.ids["missing"],
                                               self.ids["lyon"]]))
            if ident == self.ids["lyon"]:
                self.compilable = False
            body = self.draw(st.sampled_from([
                "{ id __typename }", f"{{ ... on Ticket {self.selection('Ticket')} }}",
                f"{{ __typename ... on Ticket {self.selection('Ticket')} ... on Tenant {{ slug }} }}"]))
            return f"{alias}node(id: \"{ident}\") {body}"
        return f"{alias}__typename"


@dataclass(frozen=True)
class Document:
    query: str
    variables: dict[str, Any]
    compilable: bool


def document(data: Any, ids: dict[str, str], cursors: list[str]) -> Document:
    """Draw one query document, its variables, and whether the planner must compile it."""
    draft = Draft(data, ids, cursors)
    roots: list[str] = []
    for _ in range(draft.draw(st.integers(1, 3))):
        before = (list(draft.fragments), list(draft.declarations), dict(draft.variables),
                  draft.compilable)
        root = draft.root()
        if draft.refusable and roots:  # left out, with its fragments and variables
            draft.fragments, draft.declarations, draft.variables, draft.compilable = before
            break
        roots.append(root)
        if draft.refusable:
            break
    root_text = " ".join(roots)
    declared = f"({', '.join(draft.declarations)})" if draft.declarations else ""
    query = f"query Generated{declared} {{ {root_text} }}\n" + "\n".join(draft.fragments)
    return Document(query, draft.variables, draft.compilable)
