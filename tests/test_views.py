"""The views of query results (server/static/views*.js) in headless Chromium against a real granian server: each
declared view draws its marks, the switcher offers the views that fit the columns, nothing leaves the server and the
console stays clean (a Content-Security-Policy refusal would be logged there).

Needs Debian's `chromium` and `chromium-driver` (`make browser-deps`); MGKG_SKIP_BROWSER=1 skips instead of failing.
The harness is tests/support/browser.py; MGKG_SCREENSHOTS=1 (`make screenshots`) also saves each declared view as
docs/screenshots/view-<view>.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from support.browser import SCREENSHOTS, Browser, chrome, serve_store

from graph.store import EmbeddedStore

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(store: EmbeddedStore) -> Iterator[Browser]:
    """Headless Chromium (1280×900) and a real granian server serving the built graph (tests/support/browser.py)."""
    with chrome() as driver, serve_store(store) as url:
        yield Browser(driver, url)


def open_query_page(site: Browser) -> None:
    """Load the query page and wait until its editor and views are ready (the logs of earlier pages forgotten)."""
    site.open("/", ".CodeMirror")
    site.until(lambda d: d.execute_script("return !!window.MgkgViews"))


def run_example(site: Browser, name: str) -> None:
    """Load a named query as an example, run it and wait for its results."""
    site.find(f'button.example[data-name="{name}"]').click()
    run(site)


def run(site: Browser, text: str | None = None) -> None:
    """Run the editor's query (`text` if given) and wait until its results are shown (a view drawn or failed)."""
    site.driver.execute_script("document.getElementById('status').textContent = ''")
    if text is not None:
        site.driver.execute_script("document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0])", text)
    site.find("#run").click()
    site.until(lambda d: " in " in d.find_element(By.ID, "status").text)
    wait_for_view(site)


def wait_for_view(site: Browser) -> None:
    """Wait until the view shown, if any, is drawn or has failed."""
    site.until(lambda d: d.execute_script("return document.getElementById('view-body').dataset.state !== 'drawing'"))


def screenshot(site: Browser, name: str) -> None:
    """Save the viewport, scrolled to the results (switcher and view), as docs/screenshots/<name>.png when
    MGKG_SCREENSHOTS=1: at the screen size every screenshot has (tests/test_support.py)."""
    if os.environ.get("MGKG_SCREENSHOTS") != "1":
        return
    site.driver.execute_script("document.activeElement && document.activeElement.blur();"
                               "document.getElementById('results').scrollIntoView({block: 'start'});")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    site.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def shown(site: Browser) -> dict[str, Any]:
    """What the results area shows: the views offered, the one pressed, whether table and view are visible."""
    return dict(site.driver.execute_script("""
        const canvas = document.getElementById('view-body'), switcher = document.getElementById('view-switcher');
        return {
          offered: [...switcher.querySelectorAll('button')].map((b) => b.dataset.view),
          pressed: [...switcher.querySelectorAll('button[aria-pressed=true]')].map((b) => b.dataset.view),
          switcher: !switcher.hidden, table: !document.getElementById('result-body').hidden, view: !canvas.hidden,
          state: canvas.dataset.state || null, svgs: canvas.querySelectorAll('svg').length,
          text: canvas.textContent,
        };"""))


def count(site: Browser, css: str) -> int:
    """How many elements inside the view match `css`."""
    return len(site.find_all("#view-body " + css))


DRAWN = [  # query, its declared view, the marks it draws and how many (worked out from the graph: test_queries.py)
    ("total-budget-by-funder", "bar", ".mark.bar", 1),  # the 1035 Facility: USD 80,000
    ("projects-per-donor", "bar", ".mark.bar", 9),
    ("timeline", "timeline", ".mark", 10),
    ("map-of-places", "map", ".place .mark.point", 8),  # 9 places; Montenegro and Podgorica share Podgorica's point
    ("funder-capitals", "map", ".place .mark.point", 3),  # Vienna, Copenhagen, Bucharest (none for the US)
    ("organisation-units", "tree", ".tree-node", 16),  # 5 roots; the Border Police under both of its parents
    ("projects-by-donor", "graph", ".graph-node", 19),  # 9 donors, 10 projects
]


SHOWN = {"projects-per-donor", "timeline", "map-of-places", "organisation-units", "projects-by-donor"}
"""The queries whose view is kept as a screenshot (README, Views)."""


@pytest.mark.parametrize(("name", "view", "marks", "expected"), DRAWN)
def test_each_declared_view_draws_on_the_query_page(
    site: Browser, name: str, view: str, marks: str, expected: int
) -> None:
    open_query_page(site)
    run_example(site, name)
    state = shown(site)
    assert state["pressed"] == [view] and state["state"] == "drawn" and state["svgs"] >= 1
    assert state["view"] and not state["table"]
    assert count(site, marks) == expected
    site.check_clean()
    site.check_accessible()
    if name in SHOWN:
        screenshot(site, f"view-{view}")


