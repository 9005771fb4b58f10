"""Where writes may go: contribution graphs only; the default graph of a write is its writer's contribution graph.

Every graph the build makes — one per source document, provenance, curation, links, enrichment, the ontology —
and the history graph are read-only to writes, and so are the unnamed default graph and any other IRI. A write
may change only graphs under `{base}graph/contributions/`: its writer's own, `{base}graph/contributions/{writer}`,
or any other IRI under that prefix a client names (e.g. `…/contributions/alice/notes`).

`redirect_default` rewrites an update before it runs so that what it would write to the default graph goes to
the writer's contribution graph instead: the triples of INSERT DATA / DELETE DATA blocks, of DELETE / INSERT
templates and of DELETE WHERE patterns that no GRAPH encloses are wrapped in `GRAPH <contribution> { … }`
(an operation with WITH keeps its WITH), and LOAD without INTO loads into it. WHERE clauses are not rewritten:
they read the store's default graph, which a build leaves empty (name graphs with GRAPH, USING or WITH).
`refuse_bulk_drops` refuses DROP / CLEAR of ALL, DEFAULT or NAMED before anything runs; `check_graphs` refuses a
write whose computed changes touch any graph that is not a contribution graph, naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from graph.core.errors import Kind, MgkgError
from graph.core.namespaces import normalize_base
from graph.sparql.tokens import Token, tokenize

WRITER_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""What a writer's name may be (it is the last segment of its contribution graph's IRI)."""

BULK_TARGETS = ("ALL", "DEFAULT", "NAMED")
"""What DROP / CLEAR may not name: writes empty graphs one by one, and only contribution graphs."""

Operation = list[tuple[int, str, int]]
"""The depth-0 tokens of one update operation: (token index, upper-cased word or token text, start offset)."""


class PolicyError(MgkgError):
    """A write the policy refuses (REFUSED: 403): the message is one line naming the graph or the operation."""

    kind = Kind.REFUSED


def contributions_prefix(base: str) -> str:
    """The IRI every contribution graph starts with: `{base}graph/contributions/`."""
    return f"{normalize_base(base)}graph/contributions/"


def contribution_graph(writer: str, base: str) -> ox.NamedNode:
    """The writer's own contribution graph: `{base}graph/contributions/{writer}`."""
    if not WRITER_NAME.fullmatch(writer):
        raise PolicyError(f"{writer!r} is not a writer name (a-z, 0-9, _ and -, at most 64, starting with a-z or 0-9)")
    return ox.NamedNode(contributions_prefix(base) + writer)


def is_writable(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | str, base: str) -> bool:
    """Whether a write may change `graph`: a named graph under the contributions prefix (not the prefix itself)."""
    iri = graph if isinstance(graph, str) else graph.value if isinstance(graph, ox.NamedNode) else None
    prefix = contributions_prefix(base)
    return iri is not None and iri.startswith(prefix) and len(iri) > len(prefix)


def check_graphs(graphs: Iterable[ox.NamedNode | ox.BlankNode | ox.DefaultGraph | str], base: str) -> None:
    """PolicyError naming the first graph (in sorted order) a write may not change, if any."""
    refused = sorted({_describe(g) for g in graphs if not is_writable(g, base)})
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise PolicyError(
            f"{refused[0]} is read-only{more}: writes may change only contribution graphs "
            f"(<{contributions_prefix(base)}…>); nothing was changed"
        )


def _describe(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | str) -> str:
    if isinstance(graph, str):
        return f"graph <{graph}>"
    if isinstance(graph, ox.NamedNode):
        return f"graph <{graph.value}>"
    return "the default graph"


def operations(text: str) -> Iterator[Operation]:
    """The depth-0 tokens of each operation of an update (split at depth-0 ';')."""
    depth = 0
    current: Operation = []
    for index, token in enumerate(tokenize(text)):
        if token.text == "}":
            depth -= 1
        if depth == 0:
            if token.text == ";":
                yield current
                current = []
                continue
            current.append((index, token.keyword or token.text, token.start))
        if token.text == "{":
            depth += 1
    yield current


