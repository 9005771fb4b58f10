"""A remote SPARQL 1.1 store (`sparql:QUERY_URL[;UPDATE_URL]`): Virtuoso, Fuseki, GraphDB, QLever, …

Everything goes through the SPARQL 1.1 Protocol (HTTP POST, form-encoded `query=` / `update=`); the update
URL defaults to the query URL. What mgkg keeps in such a store are its named graphs, the graphs whose IRI
starts with `<base>graph/`: `graphs()`, `dataset()`, `len()` and `replace()` see and touch only those, never
a graph of the store's own (Virtuoso keeps system graphs next to the data). Queries get exactly that
dataset: FROM and FROM NAMED clauses added before the WHERE clause both list mgkg's graphs, so the default
graph is their union, as on the embedded store (a query with its own FROM, or the protocol's explicit
dataset, gets default-graph-uri / named-graph-uri parameters instead, which override FROM as Oxigraph's union
option does; not the default, because Virtuoso echoes each of them as a response header and Python reads at
most 100). Every query thus names every graph: fine for hundreds of graphs, heavy for tens of thousands.
The list is read from the store and cached for `graph_ttl` seconds (and re-read after every write made
through this object).

Variables are bound by a VALUES block (rdflib `n3()` terms, graph.sparql.text.values_block) placed first
in the query's top-level WHERE group: every FILTER of that group sees the value, as with Oxigraph's
substitutions; the text of a value is never spliced into the query. Answers are read as SPARQL XML results
(or JSON) and N-Triples, through pyoxigraph's parsers; blank node labels are rewritten into valid ones.

Writes: `INSERT DATA` batches of `batch_size` triples per request (100: Virtuoso compiles an update to SQL
in more than linear time, so 100-triple requests load ~5,000 triples/s where 1,000-triple ones load 800),
each graph created first (CREATE SILENT GRAPH: Virtuoso drops only graphs created so). A batch the endpoint
refuses is sent again in halves (Virtuoso refuses an update that compiles to more than 10,000 lines of SQL;
INSERT DATA is idempotent, so a resend is safe). Triples with blank nodes go in one `INSERT { … } WHERE {}`
per graph (Virtuoso refuses blank nodes in INSERT DATA, and one request keeps each node one node).
`replace` drops mgkg's graphs, then inserts: it is not atomic on a remote store.

`raw` is a pyoxigraph-like view (the methods of pyoxigraph.Store the server uses) over the same endpoint.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from http.client import HTTPException
from urllib.parse import urlencode

import pyoxigraph as ox
from oxrdflib._converter import from_ox
from rdflib import Dataset, Literal, URIRef
from rdflib.term import Node

from graph.core.config import user_agent
from graph.core.formats import FORM
from graph.core.namespaces import DEFAULT_BASE, normalize_base, prefixes
from graph.sparql.text import (
    GRAPH_ACCEPT,
    RESULTS_ACCEPT,
    Outcome,
    QueryRefused,
    bind_values,
    parse_answer,
    plain,
    query_form,
    sparql_iri,
    values_block,
    with_dataset,
    with_prologue,
)
from graph.store.base import StoreError, dataset_from_nquads, solution_rows

NOTHING = "urn:mgkg:no-graph"
"""Named in the protocol's dataset where a list must be empty (the protocol cannot send an empty list)."""

def _term(term: object) -> Node:
    """The rdflib term of a pyoxigraph IRI or literal (ValueError for anything else: it cannot be sent)."""
    node = from_ox(term) if isinstance(term, ox.NamedNode | ox.Literal) else None
    if not isinstance(node, URIRef | Literal):
        raise ValueError(f"cannot send {term} to a remote store: only IRIs and literals can be bound")
    return node


