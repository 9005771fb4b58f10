"""How deep each nesting construct may go before a parser dies: `python -m benchmarks.depth_limits [--engines
E,…] [NAME …]`.

Each probe runs in a child process, because the engines do not fail cleanly: pyoxigraph's parsers recurse on
the C stack and a deep enough text kills the process (SIGSEGV). A probe parses (and, for queries and updates,
evaluates on a one-triple store) a text nested `depth` levels deep, in the main thread (8 MB stack here) or in a
thread with a 1 MB stack, and reports `ok`, the exception it raised, or the signal that killed it. Depths double
from 16 until a probe dies (or 131072 is reached), then are bisected to within 10%. The figures are in
graph/sparql/nesting.py's docstring, the README and docs/notes/edges.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable

from graph.core.formats import RDF_READ, by_name

MAX_DEPTH = 131_072
THREAD_STACK = 1 << 20
PROBE_TIMEOUT = 20
ENGINES: tuple[str, ...] = ("oxigraph", "oxigraph-thread", "rdflib", "rdflib-thread")
"""pyoxigraph or rdflib, in the main thread or in a thread with a THREAD_STACK stack (`--engines A,B` picks)."""

_P = "<http://e/p>"
_S = "<http://e/s>"


def _nest(open_: str, middle: str, close: str) -> Callable[[int], str]:
    return lambda n: open_ * n + middle + close * n


def _ask(pattern: Callable[[int], str]) -> Callable[[int], str]:
    return lambda n: "ASK { " + pattern(n) + " }"


def _filter(expression: Callable[[int], str]) -> Callable[[int], str]:
    return lambda n: "ASK { FILTER(" + expression(n) + ") }"


QUERIES: dict[str, Callable[[int], str]] = {
    "group": _ask(_nest("{ ", "?s ?p ?o", " }")),
    "not-exists": _ask(_nest("FILTER NOT EXISTS { ", "?s ?p ?o", " }")),
    "exists": _ask(_nest("FILTER EXISTS { ", "?s ?p ?o", " }")),
    "optional": _ask(_nest("?s ?p ?o OPTIONAL { ", "?s ?p ?o", " }")),
    "sub-select": _ask(_nest("{ SELECT * WHERE { ", "?s ?p ?o", " } }")),
    "parentheses": _filter(_nest("(", "true", ")")),
    "function": _filter(lambda n: _nest("STR(", "1", ")")(n) + ' = "1"'),
    "not": _filter(lambda n: "! " * n + "true"),
    "unary-minus": _filter(lambda n: "- " * n + "1 != 0"),
    "sum-chain": _filter(lambda n: "1" + " + 1" * n + " > 0"),
    "product-chain": _filter(lambda n: "1" + " * 1" * n + " > 0"),
    "or-chain": _filter(lambda n: "false" + " || false" * n),
    "and-chain": _filter(lambda n: "true" + " && true" * n),
    "in-list": _filter(lambda n: "1 IN (" + ", ".join(["2"] * n) + ", 1)"),
    "path-sequence": _ask(lambda n: f"?s {_P}" + f"/{_P}" * n + " ?o"),
    "path-alternative": _ask(lambda n: f"?s {_P}" + f"|{_P}" * n + " ?o"),
    "path-parentheses": _ask(lambda n: "?s " + _nest("(", _P, ")")(n) + " ?o"),
    "path-inverse": _ask(lambda n: "?s " + _nest("^(", _P, ")")(n) + " ?o"),
    "path-star": _ask(lambda n: "?s " + _nest("(", _P, ")*")(n) + " ?o"),
    "collection": _ask(lambda n: "?s ?p " + _nest("( ", "1", " )")(n)),
    "blank-node": _ask(lambda n: "?s ?p " + _nest("[ ?p ", "1", " ]")(n)),
    "triple-term": _ask(lambda n: "?s ?p " + _nest("<<( ?s ?p ", "?o", " )>>")(n)),
    "union-chain": _ask(lambda n: "{ ?s ?p ?o }" + " UNION { ?s ?p ?o }" * n),
    "group-chain": _ask(lambda n: "{ ?s ?p ?o } " * n),
    "optional-chain": _ask(lambda n: "?s ?p ?o" + " OPTIONAL { ?s ?p ?o }" * n),
    "minus-chain": _ask(lambda n: "?s ?p ?o" + " MINUS { ?a ?b ?c }" * n),
    "bind-chain": _ask(lambda n: "".join(f"BIND({i} AS ?v{i}) " for i in range(n))),
}
"""Query constructs: depth → query text."""

UPDATES: dict[str, Callable[[int], str]] = {
    "insert-data-collection": lambda n: f"INSERT DATA {{ {_S} {_P} " + _nest("( ", "1", " )")(n) + " }",
    "insert-data-blank-node": lambda n: f"INSERT DATA {{ {_S} {_P} " + _nest(f"[ {_P} ", "1", " ]")(n) + " }",
    "where-group": lambda n: f"INSERT {{ {_S} {_P} 1 }} WHERE {{ " + _nest("{ ", "?s ?p ?o", " }")(n) + " }",
    "operation-chain": lambda n: " ;\n".join([f"INSERT DATA {{ {_S} {_P} 1 }}"] * n),
}
"""Update constructs: depth → update text."""

DOCUMENTS: dict[str, tuple[str, Callable[[int], str]]] = {
    "turtle-blank-node": ("turtle", lambda n: f"{_S} {_P} " + _nest(f"[ {_P} ", "1", " ]")(n) + " ."),
    "turtle-collection": ("turtle", lambda n: f"{_S} {_P} " + _nest("( ", "1", " )")(n) + " ."),
    "turtle-triple-term": ("turtle", lambda n: f"{_S} {_P} " + _nest(f"<<( {_S} {_P} ", "1", " )>>")(n) + " ."),
    "n3-formula": ("n3", lambda n: f"{_S} {_P} " + _nest(f"{{ {_S} {_P} ", "1", " }")(n) + " ."),
    "jsonld-object": ("jsonld", lambda n: _nest('{"@id": "http://e/s", "http://e/p": ', '"1"', "}")(n)),
    "jsonld-list": ("jsonld", lambda n: '{"@id": "http://e/s", "http://e/p": {"@list": '
                    + _nest("[", '"1"', "]")(n) + "}}"),
    "rdfxml-element": ("xml", lambda n: '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                       'xmlns:e="http://e/">' + _nest("<rdf:Description><e:p>", "", "</e:p></rdf:Description>")(n)
                       + "</rdf:RDF>"),
}
"""RDF documents: depth → (format name of graph.core.formats, text)."""



def probe(engine: str, name: str, depth: int) -> None:
    """Run one probe in this process and print its outcome (the parent reads it; a crash prints nothing)."""
    work = _work(engine, name, depth)
    outcome: list[str] = []

    def run() -> None:
        try:
            work()
            outcome.append("ok")
        except BaseException as error:
            outcome.append(f"{type(error).__name__}: {str(error)[:60]}")

    if engine.endswith("-thread"):
        threading.stack_size(THREAD_STACK)
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    else:
        run()
    print(json.dumps(outcome[0]))


def _work(engine: str, name: str, depth: int) -> Callable[[], object]:
    base = engine.removesuffix("-thread")
    if base == "oxigraph":
        import pyoxigraph as ox

        store = ox.Store()
        store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("1")))
        if name in UPDATES:
            return lambda: store.update(UPDATES[name](depth))
        if name in QUERIES:
            return lambda: bool(store.query(QUERIES[name](depth)))
        fmt, make = DOCUMENTS[name]
        return lambda: list(ox.parse(make(depth).encode(), format=by_name(fmt, RDF_READ).rdf))
    from rdflib import Graph
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if name in UPDATES:
        return lambda: parseUpdate(UPDATES[name](depth))
    if name in QUERIES:
        return lambda: parseQuery(QUERIES[name](depth))
    fmt, make = DOCUMENTS[name]
    return lambda: Graph().parse(data=make(depth), format=by_name(fmt, RDF_READ).rdflib)




def _outcome(engine: str, name: str, depth: int) -> str:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.depth_limits", "--probe", engine, name, str(depth)],
            capture_output=True, text=True, check=False, timeout=PROBE_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return f"timeout after {PROBE_TIMEOUT} s"
    if done.returncode < 0:
        return f"signal {-done.returncode}"
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if done.returncode == 0 and lines else f"exit {done.returncode}"


def limit(engine: str, name: str) -> tuple[int | None, str, str]:
    """(deepest depth that did not kill the process — None if none died up to MAX_DEPTH, first outcome that was
    not `ok`, outcome at the first death)."""
    good, depth, first_error, errors = 0, 16, "", 0
    while depth <= MAX_DEPTH and errors < 3:  # three clean errors in a row: it fails safely from there on
        outcome = _outcome(engine, name, depth)
        if outcome.startswith("signal"):
            break
        if outcome != "ok" and not first_error:
            first_error = f"{depth}: {outcome}"
        errors = errors + 1 if outcome != "ok" else 0
        good, depth = depth, depth * 2
    else:
        return None, first_error, ""
    bad, death = depth, outcome
    while bad > good * 1.1 and bad - good > 1:
        middle = (good + bad) // 2
        outcome = _outcome(engine, name, middle)
        if outcome.startswith("signal"):
            bad = middle
        else:
            good = middle
            if outcome != "ok" and not first_error:
                first_error = f"{middle}: {outcome}"
    return good, first_error, f"{bad}: {death}"


def main(argv: list[str]) -> None:
    """Measure the constructs named in `argv` (all by default) with every engine; print one JSON line each."""
    if argv[:1] == ["--probe"]:
        probe(argv[1], argv[2], int(argv[3]))
        return
    engines = ENGINES
    if argv[:1] == ["--engines"]:
        engines, argv = tuple(argv[1].split(",")), argv[2:]
    names = argv or [*QUERIES, *UPDATES, *DOCUMENTS]
    for name in names:
        for engine in engines:
            survived, error, death = limit(engine, name)
            row = {"construct": name, "engine": engine, "survives": survived, "first_error": error, "dies": death}
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
