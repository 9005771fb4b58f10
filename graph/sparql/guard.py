"""The network allowlist of SPARQL texts: which SERVICE, LOAD, FROM and USING targets a request may name.

No request may make the server reach the network except for IRIs under a prefix of `settings.allowlist`
(empty by default). pyoxigraph *does* use HTTP: `SERVICE <iri>` POSTs the sub-query (application/sparql-query)
to <iri> and `LOAD <iri>` GETs <iri> (tests/test_guard.py shows both with a local endpoint). It never
dereferences FROM / FROM NAMED / USING / USING NAMED IRIs, which only select graphs of the store. Policy,
enforced before anything is evaluated (`Refused`, BAD_INPUT: the endpoint answers 400): SERVICE and LOAD targets must be
allowlisted (a variable SERVICE endpoint is always refused); FROM / USING IRIs and the default-graph-uri,
named-graph-uri, using-graph-uri and using-named-graph-uri parameters must be allowlisted or name a graph
already in the store.
SERVICE SILENT / LOAD SILENT outside the allowlist are not refused but made to fail, as SILENT operations
may: their target becomes NOWHERE (<urn:mgkg:not-allowlisted>, which Oxigraph cannot fetch), so SERVICE
SILENT joins one empty solution and LOAD SILENT does nothing.

How the text is read: it is split into SPARQL tokens, so comments, strings, IRIs, prefixed names and
variables are tokens of their own and a SERVICE inside them is no keyword. Keywords, their targets, PREFIX
and BASE come from the tokens. A tokenizer alone is not trusted where it would *clear* a query, because `<`
is both an IRI start and an operator: whenever the letters "service" or "load" occur other than as keyword
tokens, the text is parsed with rdflib's SPARQL grammar and the SERVICE / LOAD nodes of its parse tree
decide. If rdflib cannot parse it — or it contains \\u escapes, which rdflib expands before parsing and
Oxigraph does not — the request is refused. A text rewritten for SILENT is checked again from scratch.

Before any of that, a text nested deeper than `max_depth` levels (the setting; graph.sparql.nesting says what
counts) is refused: pyoxigraph's recursive parser would crash the process on it, and rdflib's would raise a
RecursionError.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin

from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Prologue
from rdflib.term import Variable

from graph.core.errors import MgkgError
from graph.core.text import joined_error
from graph.sparql.nesting import DEFAULT_MAX_DEPTH, measure
from graph.sparql.text import used_prefixes
from graph.sparql.tokens import FORMS, Token, cached_for_short_texts, tokenize

_NETWORK_WORDS = re.compile(r"service|load", re.IGNORECASE)
_PARSE_LOCK = threading.Lock()  # pyparsing's packrat cache is shared module state


class Refused(MgkgError, ValueError):
    """A text the allowlist refuses, or one that cannot be checked: a one-line reason.

    BAD_INPUT: whoever sent the text must change it. Where the text is mgkg's own (a named query), the server
    reports the refusal as REFUSED (server.views.named).
    """


@dataclass(frozen=True)
class Call:
    """A SERVICE or LOAD: its target IRI (None when not a fixed IRI), SILENT, and where the target is written."""

    keyword: str
    iri: str | None
    silent: bool = False
    span: tuple[int, int] | None = None


@dataclass
class Findings:
    """What a query or update asks for that could involve other resources."""

    form: str | None = None
    calls: list[Call] = field(default_factory=list)
    datasets: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def has_dataset(self) -> bool:
        """Whether the text has FROM / FROM NAMED clauses."""
        return any(clause.startswith("FROM") for clause, _ in self.datasets)


def _unescape_iri(body: str) -> str:
    return re.sub(
        r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", lambda m: chr(int(m.group(1) or m.group(2), 16)), body
    )


class _Scope:
    """PREFIX and BASE declarations seen so far, to turn IRI and prefixed-name tokens into IRIs."""

    def __init__(self, base: str | None, prefixes: Sequence[tuple[str, str]] = ()) -> None:
        self.base = base
        self.prefixes: dict[str, str] = dict(prefixes)

    def resolve(self, token: Token | None) -> str | None:
        if token is None:
            return None
        if token.kind == "iri":
            iri = _unescape_iri(token.text[1:-1])
            return urljoin(self.base, iri) if self.base and ":" not in iri else iri
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            namespace = self.prefixes.get(prefix)
            return None if namespace is None else namespace + re.sub(r"\\(.)", r"\1", local)
        return None


def _scan(tokens: Sequence[Token], base: str | None, prefixes: Sequence[tuple[str, str]] = ()) -> Findings:
    found = Findings()
    scope = _Scope(base, prefixes)

    def after(index: int, optional: str) -> tuple[Token | None, bool]:
        present = index < len(tokens) and tokens[index].keyword == optional
        index += present
        return (tokens[index] if index < len(tokens) else None), present

    for index, token in enumerate(tokens):
        word = token.keyword
        if word == "PREFIX" and index + 2 < len(tokens) and tokens[index + 1].kind == "pname":
            resolved = scope.resolve(tokens[index + 2])
            if resolved is not None:
                scope.prefixes[tokens[index + 1].text.partition(":")[0]] = resolved
        elif word == "BASE" and index + 1 < len(tokens):
            scope.base = scope.resolve(tokens[index + 1]) or scope.base
        elif word in FORMS and found.form is None:
            found.form = word
        elif word in ("SERVICE", "LOAD"):
            target, silent = after(index + 1, "SILENT")
            span = None if target is None else (target.start, target.start + len(target.text))
            found.calls.append(Call(word, scope.resolve(target), silent, span))
        elif word in ("FROM", "USING"):
            target, named = after(index + 1, "NAMED")
            found.datasets.append((f"{word} NAMED" if named else word, scope.resolve(target)))
    return found


def _walk(node: object) -> Iterator[CompValue]:
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            continue
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, Iterable):
            stack.extend(item)


def _tree_calls(text: str, is_update: bool, base: str | None) -> list[Call]:
    """SERVICE and LOAD according to rdflib's SPARQL grammar (raises if rdflib cannot parse the text)."""
    with _PARSE_LOCK:
        parsed: Any = parseUpdate(text) if is_update else parseQuery(text)
    parts = list(zip(parsed["prologue"], parsed["request"], strict=False)) if is_update else [tuple(parsed)]
    calls: list[Call] = []
    prologue: Prologue | None = None
    for declarations, body in parts:
        prologue = translatePrologue(declarations, base if prologue is None else None, prologue=prologue)
        for node in _walk(body):
            silent = bool(node.get("silent"))
            if node.name == "ServiceGraphPattern":
                term = node.get("term")
                iri = None if isinstance(term, Variable) else str(prologue.absolutize(term))
                calls.append(Call("SERVICE", iri, silent))
            elif node.name == "Load":
                calls.append(Call("LOAD", str(prologue.absolutize(node.get("iri"))), silent))
    return calls


