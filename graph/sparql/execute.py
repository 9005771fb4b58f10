"""THE way mgkg runs a SPARQL query: text and bound terms in, an Answer (serialized bytes) out, under limits.

The HTTP service (/sparql, /queries/NAME) and `mgkg query` both call Executor.answer, which applies the
settings (timeout, row limit, union default graph) and binds parameters; Executor.run is what it calls.
Queries run on pyoxigraph directly (`store.raw`) with the union of the named graphs as default graph; on a
remote store (`sparql:` spec) the same calls go to its RemoteEngine, which forwards the text, the dataset and
the bindings (as VALUES) to the endpoint and reads the answer back into pyoxigraph terms, so the serializers
(graph.sparql.serialize, graph.sparql.results) serve both. The executor knows either only as an Engine (a
Protocol: what it calls), so this layer imports no store. Failures are QueryFailed errors with a kind
(graph.core.errors): BAD_INPUT for a query that is malformed or fails, UNAVAILABLE for a store that cannot be
reached (the store's own MgkgError kind, passed on), TIMEOUT when the time is up.
A worker thread evaluates and serializes; the caller waits at most `timeout` seconds and then gets a
QueryFailed (TIMEOUT) while the worker stops at its next solution (Oxigraph cannot interrupt an aggregate that
is still computing; such a query finishes in the background and its result is dropped).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, TypeVar, cast

import pyoxigraph as ox
from oxrdflib._converter import from_ox, to_ox
from rdflib.term import Node

from graph.core.config import Settings
from graph.core.errors import Kind, MgkgError
from graph.core.formats import by_name
from graph.core.namespaces import prefixes
from graph.exports import jsonld_of
from graph.exports.model import Triple
from graph.sparql import results
from graph.sparql.serialize import serialize_boolean, serialize_solutions
from graph.sparql.syntax import syntax_message
from graph.sparql.text import QueryRefused, shape, used_prefixes, with_limit, with_values

T = TypeVar("T")


class QueryFailed(MgkgError):
    """The query is malformed or fails (BAD_INPUT), its store cannot be reached (UNAVAILABLE) or it timed out
    (TIMEOUT)."""


class Engine(Protocol):
    """What queries run on: `store.raw` of an EmbeddedStore (pyoxigraph's Store) or of a RemoteStore
    (graph.store.remote.RemoteEngine): the one method the executor calls."""

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple]:
        """Run a query as pyoxigraph's Store.query does."""
        ...


def failure(doing: str, error: Exception) -> QueryFailed:
    """The QueryFailed for `error` raised while `doing` ("query failed", …): an MgkgError that says something
    mgkg relies on cannot be reached (a store's) keeps its message and kind; anything else is BAD_INPUT."""
    if isinstance(error, MgkgError) and error.kind is Kind.UNAVAILABLE:
        return QueryFailed(str(error), kind=error.kind)
    return QueryFailed(f"{doing}: {error}")


def _timed_out(what: str, seconds: float) -> QueryFailed:
    return QueryFailed(f"{what} timed out after {seconds:g} s", kind=Kind.TIMEOUT)


@dataclass(frozen=True)
class Answer:
    """A serialized answer: body bytes, how many rows/triples and whether the row limit cut it."""

    body: bytes
    kind: str
    count: int
    truncated: bool


@dataclass(frozen=True)
class Limits:
    """Per-query limits: seconds until it times out, maximum rows (or triples) returned (None: no row limit)."""

    timeout: float
    max_rows: int | None


class Deadline:
    """When a piece of work must stop: a time limit, or earlier when cancelled."""

    def __init__(self, seconds: float) -> None:
        """Expire `seconds` from now."""
        self.end = time.monotonic() + seconds

    def cancel(self) -> None:
        """Make the next check fail."""
        self.end = 0.0

    def check(self) -> None:
        """Raise TimeoutError when the time is up or the work was cancelled."""
        if time.monotonic() > self.end:
            raise TimeoutError


def _limited(items: Iterable[object], limits: Limits, deadline: Deadline) -> tuple[list[object], bool]:
    rows: list[object] = []
    check, limit, append = deadline.check, limits.max_rows, rows.append
    for item in items:
        check()
        if len(rows) == limit:
            return rows, True
        append(item)
    return rows, False


def _evaluate(
    store: Engine,
    text: str,
    options: Mapping[str, object],
    result_format: str,
    graph_format: str,
    limits: Limits,
    deadline: Deadline,
) -> Answer:
    if isinstance(store, ox.Store) and result_format in results.FORMATS:
        answer = _native(store, text, options, result_format, limits, deadline)
        if answer is not None:
            return answer
    try:
        result = store.query(text, **options)  # type: ignore[arg-type]
    except SyntaxError as error:
        raise QueryFailed(f"query syntax error: {syntax_message(error, text)}") from None
    except (MgkgError, OSError, ValueError, RuntimeError) as error:  # MgkgError: the store's own, by its kind
        raise failure("query failed", error) from None
    try:
        if isinstance(result, ox.QueryBoolean):
            return Answer(serialize_boolean(bool(result), result_format), "boolean", 1, False)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows, cut = _limited(
                (tuple(solution) for solution in result), limits, deadline
            )
            body = serialize_solutions(names, rows, result_format)  # type: ignore[arg-type]
            return Answer(body, "solutions", len(rows), cut)
        triples, cut = _limited(result, limits, deadline)
        data: bytes | None
        if by_name(graph_format).name == "jsonld":  # compact, with mgkg's @context, as exports are
            data = jsonld_of(_rdflib_triples(triples))
        else:
            data = ox.serialize(triples, format=by_name(graph_format).rdf, prefixes=prefixes())  # type: ignore[arg-type]
        return Answer(data or b"", "graph", len(triples), cut)
    except TimeoutError:
        raise _timed_out("query", limits.timeout) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise failure("query evaluation failed", error) from None


def _rdflib_triples(triples: list[Any]) -> list[Triple]:
    """pyoxigraph triples as rdflib's, for the JSON-LD writer of graph.exports."""
    return [cast(Triple, tuple(from_ox(t) for t in (x.subject, x.predicate, x.object))) for x in triples]


def _select(text: str) -> str | None:
    """`text` when it is a SELECT query, else None."""
    try:
        return text if shape(text).form == "SELECT" else None
    except QueryRefused:
        return None


def names_dataset(text: str) -> bool:
    """Whether a query names its own dataset (FROM / FROM NAMED), which the union default graph must not override."""
    try:
        return shape(text).has_dataset
    except QueryRefused:
        return False


def _native(
    store: ox.Store, text: str, options: Mapping[str, object], result_format: str, limits: Limits, deadline: Deadline
) -> Answer | None:
    """A SELECT answered with a LIMIT of one row over the limit and written by Oxigraph (graph.sparql.results);
    None for anything else, for a syntax error (reported on the text as sent) or for an answer it cannot count:
    those run row by row."""
    capped = _select(text) if limits.max_rows is None else with_limit(text, limits.max_rows + 1)
    if capped is None:
        return None
    try:
        result = store.query(capped, **options)  # type: ignore[arg-type]
    except SyntaxError:
        return None
    except (OSError, ValueError, RuntimeError) as error:
        raise failure("query failed", error) from None
    if not isinstance(result, ox.QuerySolutions):
        return None
    try:
        native = results.native_answer(result, result_format, limits.max_rows, deadline.check)
    except TimeoutError:
        raise _timed_out("query", limits.timeout) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise failure("query evaluation failed", error) from None
    if native is None:
        return None
    body, count, cut = native
    return Answer(body, "solutions", count, cut)


def _bare_failures(work: Callable[[Deadline], T], deadline: Deadline) -> T:
    """`work(deadline)`, any exception it raises stripped of traceback, cause and context: those hold the worker's
    frames, and pyoxigraph results in them may only be dropped by the thread that made them (dropped in the
    caller's thread, pyoxigraph prints "PyQuerySolutions is unsendable, but is being dropped on another thread").
    An unexpected exception (no MgkgError) keeps the worker's traceback as text, in a note."""
    try:
        return work(deadline)
    except BaseException as error:
        if not isinstance(error, MgkgError):
            error.add_note("in the query worker:\n" + "".join(traceback.format_tb(error.__traceback__)).rstrip())
        error.__context__ = error.__cause__ = None
        raise error.with_traceback(None) from None


class Executor:
    """Runs queries in worker threads so a slow query times out while others are served."""

    def __init__(self, workers: int, *, detached: bool = False) -> None:
        """A pool of `workers` threads; `detached`: each call in a daemon thread of its own instead, which the
        process need not wait for when it exits (a command that gave up on a query still computing); 0 workers:
        each call in the caller's thread (a query process of server.isolation, which is killed when time is up)."""
        self.inline = workers == 0 and not detached
        self.pool = None if detached or self.inline else ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="mgkg-query"
        )

    def _submit(self, work: Callable[[Deadline], T], deadline: Deadline) -> Future[T]:
        if self.pool is not None:
            return self.pool.submit(_bare_failures, work, deadline)
        future: Future[T] = Future()

        def detached() -> None:
            try:
                future.set_result(_bare_failures(work, deadline))
            except BaseException as error:  # handed to the caller, as the pool does
                future.set_exception(error)

        threading.Thread(target=detached, name="mgkg-query", daemon=True).start()
        return future

    def call(self, timeout: float, work: Callable[[Deadline], T], what: str = "query") -> T:
        """Run `work(deadline)` in a worker; after `timeout` seconds cancel it and raise QueryFailed (TIMEOUT)."""
        deadline = Deadline(timeout)
        if self.inline:
            try:
                return _bare_failures(work, deadline)
            except TimeoutError:
                raise _timed_out(what, timeout) from None
        future = self._submit(work, deadline)
        try:
            return future.result(timeout=timeout)
        except (FutureTimeout, TimeoutError):
            deadline.cancel()
            raise _timed_out(what, timeout) from None

    def run(
        self,
        store: Engine,
        text: str,
        *,
        result_format: str = "json",
        graph_format: str = "turtle",
        limits: Limits,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        substitutions: Mapping[str, object] | None = None,
        union_default: bool = True,
        base_iri: str | None = None,
        default_prefixes: Mapping[str, str] | None = None,
    ) -> Answer:
        """Evaluate and serialize; raise QueryFailed (BAD_INPUT, UNAVAILABLE, or TIMEOUT).

        Dataset: when `default_graphs` or `named_graphs` is given (the protocol's default-graph-uri /
        named-graph-uri) they make the whole dataset and override FROM / FROM NAMED; otherwise the query's own
        FROM clauses apply, and without them the default graph is the union of all graphs when
        `union_default` is set (the store's default graph otherwise). `default_prefixes` are the prefixes a text
        may use without declaring them (its own PREFIX declarations win).
        """
        options: dict[str, object] = {}
        if base_iri:
            options["base_iri"] = base_iri
        used = used_prefixes(text, default_prefixes or {})  # each costs Oxigraph ~0.5 µs a query
        if used:
            options["prefixes"] = used
        try:
            if default_graphs or named_graphs:
                options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
                options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            elif union_default:
                options["use_default_graph_as_union"] = True
        except ValueError as error:
            raise QueryFailed(f"bad graph IRI: {error}") from None
        if substitutions:
            options["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        return self.call(
            limits.timeout,
            lambda deadline: _evaluate(store, text, options, result_format, graph_format, limits, deadline),
        )

    def answer(
        self,
        engine: Engine,
        text: str,
        settings: Settings,
        *,
        bindings: Mapping[str, Node] | None = None,
        has_dataset: bool | None = None,
        result_format: str = "json",
        graph_format: str = "turtle",
        limits: Limits | None = None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> Answer:
        """Run a query as the service and `mgkg query` do; QueryFailed (BAD_INPUT, UNAVAILABLE, or TIMEOUT).

        `bindings` are RDF terms substituted for variables (never spliced), on pyoxigraph also written as a
        VALUES block (graph.sparql.text.with_values) so its planner sees them. The default graph is the union of
        the named graphs when the settings say so and the text names no dataset (`has_dataset`, read from the
        text when not given). `limits` default to the settings' timeout and row limit. The graph's prefixes
        (graph.core.namespaces.prefixes: mgkg, prj, org, xsd …) need no declaration, as in an update; a PREFIX
        the text declares wins over them, and BASE is untouched.
        """
        bound = dict(bindings or {})
        if bound and isinstance(engine, ox.Store):  # a remote engine sends the bindings as VALUES itself
            text = with_values(text, bound)
        if has_dataset is None:
            has_dataset = names_dataset(text)
        return self.run(
            engine,
            text,
            result_format=result_format,
            graph_format=graph_format,
            limits=limits or Limits(settings.query_timeout, settings.max_rows),
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            substitutions={variable: to_ox(term) for variable, term in bound.items()},
            union_default=settings.union_default_graph and not has_dataset,
            base_iri=base_iri,
            default_prefixes=prefixes(settings.base),
        )

    def shutdown(self) -> None:
        """Stop accepting work; running queries are abandoned."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Executor:
        """The executor itself (shut down on leaving the block)."""
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Shut the pool down."""
        self.shutdown()


class OverBudget(QueryFailed):
    """A call of a Budgeted executor needed more than its budget (less than the query's own time limit)."""


class Budgeted(Executor):
    """Runs each call in the caller's thread, with at most `seconds` of it: past them the work stops at its next
    check and OverBudget is raised (a TIMEOUT QueryFailed when the query's own limit is the shorter)."""

    def __init__(self, seconds: float) -> None:
        """Inline calls of at most `seconds`."""
        super().__init__(0)
        self.seconds = seconds

    def call(self, timeout: float, work: Callable[[Deadline], T], what: str = "query") -> T:
        """`work(deadline)` here, within the budget or `timeout`, whichever is shorter."""
        if timeout <= self.seconds:
            return super().call(timeout, work, what)
        try:
            return super().call(self.seconds, work, what)  # inline: a time-out is a TIMEOUT QueryFailed
        except QueryFailed as error:
            if error.kind is not Kind.TIMEOUT:
                raise
            raise OverBudget(f"{what} needed more than {self.seconds:g} s", kind=Kind.TIMEOUT) from None
