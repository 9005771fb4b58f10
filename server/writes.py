"""SHACL-gated, transactional writes shared by SPARQL Update (/sparql) and the Graph Store protocol (/rdf-graphs).

Writes are off unless `settings.update_token` is set; then every write needs `Authorization: Bearer <token>`.
A write is one SPARQL update text, applied under the app's write lock in two steps:

1. on a scratch copy — a RocksDB checkpoint of a live store on disk, else an in-memory Oxigraph store loaded
   with the N-Quads dump of the live store (plus its empty named graphs) — within `settings.query_timeout`
   (503 after that); the result is validated incrementally (`graph.shacl.validate.validate_store` with the
   changes): only the focus nodes whose results the changed quads can change — the quads an INSERT DATA /
   DELETE DATA / DROP GRAPH names (server/write_changes.py), else the difference of the dumps before and
   after. Before validating, the derived graph (mgkg:statedIn, graph/shacl/derived.py) is recomputed for the
   subjects and source graphs the update touched; an update that puts into it a triple the other graphs do not
   give is refused (400). A result with violations is refused with 422 and the SHACL report of those nodes
   (Turtle, or JSON / text as negotiated), the live store untouched; warnings and infos do not refuse. Violations
   the store already had elsewhere do not block a write;
2. then the same update, followed by the same recomputation of the derived graph, runs on the live store as one
   request (one Oxigraph transaction), still under the lock.

The update therefore runs twice: functions such as NOW(), RAND(), UUID() or BNODE() may give the live store
other values than the validated copy had, and an allowlisted LOAD fetches its document twice.
Update WHERE clauses read the store's own default graph, as SPARQL 1.1 Update says (not the union of the
named graphs that queries see): use GRAPH ?g { … }, USING, WITH or the using-graph-uri parameter.
"""

from __future__ import annotations

import hmac
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from flask import Response, request

from graph.core.errors import Kind, MgkgError
from graph.core.formats import JSON, TEXT, by_name
from graph.core.namespaces import is_absolute_iri
from graph.shacl.derived import append, derived_graph, refresh
from graph.shacl.incremental import changed_quads
from graph.shacl.terms import TermMap, load_triples, ontology_missing
from graph.shacl.validate import Changes, ValidationReport, load_ontology, validate_store
from graph.sparql.execute import Deadline, QueryFailed, failure
from graph.sparql.tokens import tokenize
from graph.store import RawEngine
from server.context import Runtime, runtime
from server.http import Problem
from server.negotiation import NotAcceptable, choose
from server.write_changes import operations, stated_changes

REPORT_FORMATS = (by_name("turtle"), JSON, TEXT)
"""Formats of the SHACL report answered with 422, the default first."""



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


def authorize() -> None:
    """Raise Problem unless writes are enabled and the request carries the right bearer token."""
    token = runtime().settings.update_token
    if not token:
        raise Problem("updates are disabled on this server (no update token is configured)", kind=Kind.REFUSED)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Problem(
            "updates need an Authorization: Bearer <token> header", 401, {"WWW-Authenticate": 'Bearer realm="mgkg"'},
            kind=Kind.REFUSED,
        )
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Problem("the bearer token is not valid for updates", kind=Kind.REFUSED)


def check_iri(name: str, iri: str) -> str:
    """`iri` if it is an absolute IRI that can be written between < and >, else Problem(400)."""
    if not is_absolute_iri(iri):
        raise Problem(f"{name} {iri!r} is not an absolute IRI")
    return iri


def _run(store: RawEngine, text: str, base_iri: str | None) -> None:
    try:
        store.update(text, base_iri=base_iri)
    except SyntaxError as error:
        raise QueryFailed(f"update syntax error: {error}") from None
    except (MgkgError, OSError, ValueError, RuntimeError) as error:
        raise failure("update failed", error) from None