def _located(tree: list[Call], tokens: list[Call]) -> list[Call]:
    """The parse tree's calls, each given the span of a like call the tokenizer found (if any)."""
    unused = list(tokens)
    located = []
    for call in tree:
        twin = next((t for t in unused if (t.keyword, t.iri, t.silent) == (call.keyword, call.iri, call.silent)), None)
        if twin is not None:
            unused.remove(twin)
        located.append(Call(call.keyword, call.iri, call.silent, twin.span if twin else None))
    return located


def inspect(
    text: str, *, is_update: bool = False, base: str | None = None, max_depth: int = DEFAULT_MAX_DEPTH,
    prefixes: Mapping[str, str] | None = None,
) -> Findings:
    """SERVICE/LOAD targets, FROM/USING IRIs and the query form; Refused if it cannot be checked or nests deeper
    than `max_depth` levels (graph.sparql.nesting: such a text could crash the engine). `prefixes` are those the
    engine declares for the text (the graph's: graph.sparql.execute), so FROM mgg:links or SERVICE x:y are checked
    as the IRIs the engine will read (a PREFIX of the text wins over them, as in the engine).

    Findings are remembered per (text, is_update, base, max_depth, prefixes): a repeated query is read once.
    """
    found = _inspect(text, is_update, base, max_depth, tuple(used_prefixes(text, prefixes or {}).items()))
    return replace(found, calls=list(found.calls), datasets=list(found.datasets))