def _insert(quads: Sequence[ox.Quad], created: AbstractSet[str], where: str | None = None) -> tuple[str, list[str]]:
    """INSERT DATA (or, with `where`, INSERT … WHERE) of the quads, first creating (CREATE SILENT) each graph
    not in `created`; and those graphs, to be counted as created once the request went through.

    Virtuoso drops (DROP GRAPH) only graphs created explicitly, and keeps no empty graph otherwise.
    """
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        graphs.setdefault(str(quad.graph_name), []).append(quad.triple)
    new = [name for name in graphs if name not in created]
    creates = "".join(f"CREATE SILENT GRAPH {name} ;\n" for name in new)
    blocks = "".join(
        f"GRAPH {name} {{\n{(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b'').decode()}}}\n"
        for name, triples in graphs.items()
    )
    insert = f"INSERT DATA {{\n{blocks}}}" if where is None else f"INSERT {{\n{blocks}}} {where}"
    return creates + insert, new


class RemoteStore:
    """A SPARQL 1.1 endpoint seen as an mgkg Store (see the module docstring for what it holds)."""

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        base: str = DEFAULT_BASE,
        read_only: bool = False,
        timeout: float = 60.0,
        batch_size: int = 100,
        page_size: int = 10000,
        graph_ttl: float = 30.0,
    ) -> None:
        """Use the endpoint at `query_url` (updates at `update_url`, default the same); nothing is sent yet."""
        for url in (query_url, update_url or query_url):
            if not re.fullmatch(r"https?://[^\s<>\"{}|^`\\]+", url):
                raise StoreError(f"sparql store {url!r}: expected an http(s) URL")
        self.query_url, self.update_url = query_url, update_url or query_url
        self.read_only, self.timeout = read_only, timeout
        self.batch_size, self.page_size, self.graph_ttl = max(1, batch_size), max(1, page_size), graph_ttl
        self.owned = normalize_base(base) + "graph/"
        template = Dataset()
        for prefix, iri in prefixes(base).items():
            template.bind(prefix, iri, override=True, replace=True)
        self.namespaces = {prefix: str(iri) for prefix, iri in template.namespaces() if prefix}
        self._graphs: tuple[float, list[str]] | None = None
        self.raw = RemoteEngine(self)

    def __repr__(self) -> str:
        """The spec of this store."""
        return f"RemoteStore(sparql:{self.query_url};{self.update_url})"

    # -- HTTP --------------------------------------------------------------------------------------------
    def post(self, url: str, form: Sequence[tuple[str, str]], accept: str) -> tuple[bytes, str]:
        """POST a form to `url`; the body and media type of the answer. QueryRefused on 4xx, StoreError else."""
        request = urllib.request.Request(
            url,
            data=urlencode(form).encode(),
            headers={"Accept": accept, "User-Agent": user_agent(),
                     "Content-Type": f"{FORM.media_type}; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace").split("SPARQL query:")[0]  # Virtuoso echoes the query
            detail = " ".join(text.split())[:300] or str(error.reason)
            if 400 <= error.code < 500 and error.code not in (401, 403, 404, 405, 407, 408, 429):
                raise QueryRefused(f"sparql store {url}: HTTP {error.code}: {detail}") from None
            raise StoreError(f"sparql store {url}: HTTP {error.code}: {detail}") from None
        except (TimeoutError, urllib.error.URLError, HTTPException, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise StoreError(f"sparql store {url}: cannot be reached ({reason})") from None

    def graph_names(self) -> list[str]:
        """mgkg's graphs in the store (IRIs under `<base>graph/`), sorted; cached for `graph_ttl` seconds."""
        if self._graphs is not None and time.monotonic() - self._graphs[0] < self.graph_ttl:
            return self._graphs[1]
        text = (
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {Literal(self.owned).n3()})) }}"
        )
        names = sorted({str(row[0].value) for row in self.select(text, dataset=False) if row[0] is not None})
        self._graphs = (time.monotonic(), names)
        return names

    def select(self, text: str, dataset: bool = True) -> list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]]:
        """The rows of a SELECT query over mgkg's graphs (`dataset`) or the endpoint's own dataset."""
        return solution_rows(self.raw.query(text, use_default_graph_as_union=dataset), f"sparql store {self.query_url}")

    def write(self, text: str) -> None:
        """Run a SPARQL update at the update URL (StoreError when this store is read-only)."""
        if self.read_only:
            raise StoreError(f"sparql store {self.update_url} is open read-only")
        self._graphs = None
        self.post(self.update_url, [("update", text)], "*/*")

    # -- the Store interface -----------------------------------------------------------------------------
    def update(self, text: str) -> None:
        """Run a SPARQL update (remote stores hold named graphs only: name the graph in the update)."""
        self.write(text)

    def replace(self, dataset: Dataset) -> None:
        """Drop mgkg's graphs, then insert the quads of `dataset` (not atomic on a remote store)."""
        data = dataset.serialize(format="nquads", encoding="utf-8")
        quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
        for quad in quads:
            self.check(quad)
        old = self.graph_names()
        if old:
            self.write(" ;\n".join(f"DROP SILENT GRAPH {sparql_iri(g)}" for g in old))
        self.insert(quads)

    def check(self, quad: ox.Quad) -> None:
        """StoreError unless the quad is in a named graph this store keeps (under `<base>graph/`)."""
        graph = quad.graph_name
        if not isinstance(graph, ox.NamedNode) or not graph.value.startswith(self.owned):
            name = "the default graph" if isinstance(graph, ox.DefaultGraph) else str(graph)
            raise StoreError(
                f"sparql store {self.update_url}: cannot hold a triple in {name}: "
                f"a remote store keeps mgkg's named graphs only (IRIs under {self.owned})"
            )

    def insert(self, quads: Iterable[ox.Quad], progress: Callable[[int], None] | None = None) -> int:
        """Add quads in INSERT DATA batches (blank-node triples last, one request per graph); the count."""
        batch: list[ox.Quad] = []
        blank: dict[str, list[ox.Quad]] = {}
        created: set[str] = set()
        count = 0
        for quad in quads:
            self.check(quad)
            count += 1
            if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
                blank.setdefault(str(quad.graph_name), []).append(quad)
                continue
            batch.append(quad)
            if len(batch) >= self.batch_size:
                self._insert_data(batch, created, progress)
                batch = []
        self._insert_data(batch, created, progress)
        for group in blank.values():
            text, new = _insert(group, created, "WHERE {}")
            self.write(text)
            created.update(new)
            if progress is not None:
                progress(len(group))
        return count

    def _insert_data(self, batch: list[ox.Quad], created: set[str], progress: Callable[[int], None] | None) -> None:
        """One INSERT DATA request; one the endpoint refuses (Virtuoso: too much SQL) goes again in halves."""
        if not batch:
            return
        text, new = _insert(batch, created)
        try:
            self.write(text)
        except QueryRefused:
            if len(batch) == 1:
                raise
            half = len(batch) // 2
            self._insert_data(batch[:half], created, progress)
            self._insert_data(batch[half:], created, progress)
            return
        created.update(new)
        if progress is not None:
            progress(len(batch))

    def graphs(self) -> list[URIRef]:
        """The IRIs of mgkg's named graphs in the store, sorted."""
        return [URIRef(g) for g in self.graph_names()]

    def dataset(self) -> Dataset:
        """An in-memory copy of every quad of mgkg's graphs (read a page at a time)."""
        return dataset_from_nquads(self.raw.dump(format=ox.RdfFormat.N_QUADS), self.namespaces.items())

    def __len__(self) -> int:
        """Number of quads in mgkg's graphs."""
        value = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0][0]
        return int(value.value) if value is not None else 0

    def close(self) -> None:
        """Nothing to release (every request is its own connection)."""
        self._graphs = None


