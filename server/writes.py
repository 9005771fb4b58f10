"""Writes shared by SPARQL Update (/sparql), the Graph Store protocol (/rdf-graphs) and revert (/changes/ID/revert):
each accepted write is one changeset — computed once, checked, validated, journaled, then applied.

**Who.** Writes are off unless writers are configured (server/writers.py: `mgkg writers add NAME`, or the old
`update_token`, writer `editor`); then every write needs `Authorization: Bearer <token>` of a writer.
**Why.** The message is the `X-MGKG-Message` header or the `message` parameter (one line, at most 500
characters); without one it is "SPARQL Update via HTTP", "Graph Store PUT <graph>" and so on.
**Where.** graph/changes/policy.py: only contribution graphs; DROP / CLEAR ALL, DEFAULT, NAMED are refused (403).
With `open_writes` (conformance suites, private sandboxes) any graph may be written and the default graph of a
write is the store's own, as SPARQL 1.1 Update has it; writes are still changesets, gated and journaled.

Under the app's write lock, within `settings.query_timeout` (503 after that):

1. the update runs once, on a scratch copy of the live store (server/write_changes.py), where no GRAPH means
   the writer's contribution graph; graph.changes.compute gives exactly the quads it added and removed
   (blank nodes skolemized, in the scratch too);
2. a change to any graph that is not a contribution graph is refused (403 naming it);
3. the derived graph (mgkg:statedIn, graph/shacl/derived.py) is recomputed in the scratch for the subjects and
   source graphs the change touched (a change that puts into it a triple the other graphs do not give is refused,
   400); the scratch is validated incrementally (only the focus nodes those quads can affect): a non-conforming
   result is refused with 422 and the SHACL report (Turtle, or JSON / text as negotiated). Violations the store
   already had elsewhere do not block a write;
4. the changeset (id, time, writer, message, quads) is appended to the journal and fsync'd;
5. the same quads, with the changeset's history quads, are applied to the live store in one transaction, and the
   same recomputation of the derived graph follows (the journal holds the write's own quads, not derived ones).

What was validated is what is stored: the update never runs on the live store, so NOW(), RAND(), UUID() and
BNODE() keep the values the gate saw, and an allowlisted LOAD fetches its document once. A write that changes
no quad records nothing (204 all the same). A kill at any point loses no acknowledged write: the journal is
fsync'd before the store is written, and a writing server catches its store up on the journal at start.
Update WHERE clauses read the writer's contribution graph where they name no graph (use GRAPH ?g { … }, USING
or the using-graph-uri parameter to read the others).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox
from flask import Response, request

from graph.changes.compute import compute
from graph.changes.model import MAX_MESSAGE, ChangesError, Changeset, contribution_graph, new_id
from graph.changes.operations import split
from graph.changes.policy import check_graphs, refuse_bulk_drops
from graph.core.errors import Kind, MgkgError
from graph.core.formats import JSON, TEXT, by_name
from graph.core.namespaces import is_absolute_iri
from graph.shacl.derived import derived_graph, refresh
from graph.shacl.terms import TermMap, load_triples, ontology_missing
from graph.shacl.validate import Changes, ValidationReport, load_ontology, validate_store
from graph.sparql.execute import Deadline, QueryFailed, failure
from graph.sparql.syntax import syntax_message
from graph.sparql.tokens import tokenize
from server.context import Runtime, runtime
from server.generation import journal_of
from server.http import CHUNKED, Problem
from server.negotiation import NotAcceptable, choose
from server.write_changes import apply_live, change_scratch, empty_graph_changes, follow_graphs, scratch_copy
from server.writers import authenticate, writes_enabled

REPORT_FORMATS = (by_name("turtle"), JSON, TEXT)
"""Formats of the SHACL report answered with 422, the default first."""

MESSAGE_HEADER = "X-MGKG-Message"
"""The request header that carries a write's message (or the `message` parameter)."""

CHANGESET_HEADER = "X-MGKG-Changeset"
"""The response header naming the changeset a write made (absent when it changed nothing)."""


class Nonconforming(Problem):
    """The write would leave a graph that does not conform to the shapes (NONCONFORMING: 422 with the report)."""

    kind = Kind.NONCONFORMING

    def __init__(self, report: ValidationReport) -> None:
        """Keep the report; the message counts the violations."""
        super().__init__(f"the update was not applied: {len(report.violations)} SHACL violation(s)")
        self.report = report

    def response(self) -> Response:
        """The SHACL report in the negotiated format (Turtle by default)."""
        try:
            fmt = choose(request, REPORT_FORMATS)
        except NotAcceptable:  # an unacceptable Accept still gets the report, in the default format
            fmt = REPORT_FORMATS[0]
        return Response(self.report.serialize(fmt.name), 422, content_type=fmt.content_type)


@dataclass(frozen=True)
class Author:
    """Who makes a write and why: the writer's name and the changeset's message."""

    writer: str
    message: str


