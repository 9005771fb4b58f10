"""Bounded lookups: queries whose whole work is one index scan that stops with its output.

A *bounded lookup* is a SELECT with one triple pattern and nothing else, such as the point lookup a Linked Data
client sends for each entity:

    PREFIX p: <…>   SELECT ?p ?o WHERE { <https://…/project/x> ?p ?o }   LIMIT 100

Only these tokens are allowed: PREFIX/BASE declarations; SELECT with variables or `*` (no DISTINCT, no
expressions); an optional WHERE; one group holding exactly one triple pattern (optionally ended by `.`) whose
terms are IRIs, prefixed names, variables, literals (with a language tag or datatype) or `a`, no variable twice;
an optional LIMIT. No FROM, OFFSET, FILTER, ORDER BY, sub-group or anything else. Oxigraph answers such a query
by one scan of one index, lazily: each solution is produced as the serializer asks for it, so the work stops
with the output (the row limit, or the caller's deadline checked as the bytes are written) — it cannot run
away, nest, or grow memory beyond its answer. A repeated variable (`?x ?x ?x`) is excluded: it would filter a
scan without producing output. The server answers bounded lookups in its own process within a small time budget
instead of handing them to a query process (server.context.Runtime.run).
"""

from __future__ import annotations

from graph.sparql.tokens import SHORT_TEXT, Token, cached_for_short_texts, tokenize

LOOKUP_LEVELS = 2
"""The most levels graph.sparql.nesting counts for a bounded lookup: its group, and one more for `SELECT *` (the
star is read as a link of a chain). Below this `max_depth` the guard reads every lookup."""

_TERM_KINDS = frozenset(("iri", "pname", "var", "number"))
"""Token kinds that are a whole term of a triple pattern by themselves (strings are handled apart)."""


def _prologue_end(tokens: tuple[Token, ...]) -> int | None:
    """The index after the PREFIX / BASE declarations (None when one is malformed)."""
    at = 0
    while at < len(tokens) and tokens[at].keyword in ("PREFIX", "BASE"):
        if tokens[at].keyword == "BASE":
            if at + 1 >= len(tokens) or tokens[at + 1].kind != "iri":
                return None
            at += 2
            continue
        if at + 2 >= len(tokens) or tokens[at + 1].kind != "pname" or not tokens[at + 1].text.endswith(":"):
            return None
        if tokens[at + 2].kind != "iri":
            return None
        at += 3
    return at


def _term(tokens: tuple[Token, ...], at: int, predicate: bool) -> int | None:
    """The index after the term starting at `at` (None when none starts there)."""
    if at >= len(tokens):
        return None
    token = tokens[at]
    if token.kind in _TERM_KINDS:
        return at + 1
    if predicate and token.kind == "word" and token.text == "a":
        return at + 1
    if token.kind == "word" and token.keyword in ("TRUE", "FALSE") and not predicate:
        return at + 1
    if token.kind != "string" or predicate:
        return None
    following = tokens[at + 1] if at + 1 < len(tokens) else None
    if following is not None and following.kind == "lang":
        return at + 2
    if following is not None and following.text == "^^":
        datatype = tokens[at + 2] if at + 2 < len(tokens) else None
        return at + 3 if datatype is not None and datatype.kind in ("iri", "pname") else None
    return at + 1


def _pattern_end(tokens: tuple[Token, ...], at: int) -> int | None:
    """The index after `{ s p o .? }` starting at `at` (None unless exactly that, no variable twice)."""
    if at >= len(tokens) or tokens[at].text != "{" or tokens[at].kind != "punct":
        return None
    start = at + 1
    after_subject = _term(tokens, start, predicate=False)
    after_predicate = _term(tokens, after_subject, predicate=True) if after_subject is not None else None
    after_object = _term(tokens, after_predicate, predicate=False) if after_predicate is not None else None
    if after_object is None:
        return None
    variables = [t.text[1:] for t in tokens[start:after_object] if t.kind == "var"]
    if len(set(variables)) != len(variables):
        return None
    at = after_object
    if at < len(tokens) and tokens[at].text == "." and tokens[at].kind == "punct":
        at += 1
    if at >= len(tokens) or tokens[at].text != "}" or tokens[at].kind != "punct":
        return None
    return at + 1


@cached_for_short_texts(maxsize=256)
def bounded_lookup(text: str) -> bool:
    """Whether `text` is a bounded lookup (see the module's description); short texts only."""
    if len(text) > SHORT_TEXT:
        return False
    tokens = tokenize(text)
    at = _prologue_end(tokens)
    if at is None or at >= len(tokens) or tokens[at].keyword != "SELECT":
        return False
    at += 1
    if at < len(tokens) and tokens[at].text == "*" and tokens[at].kind == "punct":
        at += 1
    else:
        first = at
        while at < len(tokens) and tokens[at].kind == "var":
            at += 1
        if at == first:
            return False
    if at < len(tokens) and tokens[at].keyword == "WHERE":
        at += 1
    end = _pattern_end(tokens, at)
    if end is None:
        return False
    if end < len(tokens) and tokens[end].keyword == "LIMIT":
        if end + 1 >= len(tokens) or tokens[end + 1].kind != "number" or not tokens[end + 1].text.isdigit():
            return False
        end += 2
    return end == len(tokens)


def plain_lookup(text: str, max_depth: int) -> bool:
    """A bounded lookup with no backslash, under a `max_depth` of at least LOOKUP_LEVELS: graph.sparql.guard has
    nothing to find in it (no SERVICE, LOAD, FROM or GRAPH, nesting within the limit) and, with no `\\u` escape,
    the engine reads the same tokens as the lexer did."""
    return max_depth >= LOOKUP_LEVELS and "\\" not in text and bounded_lookup(text)
