"""Named SPARQL queries: `queries/<name>.rq` files with a comment header, parameters bound as RDF terms.

The header is the run of `#` lines at the top of the file (the first line not starting with `#` ends it):

    # title: Projects by donor with budgets
    # description: Every project with a funding participation, its donor and the amounts
    #   the documents give.                       (continuation: `#` and two or more spaces)
    # description: A second description line is joined to the first with a space.
    # param: donor iri optional -- the funding organisation (prefixed name like orgs:roaid or an IRI)
    # param: year year default=2009 -- a parameter with a default is optional
    # view: bar                                   (optional: how pages first show the results)

`title` appears once, `description` once or more, `view` at most once (one of VIEWS; a view other than
`table` needs a SELECT query); continuation lines extend the line above (a
description or a parameter's description); a bare `#` is ignored; any other header line is an error
(`QueryFileError`, "file:line: message"). Parameter types: iri, string, integer, decimal, date, year.

Values are bound by Oxigraph substitution (never spliced into the text), which requires every parameter
variable in the SELECT projection: `load_queries` checks it. An optional parameter given no value (or an
empty one) is left unbound, so a query must use its variable in a required triple pattern (bound = filter,
unbound = all); inside OPTIONAL or `FILTER(!BOUND(...))` a substituted variable does not filter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from graph.core import resources
from graph.core.config import Settings
from graph.core.errors import MgkgError
from graph.core.namespaces import DEFAULT_BASE, is_absolute_iri, prefixes
from graph.core.text import first_line
from graph.sparql.execute import Answer, Executor, Limits
from graph.sparql.nesting import DEFAULT_MAX_DEPTH, measure
from graph.store import Store

TYPES = ("iri", "string", "integer", "decimal", "date", "year")
"""Parameter types, each converted to one kind of RDF term."""

VIEWS = ("table", "bar", "timeline", "map", "tree", "graph")
"""The views a query's results can be shown in (server/static/views.js draws them); `table` is the default."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIELD = re.compile(r"#\s?([A-Za-z_-]+):\s*(.*)")
_CONTINUATION = re.compile(r"#\s{2,}(\S.*)")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
_POSITION = re.compile(r"error at (\d+):\d+")
_EXPECTED = {"integer": "an integer like 42", "decimal": "a decimal number like 1.5", "year": "a year like 2016",
             "date": "a date like 2008-02-22 (YYYY-MM-DD)"}  # fmt: skip


class QueryFileError(MgkgError, ValueError):
    """A named-query file cannot be used; the message is one line, "file:line: message"."""


class ParameterError(MgkgError, ValueError):
    """A parameter value is missing, unknown or malformed; the message is one line naming the parameter."""

    def __init__(self, name: str, message: str) -> None:
        """Keep the parameter name and the reason."""
        self.name = name
        self.message = message
        super().__init__(f"parameter {name!r}: {message}")


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query, as declared by a `# param:` header line."""

    name: str
    type: str
    optional: bool
    default: str | None
    description: str


def convert(parameter: Parameter, value: str, base: str = DEFAULT_BASE) -> Node:
    """The RDF term for `value` of `parameter`'s type; ParameterError when it is not one."""
    kind, name, text = parameter.type, parameter.name, value.strip()
    if kind == "string":
        return Literal(value)
    if kind == "iri":
        return _iri(name, text, base)
    if kind == "integer" and _INTEGER.fullmatch(text):
        return Literal(int(text))
    if kind == "decimal" and _DECIMAL.fullmatch(text):
        return Literal(Decimal(text), datatype=XSD.decimal)
    if kind == "year" and _YEAR.fullmatch(text):
        return Literal(text, datatype=XSD.gYear)
    if kind == "date" and _DATE.fullmatch(text):
        try:
            date.fromisoformat(text)
        except ValueError:
            raise ParameterError(name, f"no such date: {value!r}") from None
        return Literal(text, datatype=XSD.date)
    raise ParameterError(name, f"expected {_EXPECTED.get(kind, kind)}, got {value!r}")