def test_the_drawings_show_what_the_rows_say(site: Browser) -> None:
    open_query_page(site)
    run_example(site, "timeline")
    assert (count(site, ".mark.span"), count(site, ".mark.point")) == (8, 2)  # years are spans, days points
    assert "2006-05-21 \u00b7 Montenegrin independence referendum" in shown(site)["text"]
    run_example(site, "map-of-places")
    assert count(site, ".land") > 200  # Natural Earth's countries, offline
    assert "Montenegro; Podgorica" in shown(site)["text"]
    assert "Natural Earth" in shown(site)["text"]
    run_example(site, "organisation-units")
    assert count(site, ".tree-node .shared") == 2  # the Border Police, under the Ministry and under the Police
    assert count(site, ".link") == 11  # the Special Unit under the Criminal Police, not again under the Ministry
    run_example(site, "total-budget-by-funder")
    assert "1035 Facility" in shown(site)["text"] and "80,000" in shown(site)["text"]
    assert "(currency USD)" in shown(site)["text"]  # one panel per currency
    site.check_clean()


OFFERED = [  # query, the views offered, the one shown first
    ("timeline", ["table", "timeline"], "timeline"),
    ("total-budget-by-funder", ["table", "bar"], "bar"),
    ("organisation-units", ["table", "tree", "graph"], "tree"),
    ("map-of-places", ["table", "bar", "map", "tree", "graph"], "map"),  # place → GeoNames point: two IRI columns
    ("source-documents", ["table", "bar", "tree", "graph"], "table"),  # no view declared
]


@pytest.mark.parametrize(("name", "views", "first"), OFFERED)
def test_the_switcher_offers_the_views_that_fit(
    site: Browser, name: str, views: list[str], first: str
) -> None:
    open_query_page(site)
    run_example(site, name)
    state = shown(site)
    assert (state["offered"], state["pressed"]) == (views, [first])


def test_switching_between_table_and_view(site: Browser) -> None:
    open_query_page(site)
    run_example(site, "organisation-units")
    site.find('#view-switcher button[data-view="table"]').click()
    state = shown(site)
    assert state["table"] and not state["view"] and state["pressed"] == ["table"]
    assert site.find("#result-body table").is_displayed()
    site.find('#view-switcher button[data-view="graph"]').click()
    wait_for_view(site)
    assert shown(site)["pressed"] == ["graph"] and count(site, ".graph-node") == 15  # the 15 organisations
    site.check_clean()


def test_an_ask_or_a_construct_offers_no_view(site: Browser) -> None:
    open_query_page(site)
    run_example(site, "timeline")
    assert shown(site)["switcher"]
    run(site, "ASK { ?s ?p ?o }")
    state = shown(site)
    assert not state["switcher"] and not state["view"] and state["table"]
    run(site, "CONSTRUCT WHERE { ?s a ?o } LIMIT 3")
    assert not shown(site)["switcher"]


def test_a_view_header_in_the_editor_picks_the_view(site: Browser) -> None:
    open_query_page(site)
    wkt = "<http://www.opengis.net/ont/geosparql#wktLiteral>"
    row = f'(<urn:x:podgorica> "Podgorica" "Point(19.26 42.44)"^^{wkt})'
    run(site, f"# view: map\nSELECT * WHERE {{\n  VALUES (?place ?placeLabel ?wkt) {{ {row} }}\n}}")
    assert shown(site)["pressed"] == ["map"] and count(site, ".place .mark.point") == 1
    run(site, "# view: pie\nSELECT ?x WHERE { VALUES ?x { 1 2 } }")  # no such view: the table
    assert shown(site)["pressed"] in ([], ["table"]) and shown(site)["table"]
    run(site, "# view: map\nSELECT ?label ?n WHERE { VALUES (?label ?n) { (\"a\" 1) (\"b\" 2) } }")
    state = shown(site)  # declared but not fitting: the table, and the views that fit
    assert state["pressed"] == ["table"] and state["offered"] == ["table", "bar"]
    run(site, '# view: bar\nSELECT ?label ?n WHERE { VALUES (?label ?n) { ("<img src=x onerror=alert(1)>" 1) } }')
    assert "<img src=x onerror=alert(1)>" in shown(site)["text"]  # drawn as text, never as markup
    assert count(site, "img") == 0 and count(site, ".mark.bar") == 1
    site.check_clean()