@cached_for_short_texts(maxsize=512)
def _inspect(
    text: str, is_update: bool, base: str | None, max_depth: int, prefixes: tuple[tuple[str, str], ...]
) -> Findings:
    refusal = measure(text).refusal(max_depth, "update" if is_update else "query")
    if refusal is not None:
        raise Refused(refusal)
    tokens = tokenize(text)
    found = _scan(tokens, base, prefixes)
    keywords = {t.start for t in tokens if t.keyword in ("SERVICE", "LOAD")}
    doubtful = [m.group() for m in _NETWORK_WORDS.finditer(text) if m.start() not in keywords]
    if not doubtful:
        return found
    word = doubtful[0].upper()
    if "\\u" in text or "\\U" in text:
        raise Refused(f"refused: the text has \\u escapes and mentions {word}; write it without escapes")
    try:
        found.calls = _located(_tree_calls(text, is_update, base), found.calls)
    except Exception as error:  # whatever rdflib fails with, the text cannot be cleared
        reason = "nested too deeply for rdflib's grammar" if isinstance(error, RecursionError) else joined_error(error)
        raise Refused(f"refused: {word} occurs where it cannot be checked ({reason})") from None
    return found


def allowed(iri: str, allowlist: Sequence[str]) -> bool:
    """Whether `iri` starts with one of the allowlisted prefixes."""
    return any(prefix and iri.startswith(prefix) for prefix in allowlist)


def check(
    found: Findings,
    allowlist: Sequence[str],
    has_graph: Callable[[str], bool],
    parameters: Sequence[tuple[str, str]] = (),
    silence: bool = True,
) -> list[tuple[int, int]]:
    """Refused unless every SERVICE/LOAD target is allowlisted and every FROM/USING graph is known.

    With `silence`, SILENT calls outside the allowlist are not refused: their spans are returned, to be
    replaced by NOWHERE.
    """
    where = f"allowlist: {', '.join(allowlist)}" if allowlist else "the allowlist is empty"
    silenced: list[tuple[int, int]] = []
    for call in found.calls:
        if call.iri is not None and allowed(call.iri, allowlist):
            continue
        if silence and call.silent and call.span is not None:
            silenced.append(call.span)
        elif call.iri is None:
            raise Refused(
                f"{call.keyword} needs a fixed, allowlisted IRI (not a variable or an undeclared prefix): "
                "the server calls no other endpoint"
            )
        else:
            raise Refused(f"{call.keyword} <{call.iri}> refused: the server reaches only allowlisted IRIs ({where}); "
                          f"to permit it, start the server with `--allow {call.iri}` or set MGKG_ALLOWLIST={call.iri}")
    for clause, iri in [*found.datasets, *parameters]:
        if iri is None:
            raise Refused(f"{clause} needs an IRI, or a prefixed name whose prefix is declared")
        if not allowed(iri, allowlist) and not has_graph(iri):
            raise Refused(f"{clause} <{iri}> refused: no graph of this store has that name and it is not allowlisted")
    return silenced


NOWHERE = "<urn:mgkg:not-allowlisted>"
"""What a SILENT SERVICE / LOAD target outside the allowlist becomes: an IRI Oxigraph cannot fetch."""


def secure(
    text: str,
    *,
    is_update: bool,
    base: str | None,
    allowlist: Sequence[str],
    has_graph: Callable[[str], bool],
    parameters: Sequence[tuple[str, str]] = (),
    max_depth: int = DEFAULT_MAX_DEPTH,
    prefixes: Mapping[str, str] | None = None,
) -> tuple[str, Findings]:
    """The text to run (SILENT calls outside the allowlist made to fail) and its findings; Refused if not allowed
    or nested deeper than `max_depth` levels (the setting `max_depth`).

    A rewritten text is checked again from scratch, with NOWHERE as its only extra allowed target.
    """
    found = inspect(text, is_update=is_update, base=base, max_depth=max_depth, prefixes=prefixes)
    spans = check(found, allowlist, has_graph, parameters)
    if not spans:
        return text, found
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + NOWHERE + text[end:]
    found = inspect(text, is_update=is_update, base=base, max_depth=max_depth, prefixes=prefixes)
    check(found, [*allowlist, NOWHERE[1:-1]], has_graph, parameters, silence=False)
    return text, found