def _iri(name: str, text: str, base: str) -> URIRef:
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, colon, local = text.partition(":")
    known = prefixes(base)
    iri = known[prefix] + local if colon and prefix in known else text
    if not is_absolute_iri(iri):
        raise ParameterError(
            name, f"expected an absolute IRI (https://…) or a prefixed name like prj:tc-0287, got {text!r}"
        )
    return URIRef(iri)


@dataclass(frozen=True)
class NamedQuery:
    """A named query: its header, its SPARQL text and the file it comes from."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: Path
    view: str = "table"

    def bind(self, values: Mapping[str, str | None], base: str = DEFAULT_BASE) -> dict[str, Node]:
        """The RDF terms to substitute for `values` (defaults applied; None: not given, the name still checked);
        ParameterError on a bad value or an unknown name."""
        declared = {p.name: p for p in self.parameters}
        for name in values:
            if name not in declared:
                known = ", ".join(declared) or "none"
                raise ParameterError(name, f"not a parameter of query {self.name!r} (its parameters: {known})")
        bindings: dict[str, Node] = {}
        for parameter in self.parameters:
            value = values.get(parameter.name)
            if value is None or (value.strip() == "" and parameter.optional):
                value = parameter.default
            if value is None:
                if not parameter.optional:
                    raise ParameterError(parameter.name, f"missing value ({parameter.type}): {parameter.description}")
                continue
            bindings[parameter.name] = convert(parameter, value, base)
        return bindings


def _fail(origin: str, line: int, message: str) -> QueryFileError:
    return QueryFileError(f"{origin}:{line}: {message}")


def _parse_param(origin: str, number: int, value: str) -> Parameter:
    spec, separator, description = value.partition("--")
    if not separator or not description.strip():
        raise _fail(origin, number, "expected '# param: NAME TYPE [optional] [default=VALUE] -- description'")
    words = spec.split()
    if len(words) < 2:
        raise _fail(origin, number, "a parameter needs a NAME and a TYPE before '--'")
    name, kind, *flags = words
    if not _NAME.fullmatch(name):
        raise _fail(origin, number, f"parameter name {name!r} is not a SPARQL variable name")
    if kind not in TYPES:
        raise _fail(origin, number, f"parameter {name!r}: unknown type {kind!r} (use {', '.join(TYPES)})")
    optional, default = False, None
    for flag in flags:
        if flag == "optional" and not optional:
            optional = True
        elif flag.startswith("default=") and default is None and len(flag) > len("default="):
            default = flag[len("default=") :]
        else:
            raise _fail(origin, number, f"parameter {name!r}: unexpected {flag!r} (use 'optional', 'default=VALUE')")
    parameter = Parameter(name, kind, optional or default is not None, default, description.strip())
    if default is not None:
        try:
            convert(parameter, default)
        except ParameterError as error:
            raise _fail(origin, number, f"bad default: {error}") from None
    return parameter


@dataclass(frozen=True)
class Header:
    """What a query file's header declares, and the line of each parameter (for error messages)."""

    title: str
    description: str
    parameters: tuple[Parameter, ...]
    lines: Mapping[str, int]
    view: str = "table"
    view_line: int = 0


def parse_header(text: str, name: str) -> Header:
    """The header of a query file's text; `name` (usually the path) labels QueryFileError messages."""
    title: str | None = None
    descriptions: list[str] = []
    parameters: list[Parameter] = []
    lines: dict[str, int] = {}
    view: tuple[str, int] | None = None  # the declared view and its line
    last: str | None = None  # what a continuation line extends: "description" or a parameter name
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.startswith("#"):
            break
        if not line[1:].strip():
            continue
        continued = _CONTINUATION.fullmatch(line)
        field = None if continued else _FIELD.fullmatch(line)
        if continued:
            if last is None:
                raise _fail(name, number, "continuation line with nothing to continue")
            if last == "description":
                descriptions[-1] += " " + continued[1]
            else:
                parameters[-1] = replace(parameters[-1], description=f"{parameters[-1].description} {continued[1]}")
        elif field is None:
            raise _fail(
                name, number, "expected '# title:', '# description:', '# param:', '# view:' or a continuation '#   …'"
            )
        elif field[1] == "title":
            if title is not None or not field[2]:
                raise _fail(name, number, "'# title:' must appear once, with text")
            title, last = field[2], None
        elif field[1] == "description":
            if not field[2]:
                raise _fail(name, number, "empty '# description:'")
            descriptions.append(field[2])
            last = "description"
        elif field[1] == "param":
            parameter = _parse_param(name, number, field[2])
            if parameter.name in lines:
                raise _fail(name, number, f"parameter {parameter.name!r} declared twice")
            parameters.append(parameter)
            lines[parameter.name] = number
            last = parameter.name
        elif field[1] == "view":
            if view is not None:
                raise _fail(name, number, f"'# view:' declared twice (first on line {view[1]})")
            if field[2] not in VIEWS:
                raise _fail(name, number, f"unknown view {field[2]!r} (use {', '.join(VIEWS)})")
            view, last = (field[2], number), None
        else:
            raise _fail(name, number, f"unknown header field {field[1]!r} (use title, description, param, view)")
    if title is None:
        raise _fail(name, 1, "missing '# title:' header line")
    if not descriptions:
        raise _fail(name, 1, "missing '# description:' header line")
    return Header(title, " ".join(descriptions), tuple(parameters), lines, *(view or ("table", 0)))


