"""Named-query files: headers are checked, parameters bind as RDF terms (never spliced), VALUES blocks."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from graph.core.namespaces import IRI_FORBIDDEN, is_absolute_iri
from graph.named_queries import (
    NamedQuery,
    Parameter,
    ParameterError,
    QueryFileError,
    load_queries,
    parse_header,
    run_query,
)
from graph.store import EmbeddedStore


@pytest.fixture(scope="module")
def queries() -> dict[str, NamedQuery]:
    """The shipped named queries."""
    return load_queries()


# ---------------------------------------------------------------- parameter binding

ALL_TYPES = """\
# title: All parameter types
# description: One parameter of each type.
# param: i iri optional -- an IRI
# param: s string optional -- a string
# param: n integer optional -- an integer
# param: d decimal optional -- a decimal
# param: t date optional -- a date
# param: y year optional -- a year
SELECT ?i ?s ?n ?d ?t ?y WHERE { ?i ?s ?n . ?d ?t ?y }
"""


@pytest.fixture()
def typed(tmp_path: Path) -> NamedQuery:
    """A query with one optional parameter of each type."""
    (tmp_path / "all-types.rq").write_text(ALL_TYPES, encoding="utf-8")
    return load_queries(tmp_path)["all-types"]


@pytest.mark.parametrize(
    ("name", "value", "term"),
    [
        ("i", "https://example.org/a#b", URIRef("https://example.org/a#b")),
        ("i", "<https://example.org/a>", URIRef("https://example.org/a")),
        ("i", "prj:tc-0287", URIRef("https://w3id.org/mgkg/id/project/tc-0287")),
        ("i", "urn:isbn:0451450523", URIRef("urn:isbn:0451450523")),
        ("s", "TC.0287", Literal("TC.0287")),
        ("s", " TC.0287 ", Literal(" TC.0287 ")),
        ("n", "42", Literal("42", datatype=XSD.integer)),
        ("n", "-7", Literal("-7", datatype=XSD.integer)),
        ("d", "1.5", Literal("1.5", datatype=XSD.decimal)),
        ("d", "100000", Literal("100000", datatype=XSD.decimal)),
        ("t", "2008-02-22", Literal("2008-02-22", datatype=XSD.date)),
        ("y", "2016", Literal("2016", datatype=XSD.gYear)),
    ],
)
def test_every_type_converts(typed: NamedQuery, name: str, value: str, term: Node) -> None:
    bound = typed.bind({name: value})
    assert set(bound) == {name}
    assert bound[name] == term and type(bound[name]) is type(term)
    if isinstance(term, Literal):
        assert bound[name].datatype == term.datatype  # type: ignore[attr-defined]


def test_prefixed_names_follow_the_base(typed: NamedQuery) -> None:
    bound = typed.bind({"i": "orgs:roaid"}, base="https://example.org/kg")
    assert bound["i"] == URIRef("https://example.org/kg/id/organization/roaid")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("i", "not an iri"), ("i", "<x> } UNION {"), ("i", "https://example.org/a b"), ("i", "tc-0287"),
        ("i", 'https://example.org/"x"'), ("i", "https://example.org/{x}"),
        ("n", "4.2"), ("n", "abc"), ("n", "1e3"),
        ("d", "1,5"), ("d", "abc"), ("d", "1.5.2"),
        ("t", "2008-13-01"), ("t", "2023-02-30"), ("t", "22/02/2008"), ("t", "2008"),
        ("y", "abc"), ("y", "16"), ("y", "2016-01"), ("y", "MMXVI"),
    ],
)
def test_bad_value_raises_naming_the_parameter(typed: NamedQuery, name: str, value: str) -> None:
    with pytest.raises(ParameterError) as caught:
        typed.bind({name: value})
    assert caught.value.name == name
    assert str(caught.value).startswith(f"parameter {name!r}: ")
    assert repr(value) in str(caught.value) and "\n" not in str(caught.value)


def test_year_error_message(queries: dict[str, NamedQuery]) -> None:
    with pytest.raises(ParameterError, match=r"^parameter 'year': expected a year like 2016, got 'abc'$"):
        queries["projects-active-in-year"].bind({"year": "abc"})


def test_missing_required_parameter(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    with pytest.raises(ParameterError, match=r"^parameter 'year': missing value") as caught:
        run_query(store, queries["projects-active-in-year"], {})
    assert caught.value.name == "year"
    with pytest.raises(ParameterError, match=r"^parameter 'subject': "):
        queries["fact-sources"].bind({"predicate": "rdfs:label"})


def test_unknown_parameter(queries: dict[str, NamedQuery]) -> None:
    with pytest.raises(ParameterError, match=r"^parameter 'sponsor': not a parameter of query 'projects-by-donor'"):
        queries["projects-by-donor"].bind({"sponsor": "orgs:roaid"})
    with pytest.raises(ParameterError, match=r"^parameter 'year': not a parameter of query 'timeline'"):
        queries["timeline"].bind({"year": "2009"})


def test_optional_parameters_and_defaults(queries: dict[str, NamedQuery]) -> None:
    assert queries["projects-by-donor"].bind({}) == {}
    assert queries["projects-by-donor"].bind({"donor": "  "}) == {}  # an empty optional value is no value
    figures = queries["iom-figures"]
    assert figures.bind({}) == {"organisation": URIRef("https://w3id.org/mgkg/id/organization/iom")}
    assert figures.bind({"organisation": "orgs:iom-montenegro"})["organisation"] == URIRef(
        "https://w3id.org/mgkg/id/organization/iom-montenegro")


def test_iri_with_sparql_syntax_is_rejected(queries: dict[str, NamedQuery]) -> None:
    with pytest.raises(ParameterError, match=r"^parameter 'donor': expected an absolute IRI"):
        queries["projects-by-donor"].bind({"donor": "<x> } UNION {"})


@pytest.mark.parametrize(
    ("text", "absolute"),
    [("https://example.org/a", True), ("urn:x", True), ("x:", True), ("tel:+382-20", True),
     ("a b:c", False), ("https://e.org/a b", False), ("https://e.org/<a>", False), ("//e.org/a", False),
     ("1x:y", False), ("", False)],
)
def test_one_definition_of_an_absolute_iri(text: str, absolute: bool) -> None:
    """What named-query IRI parameters accept (graph.core.namespaces.is_absolute_iri, also for the server)."""
    assert is_absolute_iri(text) is absolute
    assert (IRI_FORBIDDEN.search(text) is None) is (absolute or text in ("//e.org/a", "1x:y", ""))


# ---------------------------------------------------------------- headers

GOOD = "SELECT ?x WHERE { ?x ?p ?o }\n"


@pytest.mark.parametrize(
    ("header", "line", "message"),
    [
        ("# description: d\n", 1, "missing '# title:'"),
        ("# title: t\n", 1, "missing '# description:'"),
        ("# title: t\n# title: u\n# description: d\n", 2, "must appear once"),
        ("# title:\n# description: d\n", 1, "must appear once"),
        ("# title: t\n# description: d\n# param: x color -- c\n", 3, "unknown type 'color'"),
        ("# title: t\n# description: d\n# param: x iri the thing\n", 3, "expected '# param: NAME TYPE"),
        ("# title: t\n# description: d\n# param: x iri --\n", 3, "expected '# param: NAME TYPE"),
        ("# title: t\n# description: d\n# param: x -- c\n", 3, "needs a NAME and a TYPE"),
        ("# title: t\n# description: d\n# param: 1x iri -- c\n", 3, "not a SPARQL variable name"),
        ("# title: t\n# description: d\n# param: x iri maybe -- c\n", 3, "unexpected 'maybe'"),
        ("# title: t\n# description: d\n# param: x year default=20 -- c\n", 3, "bad default"),
        ("# title: t\n# description: d\n# param: x iri -- c\n# param: x iri -- c\n", 4, "declared twice"),
        ("# title: t\n# description: d\n# author: me\n", 3, "unknown header field 'author'"),
        ("# title: t\n# description: d\n# just a comment\n", 3, "expected '# title:'"),
        ("#   continued\n# title: t\n# description: d\n", 1, "nothing to continue"),
        ("# title: t\n# description:\n", 2, "empty '# description:'"),
        ("# title: t\n# description: d\n# view: pie\n", 3, "unknown view 'pie' (use table, bar, timeline, map,"),
        ("# title: t\n# description: d\n# view:\n", 3, "unknown view ''"),
        ("# title: t\n# description: d\n# view: bar\n# view: map\n", 4, "'# view:' declared twice (first on line 3)"),
        ("# title: t\n# description: d\n", 4, "invalid SPARQL"),  # with the broken query below
    ],
)
def test_malformed_header(tmp_path: Path, header: str, line: int, message: str) -> None:
    body = "SELECT ?x WHERE {\n  ?x nope:p ?o .\n}\n" if message == "invalid SPARQL" else GOOD
    path = tmp_path / "broken.rq"
    path.write_text(header + body, encoding="utf-8")
    with pytest.raises(QueryFileError) as caught:
        load_queries(tmp_path)
    text = str(caught.value)
    assert text.startswith(f"{path}:{line}: ") and message in text and "\n" not in text


def test_parameter_not_in_projection(tmp_path: Path) -> None:
    path = tmp_path / "hidden.rq"
    path.write_text("# title: t\n# description: d\n# param: x iri -- shown\n# param: p iri -- hidden\n" + GOOD,
                    encoding="utf-8")
    with pytest.raises(QueryFileError, match=rf"^{path}:4: parameter 'p': \?p must be in the SELECT projection"):
        load_queries(tmp_path)


def test_undeclared_prefix_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "prefix.rq"
    path.write_text("# title: t\n# description: d\nSELECT ?x WHERE { ?x mgkg:theme ?o }\n", encoding="utf-8")
    with pytest.raises(QueryFileError, match=rf"^{path}:3: invalid SPARQL"):
        load_queries(tmp_path)


def test_header_continuations_and_defaults() -> None:
    text = (
        "# title: Projects\n"
        "# description: First line,\n"
        "#   continued.\n"
        "#\n"
        "# description: Second line.\n"
        "# param: donor iri optional -- the donor,\n"
        "#     continued\n"
        "# param: year year default=2009 -- a year\n"
        "SELECT ?donor ?year WHERE { ?donor ?p ?year }\n"
    )
    header = parse_header(text, "x.rq")
    assert header.title == "Projects"
    assert header.description == "First line, continued. Second line."
    assert header.parameters == (
        Parameter("donor", "iri", True, None, "the donor, continued"),
        Parameter("year", "year", True, "2009", "a year"),
    )
    assert dict(header.lines) == {"donor": 6, "year": 8}


def test_view_header(tmp_path: Path) -> None:
    (tmp_path / "chart.rq").write_text("# title: t\n# description: d\n# view: bar\n" + GOOD, encoding="utf-8")
    (tmp_path / "plain.rq").write_text("# title: t\n# description: d\n" + GOOD, encoding="utf-8")
    found = load_queries(tmp_path)
    assert (found["chart"].view, found["plain"].view) == ("bar", "table")


@pytest.mark.parametrize("body", ["ASK { ?s ?p ?o }\n", "CONSTRUCT WHERE { ?s ?p ?o }\n"])
def test_a_drawn_view_needs_a_select_query(tmp_path: Path, body: str) -> None:
    path = tmp_path / "drawn.rq"
    path.write_text("# title: t\n# description: d\n# view: map\n" + body, encoding="utf-8")
    with pytest.raises(QueryFileError, match=rf"^{path}:3: view 'map' needs a SELECT query"):
        load_queries(tmp_path)
    path.write_text("# title: t\n# description: d\n# view: table\n" + body, encoding="utf-8")
    assert load_queries(tmp_path)["drawn"].view == "table"


def test_a_continuation_after_a_view_line_is_an_error() -> None:
    with pytest.raises(QueryFileError, match=r"^x.rq:4: continuation line with nothing to continue"):
        parse_header("# title: t\n# description: d\n# view: tree\n#   more\n", "x.rq")


def test_load_queries_sorts_by_name(tmp_path: Path) -> None:
    for name in ("zeta", "alpha", "mid"):
        (tmp_path / f"{name}.rq").write_text(f"# title: {name}\n# description: d\n{GOOD}", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a query", encoding="utf-8")
    assert list(load_queries(tmp_path)) == ["alpha", "mid", "zeta"]


def test_bound_values_also_go_in_a_values_block_where_the_query_has_a_group() -> None:
    from rdflib import URIRef as Iri

    from graph.sparql.text import with_values

    text = "SELECT ?x ?o WHERE { ?x <http://e/p> ?o }"
    bound = with_values(text, {"x": Iri("http://e/a")})
    assert bound.startswith("SELECT ?x ?o WHERE { VALUES") and "<http://e/a>" in bound
    store = ox.Store()
    for subject in ("a", "b"):
        store.add(ox.Quad(ox.NamedNode(f"http://e/{subject}"), ox.NamedNode("http://e/p"), ox.Literal(subject)))
    rows = [tuple(r) for r in store.query(bound)]  # type: ignore[union-attr]
    assert rows == [(ox.NamedNode("http://e/a"), ox.Literal("a"))]
    short = "CONSTRUCT WHERE { ?x <http://e/p> ?o }"  # no group that can take VALUES: left as it is
    assert with_values(short, {"x": Iri("http://e/a")}) == short
    assert with_values(text, {}) == text