class RemoteEngine:
    """The pyoxigraph.Store methods the server uses (query, update, graphs, quads), answered by the endpoint."""

    def __init__(self, store: RemoteStore) -> None:
        """Speak for `store`."""
        self.store = store

    def _dataset(self, default: object, named: object, union: bool) -> list[tuple[str, str]]:
        """The protocol's dataset parameters; a list left out (None) is every graph of mgkg's."""
        if default is None and named is None and not union:
            return []
        lists = [
            [ox.NamedNode(g) for g in self.store.graph_names()] if given is None
            else list(given) if isinstance(given, list | tuple) else [given]
            for given in (default, named)
        ]
        names: list[list[str]] = [[], []]
        for kind, items in enumerate(lists):
            for item in items:
                if not isinstance(item, ox.NamedNode):
                    raise ValueError(f"a remote store has named graphs only, not {item}")
                names[kind].append(item.value)
        return [
            (key, graph)
            for key, graphs in zip(("default-graph-uri", "named-graph-uri"), names, strict=True)
            for graph in (graphs or [NOTHING])
        ]

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: object = None,
        named_graphs: object = None,
        substitutions: Mapping[ox.Variable, object] | None = None,
    ) -> Outcome:
        """Run a query as pyoxigraph's Store.query would, on the endpoint (mgkg's graphs as dataset)."""
        bindings = {variable.value: _term(term) for variable, term in (substitutions or {}).items()}
        text = with_prologue(bind_values(query, bindings), base_iri, prefixes or {})
        form = query_form(text)
        union = use_default_graph_as_union and default_graph is None and named_graphs is None
        injected = with_dataset(text, self.store.graph_names() or [NOTHING]) if union else None
        if injected is not None:  # FROM clauses: Virtuoso echoes protocol graphs as headers (100 at most)
            text, graphs = injected, []
        else:
            graphs = self._dataset(default_graph, named_graphs, use_default_graph_as_union)
        accept = GRAPH_ACCEPT if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_ACCEPT
        body, media_type = self.store.post(self.store.query_url, [("query", text), *graphs], accept)
        try:
            return parse_answer(body, media_type, graph=accept == GRAPH_ACCEPT)
        except (SyntaxError, ValueError, UnicodeDecodeError) as error:
            reason = " ".join(str(error).split())[:200]
            raise StoreError(f"sparql store {self.store.query_url}: unreadable {media_type} answer: {reason}") from None

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        """Run an update on the endpoint (its WHERE clauses see the endpoint's own default graph)."""
        self.store.write(with_prologue(update, base_iri, {}))

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """mgkg's graphs in the store."""
        return iter([ox.NamedNode(g) for g in self.store.graph_names()])

    def contains_named_graph(self, graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> bool:
        """Whether mgkg's graphs include `graph_name`."""
        return isinstance(graph_name, ox.NamedNode) and graph_name.value in self.store.graph_names()

    def quads_for_pattern(
        self, subject: object, predicate: object, obj: object, graph_name: object = None
    ) -> Iterator[ox.Quad]:
        """The quads of mgkg's graphs matching the pattern (None matches anything), a page at a time."""
        if isinstance(graph_name, ox.DefaultGraph):
            return iter(())  # a remote store keeps no triples outside named graphs
        pattern = zip("spog", (subject, predicate, obj, graph_name), strict=True)
        fixed = {name: _term(term) for name, term in pattern if term is not None}
        values = values_block(sorted(fixed), [[plain(fixed[n]) for n in sorted(fixed)]]) if fixed else ""
        inner = f"SELECT ?s ?p ?o ?g WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }} ORDER BY ?g ?s ?p ?o"
        return self._pages(inner)

    def _pages(self, inner: str) -> Iterator[ox.Quad]:
        offset = 0
        while True:
            text = f"SELECT ?s ?p ?o ?g WHERE {{ {{ {inner} }} }} LIMIT {self.store.page_size} OFFSET {offset}"
            rows = self.store.select(text)
            if not rows:
                return
            offset += len(rows)
            for s, p, o, g in rows:
                yield ox.Quad(s, p, o, g)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[ox.Quad]:
        """Every quad of mgkg's graphs."""
        return self.quads_for_pattern(None, None, None, None)

    def __len__(self) -> int:
        """Number of quads in mgkg's graphs."""
        return len(self.store)

    def dump(self, output: None = None, format: ox.RdfFormat | None = None) -> bytes:
        """Every quad of mgkg's graphs serialized (N-Quads by default), as bytes."""
        return ox.serialize(list(self), format=format or ox.RdfFormat.N_QUADS) or b""


def parse_spec(location: str) -> tuple[str, str | None]:
    """QUERY_URL and UPDATE_URL (None when not given) of the part after `sparql:`."""
    query_url, _, update_url = location.partition(";")
    return query_url.strip(), update_url.strip() or None