def result(variables: list[str], *rows: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A SPARQL JSON result."""
    return {"head": {"vars": variables}, "results": {"bindings": list(rows)}}


def iri(value: str) -> dict[str, str]:
    """An IRI term."""
    return {"type": "uri", "value": value}


def literal(value: str, datatype: str | None = None) -> dict[str, str]:
    """A literal term, typed when `datatype` (an xsd: local name or an IRI) is given."""
    term = {"type": "literal", "value": value}
    if datatype:
        term["datatype"] = datatype if ":" in datatype else "http://www.w3.org/2001/XMLSchema#" + datatype
    return term


FITTING = [
    (result(["s", "n"], {"s": literal("a"), "n": literal("1", "integer")}), ["table", "bar"]),
    (result(["n"], {"n": literal("1", "integer")}), ["table"]),  # a number and nothing to label it with
    (result(["d", "l"], {"d": literal("2008", "gYear"), "l": literal("x")}), ["table", "timeline"]),
    (result(["d"], {"d": literal("2008-02-22", "date")}), ["table", "timeline"]),
    (result(["lat", "long"], {"lat": literal("42.4", "decimal"), "long": literal("19.3", "decimal")}),
     ["table", "map"]),
    (result(["w"], {"w": literal("POINT(19.3 42.4)", "http://www.opengis.net/ont/geosparql#wktLiteral")}),
     ["table", "map"]),
    (result(["a", "b"], {"a": iri("urn:a"), "b": iri("urn:b")}), ["table", "tree", "graph"]),
    (result(["a", "b"], {"a": iri("urn:a"), "b": literal("b")}), ["table"]),
    (result(["x"], {"x": literal("2008", "gYear")}, {"x": literal("text")}), ["table"]),  # mixed kinds fit nothing
    (result(["x"]), ["table"]),
]


@pytest.mark.parametrize(("given", "views"), FITTING)
def test_fitting_follows_the_columns(site: Browser, given: dict[str, Any], views: list[str]) -> None:
    if not site.driver.execute_script("return !!window.MgkgViews"):
        open_query_page(site)
    assert site.driver.execute_script("return MgkgViews.fitting(arguments[0])", given) == views


def test_a_view_that_cannot_be_drawn_says_why(site: Browser) -> None:
    open_query_page(site)
    refused = site.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "MgkgViews.render(arguments[0], 'map', document.createElement('div')).then(() => done('drawn'),"
        " (error) => done(error.message));",
        result(["s"], {"s": literal("a")}),
    )
    assert refused == "the map view does not fit these columns"
    run(site, "SELECT ?lat ?long WHERE { VALUES (?lat ?long) { (42.4 19.3) } }")  # shown as a table first
    site.driver.execute_script("window.fetch = () => Promise.reject(new Error('no network here'))")  # the basemap fails
    site.find('#view-switcher button[data-view="map"]').click()
    wait_for_view(site)
    state = shown(site)
    assert state["state"] == "failed" and state["text"] == "Cannot draw the map: no network here"


def test_a_long_result_is_drawn_in_part_and_says_so(site: Browser) -> None:
    open_query_page(site)
    days = [{"d": literal(f"{2000 + i // 365:04d}-01-01", "date"), "l": literal(f"row {i}")} for i in range(600)]
    drawn = site.driver.execute_async_script(
        "const done = arguments[arguments.length - 1], into = document.createElement('div');"
        "MgkgViews.render(arguments[0], 'timeline', into).then(() =>"
        "  done([into.querySelectorAll('.mark').length, into.querySelector('.view-note').textContent]));",
        result(["d", "l"], *days),
    )
    assert drawn == [500, "The first 500 of 600 rows are drawn; the table has them all."]


def test_the_named_query_page_draws_its_declared_view(site: Browser) -> None:
    site.open("/queries/timeline", "#view-body[data-state=drawn]")
    state = shown(site)
    assert state["offered"] == ["table", "timeline"] and state["pressed"] == ["timeline"]
    assert count(site, ".mark") == 10 and not state["table"]
    site.check_clean()
    site.check_accessible()
    site.find('#view-switcher button[data-view="table"]').click()
    assert site.find("#result-body table").is_displayed()
    site.open("/queries/organisation-units?organisation=orgs:montenegro-ministry-of-interior",
              "#view-body[data-state=drawn]")
    assert count(site, ".tree-node") == 5  # the Ministry and the four units the rows list under it
    site.check_clean()


def test_a_named_query_page_without_a_drawn_view_keeps_its_table(site: Browser) -> None:
    site.open("/queries/office-contacts", "#result-body table")
    assert site.find("#result-body table").is_displayed()
    assert not site.find("#view-body").is_displayed()
    site.check_clean()