@dataclass
class Transaction:
    """Writes made while holding the app's write lock (see `transaction()`)."""

    rt: Runtime

    @property
    def store(self) -> RawEngine:
        """The live pyoxigraph store, or a remote store's view of it (read it freely; write only through `apply`)."""
        return self.rt.store.raw

    def _scratch(self, text: str, base_iri: str | None, deadline: Deadline) -> tuple[ValidationReport, str]:
        """Run the update on a scratch copy of the live store and validate what it changed; the report and the
        update that recomputes the derived graph after it.

        A store on disk is copied as a RocksDB checkpoint next to it (hard links: milliseconds, whatever its
        size); any other in memory, from its dump — parsed quad by quad, as bulk_load would rename blank nodes
        and the dumps before and after could no longer be compared quad by quad.
        """
        stated = stated_changes(self.store, text, base_iri)
        path = getattr(self.rt.store, "path", None)
        if not isinstance(self.store, ox.Store) or path is None:
            return self._validate_copy(text, base_iri, deadline, stated, None)
        folder = Path(tempfile.mkdtemp(prefix=".scratch-", dir=Path(path).parent))
        try:
            return self._validate_copy(text, base_iri, deadline, stated, folder / "store")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _validate_copy(
        self, text: str, base_iri: str | None, deadline: Deadline, stated: list[ox.Quad] | None, checkpoint: Path | None
    ) -> tuple[ValidationReport, str]:
        before = None
        if checkpoint is not None:
            self.store.backup(str(checkpoint))  # type: ignore[union-attr]
            scratch = ox.Store(str(checkpoint))
        else:
            before = self.store.dump(format=ox.RdfFormat.N_QUADS) or b""
            scratch = ox.Store()
            scratch.bulk_extend(ox.parse(before, format=ox.RdfFormat.N_QUADS))
            for graph in self.store.named_graphs():
                scratch.add_graph(graph)
        try:
            deadline.check()
            _run(scratch, text, base_iri)
            deadline.check()
            if stated is None:
                before = before if before is not None else self.store.dump(format=ox.RdfFormat.N_QUADS) or b""
                stated = changed_quads(before, scratch.dump(format=ox.RdfFormat.N_QUADS) or b"")
            derived = refresh(scratch, stated, self.rt.settings.base, getattr(self.rt.store, "owned", None))
            if derived.refused:
                raise Problem(
                    f"the graph <{derived_graph(self.rt.settings.base)}> holds only the mgkg:statedIn triples mgkg "
                    f"derives from the other graphs; it cannot be written (e.g. {derived.refused[0]})"
                )
            if ontology_missing(scratch):  # as validate_dataset mixes it in; added after the diff, so not a change
                load_triples(scratch, TermMap(), load_ontology())
            deadline.check()
            changes = Changes.of_quads([*stated, *derived.changed])
            return validate_store(scratch, engine="oxigraph", changes=changes), derived.update
        finally:
            del scratch  # closes a checkpoint before its folder goes

    def apply(self, text: str, base_iri: str | None = None) -> None:
        """Run `text` on a scratch copy, validate, then on the live store; Nonconforming / QueryFailed if not."""
        timeout = self.rt.settings.query_timeout
        report, derived = self.rt.executor.call(
            timeout, lambda deadline: self._scratch(text, base_iri, deadline), "update"
        )
        if not report.no_violations:
            raise Nonconforming(report)
        try:
            _run(self.store, append(text, derived), base_iri)
        finally:  # counted even if it failed: a remote store may have applied part of it
            self.rt.wrote()


@contextmanager
def transaction() -> Iterator[Transaction]:
    """Hold the write lock for the duration of the block (one write at a time; reads go on)."""
    rt = runtime()
    with rt.write_lock:
        yield Transaction(rt)


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
    for operation in operations(text):
        previous = ""
        for _, word, start in operation:
            if word in ("USING", "WITH"):
                raise Problem(f"the update has {word} and using-graph-uri/using-named-graph-uri: give only one")
            if word == "WHERE":
                prefix = _block_after(text, start + len("WHERE")) + " " if previous == "DELETE" else ""
                edits.append((start, prefix + using))
            previous = word
    for start, insert in sorted(edits, reverse=True):
        text = text[:start] + insert + text[start:]
    return text
