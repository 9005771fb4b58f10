"""The shape of a readable export, shared by the Turtle/TriG and JSON-LD writers: graphs → groups → subject blocks.

Blank nodes referenced once are nested in the block that references them (`[ … ]`), well-formed RDF lists
become collections (`( … )`); only a blank node that is shared, cyclic, spans graphs or nests too deep gets a
label, and then the dataset is canonicalized first (pyoxigraph) so the labels are the same from run to run.
Everything is ordered by content alone: blocks by class group then IRI, predicates rdf:type first, objects by
their written key, so the same dataset gives the same document.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from oxrdflib._converter import from_ox, to_ox
from rdflib import RDF, BNode, Literal, URIRef
from rdflib.term import Node

from graph.exports.groups import group_of

Triple = tuple[Node, URIRef, Node]

MAX_NESTING = 32
"""Blank nodes nested deeper than this are written with a label instead (keeps the writers' recursion shallow)."""

FIRST_PREDICATES = (
    RDF.type,
    URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
    URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
    URIRef("http://www.w3.org/2004/02/skos/core#altLabel"),
    URIRef("http://purl.org/dc/terms/title"),
)
"""Predicates written first in a block, in this order; the others follow sorted by IRI."""
_RANK = {p: i for i, p in enumerate(FIRST_PREDICATES)}


@dataclass
class Collection:
    """An RDF list written as `( … )`: its items in list order."""

    items: list[Value]
    key: str = ""


@dataclass
class Block:
    """A subject and its properties; `subject` None is an unlabelled blank node written in place (`[ … ]`)."""

    subject: URIRef | BNode | None
    properties: list[tuple[URIRef, list[Value]]] = field(default_factory=list)
    key: str = ""


Value = Node | Block | Collection


@dataclass
class Group:
    """Subject blocks of one class group, with the group's heading."""

    heading: str
    blocks: list[Block]


@dataclass
class Part:
    """One named graph of the document (name None: the union of the selected graphs, for Turtle)."""

    name: URIRef | None
    groups: list[Group]


@dataclass
class Document:
    """What a readable writer writes: the parts in order, and the label of each blank node that needs one."""

    parts: list[Part]
    labels: dict[BNode, str]


def _key(value: Value) -> str:
    if isinstance(value, (Block, Collection)):
        return value.key
    if isinstance(value, Literal):
        return f'"{value}"@{value.language or ""}^^{value.datatype or ""}'
    return ("_:" if isinstance(value, BNode) else "<") + str(value)


class _Analysis:
    """Which blank nodes nest, which lists are collections, and which blank nodes need a label."""

    def __init__(self, parts: Sequence[tuple[URIRef | None, list[Triple]]]) -> None:
        self.parts = parts
        self.props: list[dict[Node, list[tuple[URIRef, Node]]]] = []
        references: Counter[BNode] = Counter()
        referrer_part: dict[BNode, int] = {}
        subject_parts: defaultdict[BNode, set[int]] = defaultdict(set)
        for index, (_, triples) in enumerate(parts):
            props: defaultdict[Node, list[tuple[URIRef, Node]]] = defaultdict(list)
            for s, p, o in triples:
                props[s].append((p, o))
                if isinstance(s, BNode):
                    subject_parts[s].add(index)
                if isinstance(o, BNode):
                    references[o] += 1
                    referrer_part[o] = index
            self.props.append(dict(props))
        self.nested: set[Node] = {
            b for b, n in references.items() if n == 1 and subject_parts.get(b, set()) <= {referrer_part[b]}
        }
        self.anonymous: set[Node] = {b for b, where in subject_parts.items() if not references[b] and len(where) == 1}
        every: set[Node] = set(subject_parts) | set(references)
        self.labelled = every - self.nested - self.anonymous
        self.lists: dict[Node, list[Node]] = {}
        self.cells: dict[Node, set[Node]] = {}
        for table in self.props:
            self._find_lists(table)
        self._resolve_unreached()

    def _list_cell(self, node: Node, props: dict[Node, list[tuple[URIRef, Node]]]) -> Node | None:
        """The rdf:first of a nested blank node that holds exactly rdf:first and rdf:rest, else None."""
        if node not in self.nested:
            return None
        pairs = props.get(node, [])
        if len(pairs) != 2 or {p for p, _ in pairs} != {RDF.first, RDF.rest}:
            return None
        return next(o for p, o in pairs if p == RDF.first)

    def _find_lists(self, props: dict[Node, list[tuple[URIRef, Node]]]) -> None:
        rests = {o for s, pairs in props.items() if self._list_cell(s, props) is not None
                 for p, o in pairs if p == RDF.rest}  # fmt: skip
        for head in props:
            if head in rests or self._list_cell(head, props) is None:
                continue
            items, node, seen = [], head, set()
            while node != RDF.nil:
                item = self._list_cell(node, props)
                if item is None or node in seen:
                    break
                seen.add(node)
                items.append(item)
                node = next(o for p, o in props[node] if p == RDF.rest)
            else:
                self.lists[head] = items
                self.cells[head] = seen

    def _children(self, node: Node, index: int) -> Iterable[Node]:
        if node in self.lists:
            return (item for item in self.lists[node] if item in self.nested)
        return (o for _, o in self.props[index].get(node, []) if o in self.nested)

    def _reached(self) -> set[Node]:
        """Nested blank nodes reachable from a written block within MAX_NESTING (the others go labelled)."""
        reached: set[Node] = set()
        for index, props in enumerate(self.props):
            stack = [(s, 0) for s in props if s not in self.nested]
            while stack:
                node, depth = stack.pop()
                for child in self._children(node, index):
                    if depth + 1 > MAX_NESTING:
                        self.nested.discard(child)
                        self.labelled.add(child)
                    elif child not in reached:
                        reached.add(child)
                        reached.update(self.cells.get(child, set()))
                        stack.append((child, depth + 1))
        return reached

    def _resolve_unreached(self) -> None:
        """Blank nodes in a cycle of single references: label the least (by label) until every one is reached."""
        while True:
            unreached = self.nested - self._reached()
            if not unreached:
                return
            first = min(unreached, key=str)
            self.nested.discard(first)
            self.labelled.add(first)
            self.lists.pop(first, None)
            self.cells.pop(first, None)


def _canonical(parts: Sequence[tuple[URIRef | None, list[Triple]]]) -> list[tuple[URIRef | None, list[Triple]]]:
    """The parts with their blank nodes renamed canonically (pyoxigraph), so labels depend on content alone."""
    dataset = ox.Dataset()
    for name, triples in parts:
        graph = ox.NamedNode(str(name)) if name is not None else ox.DefaultGraph()
        for s, p, o in triples:
            dataset.add(ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph))  # type: ignore[arg-type]
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    out: dict[URIRef | None, list[Triple]] = {name: [] for name, _ in parts}
    for quad in dataset:
        name = None if isinstance(quad.graph_name, ox.DefaultGraph) else URIRef(quad.graph_name.value)
        out[name].append((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))  # type: ignore[arg-type]
    return list(out.items())


