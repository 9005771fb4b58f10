"""Federated named queries (queries/federated-*.rq) against the local Wikidata-shaped endpoint.

The queries name Wikidata's endpoint in SERVICE; the tests replace that one constant IRI in the query text
by the fixture endpoint's URL (production code never splices anything into a query) and run them through
the normal path (graph.named_queries.run_query on the built store), so parameters are bound as usual.
Expected rows are worked out by hand from graph/sources (funders, countries, links) and
tests/fixtures/wikidata.ttl (capitals, population).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib.namespace import XSD
from support.fixture_endpoint import FixtureEndpoint, serve

from graph.linking.client import WIKIDATA_ENDPOINT
from graph.named_queries import NamedQuery, load_queries, run_query
from graph.sparql.serialize import read_results
from graph.store import EmbeddedStore

FEDERATED = ("federated-country-population", "federated-funder-capitals")
ID = "https://w3id.org/mgkg/id/"
WD = "http://www.wikidata.org/entity/"


@pytest.fixture(scope="module")
def wikidata() -> Iterator[FixtureEndpoint]:
    """The fixture endpoint, shared by the module."""
    with serve() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def queries() -> dict[str, NamedQuery]:
    """The shipped named queries."""
    return load_queries()


def pointed(query: NamedQuery, url: str) -> NamedQuery:
    """The query with Wikidata's SERVICE IRI replaced by `url` (test-only text change of one constant)."""
    assert query.text.count(f"SERVICE <{WIKIDATA_ENDPOINT}>") == 1
    return dataclasses.replace(query, text=query.text.replace(f"<{WIKIDATA_ENDPOINT}>", f"<{url}>"))


def plain(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str | Decimal | None:
    """An IRI or string as str, a number as Decimal, unbound as None."""
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value in (str(XSD.decimal), str(XSD.integer)):
        return Decimal(term.value)
    return term.value


def cells(store: EmbeddedStore, query: NamedQuery, **values: str) -> list[tuple[Any, ...]]:
    """The rows of a SELECT named query (its SPARQL JSON answer read back) as tuples of plain values."""
    found = read_results(run_query(store, query, values).body)
    assert isinstance(found, ox.QuerySolutions)
    return [tuple(plain(term) for term in row) for row in found]


def test_federated_queries_are_named_queries_with_a_constant_wikidata_service(queries: dict[str, NamedQuery]) -> None:
    assert set(FEDERATED) <= set(queries)
    for name in FEDERATED:
        text = queries[name].text
        assert re.findall(r"SERVICE\s+(\S+)", text) == [f"<{WIKIDATA_ENDPOINT}>"], name
        assert "Needs the network" in queries[name].description
        assert [p.name for p in queries[name].parameters] == ["country"]


def test_funders_countries_with_their_capitals(store: EmbeddedStore, queries: dict[str, NamedQuery],
                                               wikidata: FixtureEndpoint) -> None:  # fmt: skip
    query = pointed(queries["federated-funder-capitals"], wikidata.url)
    rows = {(funder.removeprefix(f"{ID}organization/"), country.removeprefix(f"{ID}place/"), item.removeprefix(WD),
             capital.removeprefix(WD), label) for funder, _, country, _, item, capital, label in cells(store, query)}
    assert rows == {
        ("austrian-development-agency", "austria", "Q40", "Q99000204", "Fixture capital of Austria"),
        ("austria-ministry-of-the-interior", "austria", "Q40", "Q99000204", "Fixture capital of Austria"),
        ("denmark-ministry-of-foreign-affairs", "denmark", "Q35", "Q99000202", "Fixture capital of Denmark"),
        ("roaid", "romania", "Q218", "Q99000203", "Fixture capital of Romania"),
        ("us-jtip", "united-states", "Q30", "Q99000201", "Fixture capital of the United States"),
        ("us-prm", "united-states", "Q30", "Q99000201", "Fixture capital of the United States"),
    }
    one = cells(store, query, country="place:austria")
    assert {row[0] for row in one} == {f"{ID}organization/austrian-development-agency",
                                       f"{ID}organization/austria-ministry-of-the-interior"}  # fmt: skip


def test_benefiting_countries_with_population(store: EmbeddedStore, queries: dict[str, NamedQuery],
                                              wikidata: FixtureEndpoint) -> None:  # fmt: skip
    query = pointed(queries["federated-country-population"], wikidata.url)
    [(country, label, item, population, when, projects)] = cells(store, query)
    assert (country, label, item, population, projects) == (
        f"{ID}place/montenegro", "Montenegro", f"{WD}Q236", Decimal(1000), Decimal(2))  # TC.0287 and PX.0009
    assert when.startswith("2020-01-01T00:00:00")  # the best-ranked statement, not the older one
    assert cells(store, query, country="place:austria") == []


def test_loading_the_queries_calls_no_endpoint(queries: dict[str, NamedQuery], wikidata: FixtureEndpoint) -> None:
    """load_queries checks each query on an empty store: the SERVICE must not be called then."""
    wikidata.reset()
    for name in FEDERATED:
        text = pointed(queries[name], wikidata.url).text
        list(ox.Store().query(text))  # type: ignore[arg-type]
        country = {ox.Variable("country"): ox.NamedNode("urn:x")}
        list(ox.Store().query(text, substitutions=country))  # type: ignore[arg-type]
    assert wikidata.requests == []


def test_the_service_is_one_request_that_stands_on_its_own(store: EmbeddedStore, queries: dict[str, NamedQuery],
                                                           wikidata: FixtureEndpoint) -> None:  # fmt: skip
    wikidata.reset()
    cells(store, pointed(queries["federated-funder-capitals"], wikidata.url))
    assert len(wikidata.requests) == 1
    sent = wikidata.requests[0]
    assert sent.method == "POST" and sent.content_type.startswith("application/sparql-query")
    assert "wikidata.org/prop/direct/P36" in sent.query and "w3id.org/mgkg" not in sent.query


def test_the_fixture_endpoint_passes_the_server_allowlist_only_when_listed(
    queries: dict[str, NamedQuery], wikidata: FixtureEndpoint
) -> None:
    guard = pytest.importorskip("graph.sparql.guard")
    text = pointed(queries["federated-funder-capitals"], wikidata.url).text
    checked, _ = guard.secure(text, is_update=False, base=None, allowlist=(wikidata.url,), has_graph=lambda _: False)
    assert checked == text
    with pytest.raises(guard.Refused, match="refused"):
        guard.secure(text, is_update=False, base=None, allowlist=(), has_graph=lambda _: False)
