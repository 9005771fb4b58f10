"""An update's operations, read from its text: the prologue in force, the depth-0 words, the text of each —
and the rewriting that makes a write's default graph its writer's contribution graph.

SPARQL 1.1 Update says templates and WHERE clauses without GRAPH use the store's default graph; a write's
default graph is instead `default_graph` (the writer's contribution graph): `INSERT`/`DELETE … WHERE` get
`WITH <g>` (unless they have WITH), `DELETE WHERE { P }` becomes `WITH <g> DELETE { P } WHERE { P }`, `LOAD`
without INTO loads INTO GRAPH <g>, and DEFAULT in ADD / COPY / MOVE / DROP / CLEAR names <g>. INSERT DATA /
DELETE DATA are not rewritten: their quads are read (data_quads) and their triples without GRAPH put in <g>.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from pyparsing import ParseException
from rdflib import URIRef, Variable
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate

from graph.changes.model import ChangesError
from graph.sparql.tokens import Token, tokenize


@dataclass(frozen=True)
class Operation:
    """One operation of an update: the PREFIX/BASE declarations in force, its depth-0 tokens and its own text."""

    prologue: str
    tokens: tuple[Token, ...]
    text: str
    start: int

    @property
    def words(self) -> list[str]:
        """The depth-0 tokens, keywords upper-cased."""
        return [token.keyword or token.text for token in self.tokens]

    @property
    def silent(self) -> bool:
        """The operation says SILENT."""
        return "SILENT" in self.words[:2]

    def target(self) -> ox.NamedNode | None:
        """The graph a DROP / CLEAR / CREATE [SILENT] GRAPH <iri> names (None for ALL, NAMED, DEFAULT, a prefixed
        name or a relative IRI)."""
        words = [w for w in self.words if w != "SILENT"]
        if len(words) == 3 and words[1] == "GRAPH" and words[2].startswith("<"):
            try:
                return ox.NamedNode(words[2][1:-1])
            except ValueError:
                return None
        return None


def split(text: str) -> list[Operation]:
    """The operations of an update in order (split at depth-0 ';'), each with the prologue in force."""
    found: list[Operation] = []
    prologue: list[str] = []
    depth, end = 0, 0
    current: list[Token] = []
    for token in tokenize(text):
        if token.text == "}":
            depth -= 1
        if depth == 0 and token.text == ";":
            _close(text, current, end, prologue, found)
            current = []
            continue
        if depth == 0:
            current.append(token)
        end = token.start + len(token.text)
        if token.text == "{":
            depth += 1
    _close(text, current, end, prologue, found)
    return found


def _close(text: str, tokens: list[Token], end: int, prologue: list[str], found: list[Operation]) -> None:
    """Move the PREFIX / BASE declarations at the start of `tokens` to `prologue`; add what is left as an operation."""
    while len(tokens) >= 2 and tokens[0].keyword in ("PREFIX", "BASE"):
        size = 3 if tokens[0].keyword == "PREFIX" else 2
        last = tokens[min(size, len(tokens)) - 1]
        prologue.append(text[tokens[0].start : last.start + len(last.text)])
        del tokens[:size]
    if tokens:
        start = tokens[0].start
        found.append(Operation("\n".join(prologue), tuple(tokens), text[start:end], start))


def kind(operation: Operation) -> str:
    """"INSERT DATA", "DELETE DATA", "DROP", "CLEAR", "CREATE" (each naming one graph by IRI), or "RUN" for
    every operation whose changes only running it tells."""
    words = operation.words
    if words[:2] in (["INSERT", "DATA"], ["DELETE", "DATA"]) and words[-1] == "}":
        return " ".join(words[:2])
    if words[0] in ("DROP", "CLEAR", "CREATE") and operation.target() is not None:
        return words[0]
    return "RUN"


def rewrite(operation: Operation, default_graph: ox.NamedNode | ox.DefaultGraph) -> str:
    """The operation's text, with its prologue, where no GRAPH means `default_graph` (see the module docstring;
    the store's own default graph, as SPARQL 1.1 Update has it, leaves the text as it is)."""
    if isinstance(default_graph, ox.DefaultGraph):
        return f"{operation.prologue}\n{operation.text}" if operation.prologue else operation.text
    words, text, graph = operation.words, operation.text, f"<{default_graph.value}>"
    if words[0] == "DELETE" and words[1:2] == ["WHERE"]:
        block = text[operation.tokens[2].start - operation.start :]
        text = f"WITH {graph} DELETE {block} WHERE {block}"
    elif words[0] in ("INSERT", "DELETE"):
        text = f"WITH {graph} {text}"
    elif words[0] == "LOAD" and "INTO" not in words:
        text = f"{text} INTO GRAPH {graph}"
    elif words[0] in ("ADD", "COPY", "MOVE", "DROP", "CLEAR"):
        for token in reversed(operation.tokens):
            if token.keyword == "DEFAULT":
                at = token.start - operation.start
                text = f"{text[:at]}GRAPH {graph}{text[at + len(token.text):]}"
    return f"{operation.prologue}\n{text}" if operation.prologue else text


def data_quads(
    operation: Operation, base_iri: str | None, default_graph: ox.NamedNode | ox.DefaultGraph
) -> list[ox.Quad]:
    """The quads of an INSERT DATA / DELETE DATA block, those without GRAPH in `default_graph` (blank nodes as
    the block has them: a fresh label each); SyntaxError when the block does not parse."""
    block = operation.text[operation.tokens[1].start - operation.start :]
    parsed = ox.Store()
    parsed.update(f"{operation.prologue}\nINSERT {block}", base_iri=base_iri)
    quads = [
        ox.Quad(q.subject, q.predicate, q.object, default_graph) if isinstance(q.graph_name, ox.DefaultGraph) else q
        for q in parsed
    ]
    if operation.words[0] == "DELETE" and any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
                                              for q in quads):
        raise ChangesError("DELETE DATA cannot hold blank nodes (SPARQL 1.1 Update)")
    return quads


def template_graphs(text: str, base_iri: str | None) -> set[ox.NamedNode | ox.DefaultGraph] | None:
    """The graphs an update of DELETE / INSERT … WHERE operations can change: those its templates name (a template
    triple without GRAPH goes to the WITH graph, else the default graph). None when that is not known from the text
    — a template with GRAPH ?variable, another kind of operation, or a text rdflib's parser does not read — so the
    caller compares the whole store instead."""
    try:
        parsed = translateUpdate(parseUpdate(text), base=base_iri)
    except (ParseException, ValueError, TypeError, KeyError, AttributeError, NotImplementedError):
        return None
    graphs: set[ox.NamedNode | ox.DefaultGraph] = set()
    for operation in parsed.algebra:
        if operation.name not in ("Modify", "DeleteWhere"):
            return None
        parts = [operation] if operation.name == "DeleteWhere" else [
            _field(operation, part) for part in ("delete", "insert") if _field(operation, part) is not None
        ]
        default = _field(operation, "withClause")
        for part in parts:
            if _field(part, "triples"):
                graphs.add(ox.NamedNode(str(default)) if isinstance(default, URIRef) else ox.DefaultGraph())
            for name in _field(part, "quads") or {}:
                if isinstance(name, Variable) or not isinstance(name, URIRef):
                    return None
                graphs.add(ox.NamedNode(str(name)))
    return graphs


def _field(node: Any, key: str) -> Any:
    """A field of an rdflib algebra node, None when absent (its .get() can raise KeyError for a missing key)."""
    return node[key] if key in node else None  # noqa: SIM401 (CompValue.get raises for some missing keys)