def without_prologue(operation: Operation) -> Operation:
    """The operation without its PREFIX / BASE declarations."""
    words = [word for _, word, _ in operation]
    start = 0
    while len(words) - start >= 2 and words[start] in ("PREFIX", "BASE"):
        start += 3 if words[start] == "PREFIX" else 2
    return operation[start:]


def refuse_bulk_drops(text: str) -> None:
    """PolicyError for DROP / CLEAR of ALL, DEFAULT or NAMED (SILENT or not) in any operation of `text`."""
    for operation in operations(text):
        words = [word for _, word, _ in without_prologue(operation)]
        if not words or words[0] not in ("DROP", "CLEAR"):
            continue
        target = words[2:3] if words[1:2] == ["SILENT"] else words[1:2]
        if target and target[0] in BULK_TARGETS:
            raise PolicyError(
                f"{words[0]} {target[0]} is refused: writes may change only contribution graphs; "
                f"{words[0]} GRAPH <iri> empties one of them"
            )


def redirect_default(text: str, graph: ox.NamedNode) -> str:
    """The update with what it would write to (or delete from) the default graph aimed at `graph` instead.

    Triples outside GRAPH in DATA blocks, DELETE / INSERT templates and DELETE WHERE patterns are wrapped in
    GRAPH <graph> { … } (operations with WITH are left as they are); LOAD without INTO gets INTO GRAPH <graph>.
    """
    tokens = tokenize(text)
    edits: list[tuple[int, int, str]] = []
    for operation in operations(text):
        body = without_prologue(operation)
        words = [word for _, word, _ in body]
        if not words or "WITH" in words[:1]:
            continue
        if words[0] == "LOAD" and "INTO" not in words:
            last = tokens[body[-1][0]]
            edits.append((last.start + len(last.text), last.start + len(last.text), f" INTO GRAPH <{graph.value}>"))
        elif words[0] in ("INSERT", "DELETE"):
            for open_index in _template_blocks(body):
                edits.append(_wrap_block(text, tokens, open_index, graph))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _template_blocks(body: Operation) -> Iterator[int]:
    """Token indexes of the `{` of each template (or DATA block, or DELETE WHERE pattern) of an INSERT/DELETE."""
    for position, (_, word, _) in enumerate(body):
        if word not in ("INSERT", "DELETE"):
            continue
        following = [entry for entry in body[position + 1 : position + 3]]
        if following and following[0][1] == "{":
            yield following[0][0]
        elif len(following) == 2 and following[0][1] in ("DATA", "WHERE") and following[1][1] == "{":
            yield following[1][0]


def _wrap_block(text: str, tokens: tuple[Token, ...], open_index: int, graph: ox.NamedNode) -> tuple[int, int, str]:
    """(start, end, replacement) of the inside of the block opened at `open_index`: triples outside GRAPH wrapped."""
    parts: list[str] = []
    depth, index, segment_start = 0, open_index + 1, None
    inside_start = tokens[open_index].start + 1
    close_start = len(text)
    while index < len(tokens):
        token = tokens[index]
        if depth == 0 and token.text == "}":
            close_start = token.start
            break
        if depth == 0 and token.keyword == "GRAPH":
            if segment_start is not None:
                parts.append(_wrapped(text[segment_start : token.start], graph))
                segment_start = None
            end_index = _block_end(tokens, index + 2)
            end_token = tokens[end_index]
            parts.append(text[token.start : end_token.start + 1])
            index = end_index + 1
            continue
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        if segment_start is None:
            segment_start = token.start
        index += 1
    if segment_start is not None:
        parts.append(_wrapped(text[segment_start:close_start], graph))
    return inside_start, close_start, " " + " ".join(part for part in parts if part) + " "


def _block_end(tokens: tuple[Token, ...], open_index: int) -> int:
    """The index of the `}` that closes the `{` at `open_index` (the last token when it is never closed)."""
    depth = 0
    for index in range(open_index, len(tokens)):
        if tokens[index].text == "{":
            depth += 1
        elif tokens[index].text == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1


def _wrapped(triples: str, graph: ox.NamedNode) -> str:
    """`GRAPH <graph> { triples }`, or '' when `triples` is only the optional dot after a GRAPH block."""
    triples = triples.strip().lstrip(".").strip()
    return f"GRAPH <{graph.value}> {{ {triples} }}" if triples else ""
