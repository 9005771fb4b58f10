"""How deeply a SPARQL text nests: the check that keeps texts pyoxigraph cannot survive away from it.

pyoxigraph parses and evaluates SPARQL recursively on the C stack of the calling thread: a text nested deeply
enough kills the whole process with SIGSEGV before any error can be raised (`ASK { FILTER NOT EXISTS { …` 900
levels deep in the main thread, 100 in a thread with a 1 MB stack), and so do long left-deep chains such as
`1 + 1 + 1 …` (about 7,000 terms). rdflib's SPARQL grammar (pyparsing) fails far earlier, with a RecursionError
(32–64 levels). Measured on this machine with `python -m benchmarks.depth_limits` (pyoxigraph 0.5.13, a text
parsed and evaluated on a one-triple store; the last depth that did not crash, main thread with 8 MB of
stack / a thread with 1 MB; granian's app threads are given 8 MB and the executor's have the default, 8 MB here):

    construct                                   main thread   1 MB thread
    { { { … } } }                                     2,176           256
    FILTER NOT EXISTS { … }, FILTER EXISTS { … }        832            96
    OPTIONAL { … OPTIONAL { … } }                     2,560           320
    { SELECT * WHERE { … } } (two braces a level)     1,152           144
    ((( … ))) in an expression                        4,608           544
    STR(STR( … ))                                       896           112
    ! ! ! … (pyoxigraph accepts repeated !)           9,216         1,152
    1 + 1 + … (terms of a chain)                      6,656           832

(every construct: README "Depth limit and encoding"). Every level costs the engine 0.8–10 KB of
stack; NOT EXISTS and function calls the most.

So every text is measured here before anything parses it (graph.sparql.guard.inspect calls `measure`), on its
tokens (graph.sparql.tokens: a bracket inside a string, IRI or comment is none). A *level* is an open group,
parenthesis, bracket or triple term (`{ ( [ <<`) or a prefix operator (`!`, `^`) before its operand; a *link*
is one step of a chain inside a level: a binary operator (`|| && = != < > <= >= + - * / |`), UNION,
OPTIONAL, MINUS, FILTER, BIND, VALUES, GRAPH, SERVICE, or a group that follows a group. Links stay counted until
their level closes. The cost of a path through the text is its levels plus its links / LINKS_PER_LEVEL; a text
whose costliest path exceeds `max_depth` levels (setting `max_depth`, default DEFAULT_MAX_DEPTH) is refused.
With the default, the worst construct (NOT EXISTS) stays 13× below the main thread's limit and within a 1 MB
thread's, and a chain may have up to 256 links (a path sequence costs 3 KB of stack a step).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.core.config import Settings
from graph.sparql.tokens import Token, tokenize

DEFAULT_MAX_DEPTH = Settings.max_depth
"""The default of the setting `max_depth` (64): most levels a text may nest."""

LINKS_PER_LEVEL = 4
"""Links of a chain (a+b, a/b, UNION …) that cost as much as one level of nesting."""

_OPEN = {"{", "(", "[", "<<"}
_CLOSE = {"}", ")", "]", ">>"}
_PREFIX = {"!", "^"}
_BINARY = {"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|"}
_CHAIN_WORDS = {"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "VALUES", "GRAPH", "SERVICE"}


@dataclass(frozen=True)
class Nesting:
    """How deep a text goes: its deepest nesting in levels, and the cost of its costliest path (levels plus
    links / LINKS_PER_LEVEL, rounded up)."""

    depth: int
    cost: int

    def refusal(self, max_depth: int, what: str = "query") -> str | None:
        """The one-line reason to refuse the text with at most `max_depth` levels, or None if it may run."""
        if self.cost <= max_depth:
            return None
        allowed = f"at most {max_depth} are allowed (groups, parentheses, brackets, EXISTS, paths, ! and ^)"
        if self.depth > max_depth:
            return f"{what} nested {self.depth} levels deep: {allowed}"
        return (
            f"{what} too deeply nested: {self.depth} levels and its chains (a+b+…, a/b/…, UNION, OPTIONAL …; "
            f"{LINKS_PER_LEVEL} links count as one level) add up to {self.cost}: {allowed}"
        )


def _measure(tokens: tuple[Token, ...]) -> Nesting:
    """The Nesting of a token sequence (costs kept in 1/LINKS_PER_LEVEL of a level)."""
    level = LINKS_PER_LEVEL
    cost = nest = pending = worst = deepest = 0  # cost in links; nest and pending (prefix operators) in levels
    saved: list[tuple[int, int, int]] = []
    after_group = False
    for token in tokens:
        text = token.text if token.kind == "punct" else ""
        if text in _OPEN:
            saved.append((cost + (text == "{" and after_group), nest, pending))
            cost, nest, pending = saved[-1][0] + level, nest + 1, 0
        elif text in _PREFIX:
            cost, nest, pending = cost + level, nest + 1, pending + 1
        elif text in _BINARY or token.keyword in _CHAIN_WORDS:
            cost += 1
        else:  # an operand, or a closing bracket that ends one: the prefix operators before it are done
            if text in _CLOSE and saved:
                cost, nest, pending = saved.pop()
            cost, nest, pending = cost - pending * level, nest - pending, 0
        worst, deepest = max(worst, cost), max(deepest, nest)
        after_group = text == "}"
    return Nesting(deepest, -(-worst // level))


def measure(text: str) -> Nesting:
    """How deeply a SPARQL query or update nests (never fails; linear in the text)."""
    return _measure(tokenize(text))