def authorize() -> str:
    """The writer the request's bearer token names; Problem unless writes are on and the token is a writer's."""
    settings = runtime().settings
    if not writes_enabled(settings):
        raise Problem("updates are disabled on this server (no update token is configured)", kind=Kind.REFUSED)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Problem(
            "updates need an Authorization: Bearer <token> header", 401, {"WWW-Authenticate": 'Bearer realm="mgkg"'},
            kind=Kind.REFUSED,
        )
    writer = authenticate(settings, given.strip())
    if writer is None:
        raise Problem("the bearer token is not valid for updates", kind=Kind.REFUSED)
    return writer


def read_message(default: str) -> str:
    """The write's message: the X-MGKG-Message header or the `message` parameter (an empty one is none), else
    `default`; 400 when it is given twice, longer than MAX_MESSAGE characters or not one line."""
    header = request.headers.get(MESSAGE_HEADER)
    if header is not None:  # HTTP headers arrive as Latin-1: a UTF-8 message is read back as UTF-8
        with suppress(UnicodeEncodeError, UnicodeDecodeError):
            header = header.encode("latin-1").decode("utf-8")
    given = [value for value in (header, *request.args.getlist("message"), *request.form.getlist("message"))
             if value is not None and value.strip()]  # an empty one says nothing: the default
    if len(given) > 1:
        raise Problem(f"message given {len(given)} times ({MESSAGE_HEADER} header, message=): send one")
    message = given[0].strip() if given else default
    if not message or any(ord(c) < 32 or ord(c) == 127 for c in message):
        raise Problem("the message must be one line of text, without control characters")
    if len(message) > MAX_MESSAGE:
        raise Problem(f"the message has {len(message)} characters: at most {MAX_MESSAGE} are kept")
    return message


def author(default_message: str) -> Author:
    """The request's writer (authorize) and message (read_message); 411 for a chunked body (server.http.CHUNKED):
    one cut short by a client that left would be written as if whole."""
    writer = authorize()
    if request.environ.get(CHUNKED):
        raise Problem("send a write's body with a Content-Length: a chunked body cut short by a dropped connection "
                      "cannot be told from a whole one", 411)
    return Author(writer, read_message(default_message))


def check_iri(name: str, iri: str) -> str:
    """`iri` if it is an absolute IRI that can be written between < and >, else Problem(400)."""
    if not is_absolute_iri(iri):
        raise Problem(f"{name} {iri!r} is not an absolute IRI")
    return iri


def written(response: Response, changeset: Changeset | None) -> Response:
    """`response` naming the changeset a write made (X-MGKG-Changeset), when it made one."""
    if changeset is not None:
        response.headers[CHANGESET_HEADER] = changeset.id
    return response


@dataclass(frozen=True)
class Prepared:
    """A write checked and validated on the scratch: its changeset (None: no quad changed), and the empty
    contribution graphs it created and dropped (the live store follows)."""

    changeset: Changeset | None
    created: tuple[ox.NamedNode, ...] = ()
    dropped: tuple[ox.NamedNode, ...] = ()
    derived: str = ""
    """The update recomputing the derived graph after the change (graph.shacl.derived.refresh), or empty."""


Change = Callable[[ox.Store], tuple[list[ox.Quad], list[ox.Quad]]]
"""Makes a write's changes on a scratch store and says them: (added, removed)."""


