"""A changeset: one accepted write — its id, time, writer, message and exactly the quads it added and removed."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyoxigraph as ox

from graph.core.errors import MgkgError

ID_PATTERN = re.compile(r"[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}")
"""What a changeset id looks like: UTC time to the microsecond, then 8 random hex digits (ids sort by time)."""

WRITER_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""What a writer name looks like."""

MAX_MESSAGE = 500
"""The longest message a changeset keeps (longer ones are cut, with an ellipsis)."""


class ChangesError(MgkgError, ValueError):
    """A changeset record or request is malformed, or a changeset cannot be applied; the message says which."""


def new_id(now: datetime | None = None) -> str:
    """A new changeset id, "20261206T101500123456Z-3f2a9c1b": the UTC time and 8 random hex digits."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"


def changeset_iri(id: str, base: str) -> ox.NamedNode:
    """The IRI of changeset `id`: {base}id/change/{id}."""
    return ox.NamedNode(f"{base}id/change/{id}")


def contribution_graph(writer: str, base: str) -> ox.NamedNode:
    """The contribution graph of `writer`: {base}graph/contributions/{writer}."""
    return ox.NamedNode(f"{base}graph/contributions/{writer}")


def one_line(message: str) -> str:
    """The message on one line (whitespace runs become one space), cut to MAX_MESSAGE characters."""
    text = " ".join(message.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def quad_line(quad: ox.Quad) -> str:
    """The quad as one N-Quads statement (without the end of line)."""
    return f"{quad} ."


def parse_quads(lines: list[str], where: str) -> tuple[ox.Quad, ...]:
    """The quads of N-Quads statements; ChangesError naming `where` when one does not parse."""
    if not lines:
        return ()
    try:
        return tuple(ox.parse("\n".join(lines).encode(), format=ox.RdfFormat.N_QUADS))
    except (SyntaxError, ValueError) as error:
        raise ChangesError(f"{where}: bad N-Quads: {' '.join(str(error).split())[:200]}") from None


@dataclass(frozen=True)
class Changeset:
    """One accepted write: exactly the quads that were absent and are now present (`added`, never blank nodes:
    they are skolemized) and those that were present and are now absent (`removed`)."""

    id: str
    time: datetime
    writer: str
    message: str
    added: tuple[ox.Quad, ...]
    removed: tuple[ox.Quad, ...]
    reverts: str | None = None

    @property
    def graphs(self) -> tuple[str, ...]:
        """The sorted IRIs of the graphs it touches ("" for the default graph)."""
        return tuple(sorted({_graph_name(q) for q in (*self.added, *self.removed)}))

    @property
    def empty(self) -> bool:
        """It changes nothing."""
        return not self.added and not self.removed

    def to_record(self) -> dict[str, Any]:
        """A JSON-able record of it (quads as N-Quads statements), as the journal keeps it."""
        record: dict[str, Any] = {
            "id": self.id,
            "time": self.time.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "writer": self.writer,
            "message": self.message,
            "added": [quad_line(q) for q in self.added],
            "removed": [quad_line(q) for q in self.removed],
        }
        if self.reverts is not None:
            record["reverts"] = self.reverts
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Changeset:
        """The changeset a record (to_record) describes; ChangesError when a field is missing or malformed."""
        try:
            id, writer, message = (str(record[k]) for k in ("id", "writer", "message"))
            time = datetime.fromisoformat(str(record["time"]))
            added, removed = list(record.get("added", [])), list(record.get("removed", []))
            reverts = record.get("reverts")
        except (KeyError, TypeError, ValueError) as error:
            raise ChangesError(f"changeset record {record.get('id', '?')!r}: missing or bad field {error}") from None
        if not ID_PATTERN.fullmatch(id) or time.tzinfo is None:
            raise ChangesError(f"changeset record {id!r}: bad id or time without a zone")
        return cls(
            id, time.astimezone(UTC), writer, message, parse_quads(added, f"changeset {id}"),
            parse_quads(removed, f"changeset {id}"), None if reverts is None else str(reverts),
        )


def _graph_name(quad: ox.Quad) -> str:
    graph = quad.graph_name
    return graph.value if isinstance(graph, ox.NamedNode) else ""