class _Builder:
    """Turns the analysed parts into ordered blocks."""

    def __init__(self, analysis: _Analysis, classes: Mapping[URIRef, frozenset[URIRef]] | None) -> None:
        self.a = analysis
        self.classes = classes
        self.seen: dict[frozenset[URIRef], tuple[int, str]] = {}

    def value(self, node: Node, index: int) -> Value:
        if node in self.a.lists:
            items = [self.value(item, index) for item in self.a.lists[node]]
            return Collection(items, "(" + " ".join(_key(i) for i in items) + ")")
        if node in self.a.nested:
            return self.block(node, index, anonymous=True)
        return node

    def block(self, subject: Node, index: int, anonymous: bool = False) -> Block:
        grouped: defaultdict[URIRef, list[Value]] = defaultdict(list)
        for p, o in self.a.props[index].get(subject, []):
            grouped[p].append(self.value(o, index))
        order = sorted(grouped, key=lambda p: (_RANK.get(p, len(_RANK)), str(p)))
        properties = [(p, sorted(grouped[p], key=_key)) for p in order]
        key = "[" + ";".join(f"{p} " + ",".join(_key(v) for v in grouped[p]) for p in order) + "]"
        if not anonymous:
            key = _key(subject) + key
        return Block(None if anonymous else subject, properties, key)  # type: ignore[arg-type]

    def groups(self, index: int) -> list[Group]:
        props = self.a.props[index]
        found: defaultdict[tuple[int, str], list[Block]] = defaultdict(list)
        for subject in props:
            if subject in self.a.nested:
                continue
            types = frozenset(o for p, o in props[subject] if p == RDF.type and isinstance(o, URIRef))
            if types not in self.seen:
                self.seen[types] = group_of(types, self.classes)
            found[self.seen[types]].append(self.block(subject, index, subject in self.a.anonymous))
        return [
            Group(heading, sorted(blocks, key=lambda b: (b.subject is None, b.key)))
            for (_, heading), blocks in sorted(found.items())
        ]


def build_document(
    parts: Sequence[tuple[URIRef | None, list[Triple]]], classes: Mapping[URIRef, frozenset[URIRef]] | None = None
) -> Document:
    """The ordered document of `parts` (graph name or None, its triples); `classes`: class → its superclasses."""
    analysis = _Analysis(parts)
    if analysis.labelled:
        analysis = _Analysis(_canonical(parts))
    labels = {BNode(str(b)): f"b{n}" for n, b in enumerate(sorted(analysis.labelled, key=str), 1)}
    builder = _Builder(analysis, classes)
    return Document([Part(name, builder.groups(i)) for i, (name, _) in enumerate(analysis.parts)], labels)