@dataclass
class Transaction:
    """Writes made while holding the app's write lock (see `transaction()`), by one author."""

    rt: Runtime
    author: Author

    @property
    def base(self) -> str:
        """The base IRI of data and graphs."""
        return self.rt.settings.base

    def apply(self, text: str, base_iri: str | None = None) -> Changeset | None:
        """Run the update once on a scratch copy, check and validate what it changed, journal it and apply it to
        the live store; its changeset (None when it changed nothing). Problem / Nonconforming / QueryFailed if not."""
        graph: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph()
        if not self.rt.settings.open_writes:
            refuse_bulk_drops(text)
            graph = contribution_graph(self.author.writer, self.base)
        return self.commit(lambda scratch: _computed(scratch, text, base_iri, graph, self.base))

    def apply_changeset(self, changeset: Changeset) -> Changeset:
        """Validate a changeset made elsewhere (a revert) on a scratch copy, journal it and apply it."""

        def change(scratch: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
            change_scratch(scratch, changeset)
            return list(changeset.added), list(changeset.removed)

        made = self.commit(change, changeset)
        assert made is not None
        return made

    def commit(self, change: Change, template: Changeset | None = None) -> Changeset | None:
        """Make `change` on a scratch copy and gate it (policy, SHACL) within the time limit; then journal it
        and apply it to the live store. `template` gives the changeset's id, time and reverts (a revert)."""
        timeout = self.rt.settings.query_timeout
        prepared = self.rt.executor.call(timeout, lambda deadline: self._prepare(change, template, deadline), "update")
        changeset = prepared.changeset
        if changeset is not None:
            journal_of(self.rt).append(changeset)  # fsync'd: from here on the write is never lost
        elif not prepared.created and not prepared.dropped:
            return None
        try:
            if changeset is not None:
                apply_live(self.rt.store, changeset, self.base)
            follow_graphs(self.rt.store, prepared.created, prepared.dropped)
            if prepared.derived:  # after the graphs: a dropped derived graph is derived again
                self.rt.store.update(prepared.derived)
        finally:  # counted even if it failed: a remote store may have applied part of it
            self.rt.wrote()
        return changeset

    def _prepare(self, change: Change, template: Changeset | None, deadline: Deadline) -> Prepared:
        with scratch_copy(self.rt.store) as box:  # the box is emptied at the end: the scratch closes before it goes
            return self._prepare_on(box[0], change, template, deadline)

    def _prepare_on(self, scratch: ox.Store, change: Change, template: Changeset | None, deadline: Deadline) -> (
        Prepared
    ):
        deadline.check()
        added, removed = change(scratch)
        deadline.check()
        created, dropped = empty_graph_changes(self.rt.store.raw, scratch)
        if not self.rt.settings.open_writes:
            check_graphs({*created, *dropped, *(quad.graph_name for quad in (*added, *removed))}, self.base)
        if not added and not removed:
            return Prepared(None, created, dropped)
        derived = refresh(scratch, [*added, *removed], self.base, getattr(self.rt.store, "owned", None))
        if derived.refused:
            raise Problem(
                f"the graph <{derived_graph(self.base)}> holds only the mgkg:statedIn triples mgkg derives from "
                f"the other graphs; it cannot be written (e.g. {derived.refused[0]})"
            )
        if ontology_missing(scratch):  # as validate_dataset mixes it in; added after the change, so not one
            load_triples(scratch, TermMap(), load_ontology())
        changes = Changes.of_quads([*added, *removed, *derived.changed])
        report = validate_store(scratch, engine="oxigraph", changes=changes)
        if not report.no_violations:
            raise Nonconforming(report)
        now = datetime.now(UTC)
        changeset = Changeset(
            template.id if template else new_id(now), template.time if template else now, self.author.writer,
            self.author.message, tuple(added), tuple(removed), template.reverts if template else None,
        )
        return Prepared(changeset, created, dropped, derived.update)


def _computed(
    scratch: ox.Store, text: str, base_iri: str | None, graph: ox.NamedNode | ox.DefaultGraph, base: str
) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """compute() with its failures as one-line problems (400: syntax, a missing graph, a blank node …)."""
    try:
        return compute(scratch, text, base_iri, graph, base)
    except SyntaxError as error:
        raise QueryFailed(f"update syntax error: {syntax_message(error, text)}") from None
    except ChangesError as error:
        raise Problem(f"the update was not applied: {error}") from None
    except (MgkgError, OSError, ValueError, RuntimeError) as error:
        raise failure("update failed", error) from None


@contextmanager
def transaction(who: Author) -> Iterator[Transaction]:
    """Hold the write lock for the duration of the block (one write at a time; reads go on)."""
    rt = runtime()
    with rt.write_lock:
        yield Transaction(rt, who)


def _block_after(text: str, start: int) -> str:
    """The text of the { … } group that starts at or after offset `start`."""
    depth, opened = 0, start
    for token in tokenize(text[start:]):
        if token.text == "{":
            if depth == 0:
                opened = start + token.start
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth == 0:
                return text[opened : start + token.start + 1]
    raise Problem("update syntax error: unbalanced { } after DELETE WHERE")


def add_using(text: str, default: Sequence[str], named: Sequence[str]) -> str:
    """The update with the protocol's using-graph-uri / using-named-graph-uri as USING clauses of each WHERE.

    SPARQL 1.1 Protocol: it is an error to give them for an update that has USING, USING NAMED or WITH.
    `DELETE WHERE { P }` becomes `DELETE { P } USING … WHERE { P }`.
    """
    if not default and not named:
        return text
    clauses = [f"USING <{check_iri('using-graph-uri', g)}>" for g in default]
    clauses += [f"USING NAMED <{check_iri('using-named-graph-uri', g)}>" for g in named]
    using = " ".join(clauses) + " "
    edits: list[tuple[int, str]] = []
    for operation in split(text):
        previous = ""
        for token in operation.tokens:
            word = token.keyword or token.text
            if word in ("USING", "WITH"):
                raise Problem(f"the update has {word} and using-graph-uri/using-named-graph-uri: give only one")
            if word == "WHERE":
                prefix = _block_after(text, token.start + len("WHERE")) + " " if previous == "DELETE" else ""
                edits.append((token.start, prefix + using))
            previous = word
    for start, insert in sorted(edits, reverse=True):
        text = text[:start] + insert + text[start:]
    return text