def _check(text: str, origin: str, header: Header) -> None:
    """Run the query on an empty store: it must parse, and substituting each parameter must be allowed (a text
    nested too deeply for the engine is refused before: graph.sparql.nesting)."""
    refusal = measure(text).refusal(DEFAULT_MAX_DEPTH)
    if refusal is not None:
        raise _fail(origin, 1, refusal)
    empty = ox.Store()
    try:
        result = empty.query(text)
        _evaluate(result)
    except (SyntaxError, ValueError, RuntimeError, OSError) as error:
        detail = first_line(error)
        position = _POSITION.search(detail)
        raise _fail(origin, int(position[1]) if position else 1, f"invalid SPARQL: {detail}") from None
    if header.view != "table" and not isinstance(result, ox.QuerySolutions):
        raise _fail(origin, header.view_line, f"view {header.view!r} needs a SELECT query (its rows are drawn)")
    for parameter in header.parameters:
        try:
            _evaluate(empty.query(text, substitutions={ox.Variable(parameter.name): ox.NamedNode("urn:mgkg:check")}))
        except (SyntaxError, ValueError, RuntimeError, OSError) as error:
            detail = first_line(error)
            if "projection" in detail:
                detail = f"?{parameter.name} must be in the SELECT projection (and GROUP BY) to be bound"
            raise _fail(origin, header.lines[parameter.name], f"parameter {parameter.name!r}: {detail}") from None


def _evaluate(result: object) -> None:
    if isinstance(result, ox.QuerySolutions | ox.QueryTriples):
        for _ in result:
            pass


def load_query(path: Path) -> NamedQuery:
    """Read, parse and check one .rq file."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is dropped
    except (OSError, UnicodeDecodeError) as error:
        raise QueryFileError(f"{path}: cannot read: {error}") from None
    header = parse_header(text, str(path))
    _check(text, str(path), header)
    return NamedQuery(path.stem, header.title, header.description, header.parameters, text, path, header.view)


def load_queries(folder: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query of `folder` (default: the shipped queries), by name, sorted."""
    folder = folder or resources.queries_dir()
    return {path.stem: load_query(path) for path in sorted(folder.glob("*.rq"), key=lambda p: p.stem)}


def run_query(
    store: Store,
    query: NamedQuery,
    values: Mapping[str, str],
    settings: Settings | None = None,
    *,
    executor: Executor | None = None,
    result_format: str = "json",
    graph_format: str = "turtle",
    limits: Limits | None = None,
) -> Answer:
    """Run `query` with `values` bound as RDF terms (Executor.answer, as GET /queries/NAME runs it);
    ParameterError for a bad value, QueryFailed when the query fails. Without an executor, a detached one is made
    for it (as `mgkg query` uses): a query that timed out does not keep the process alive at exit."""
    settings = settings or Settings()
    bindings = query.bind(values, settings.base)
    with nullcontext(executor) if executor is not None else Executor(1, detached=True) as running:
        return running.answer(
            store.raw, query.text, settings, bindings=bindings, result_format=result_format,
            graph_format=graph_format, limits=limits,
        )
