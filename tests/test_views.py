"""The views of query results (server/static/views*.js) in headless Chromium against a real waitress server: each
declared view draws its marks, the switcher offers the views that fit the columns, nothing leaves the server and the
console stays clean (a Content-Security-Policy refusal would be logged there).

Needs Debian's `chromium` and `chromium-driver` (`make browser-deps`); MGKG_SKIP_BROWSER=1 skips instead of failing.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver import Chrome
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from support.serving import serving

from graph.core.config import Settings
from graph.store import EmbeddedStore
from server.app import create_app

pytestmark = pytest.mark.browser
WAIT = 30


@pytest.fixture(scope="module")
def base_url(store: EmbeddedStore) -> Iterator[str]:
    """A real waitress server on a free loopback port serving the built graph."""
    settings = Settings(store="memory", host="127.0.0.1", port=0, threads=4)
    with serving(create_app(settings, store), settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Chrome]:
    """Headless Chromium logging its console and its requests, resolving no host but loopback."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        message = "chromium and chromedriver are needed: run `make browser-deps` (or set MGKG_SKIP_BROWSER=1)"
        if os.environ.get("MGKG_SKIP_BROWSER") == "1":
            pytest.skip(message)
        pytest.fail(message)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    yield chrome
    chrome.quit()


def forget_logs(browser: Chrome) -> None:
    """Drop what earlier pages logged."""
    browser.get_log("browser")  # type: ignore[no-untyped-call]
    browser.get_log("performance")  # type: ignore[no-untyped-call]


def check_clean(browser: Chrome, base_url: str) -> None:
    """Since forget_logs: no console error (script errors, CSP refusals, failed loads), no request elsewhere."""
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[no-untyped-call]
    assert errors == []
    home = urlsplit(base_url).netloc
    sent = []
    for entry in browser.get_log("performance"):  # type: ignore[no-untyped-call]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            sent.append(message["params"]["request"]["url"])
    assert sent and [url for url in sent if urlsplit(url).netloc != home and not url.startswith("data:")] == []


def open_query_page(browser: Chrome, base_url: str) -> None:
    """Load the query page and wait until its editor and views are ready."""
    forget_logs(browser)
    browser.get(base_url + "/")
    WebDriverWait(browser, WAIT).until(lambda b: b.execute_script(
        "return document.readyState === 'complete' && !!window.MgkgViews && !!document.querySelector('.CodeMirror')"))


def run_example(browser: Chrome, name: str) -> None:
    """Load a named query as an example, run it and wait for its results."""
    browser.find_element(By.CSS_SELECTOR, f'button.example[data-name="{name}"]').click()
    run(browser)


def run(browser: Chrome, text: str | None = None) -> None:
    """Run the editor's query (`text` if given) and wait until its results are shown (a view drawn or failed)."""
    browser.execute_script("document.getElementById('status').textContent = ''")
    if text is not None:
        browser.execute_script("document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0])", text)
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, WAIT).until(lambda b: " in " in b.find_element(By.ID, "status").text)
    wait_for_view(browser)


def wait_for_view(browser: Chrome) -> None:
    """Wait until the view shown, if any, is drawn or has failed."""
    WebDriverWait(browser, WAIT).until(lambda b: b.execute_script(
        "return document.getElementById('view-body').dataset.state !== 'drawing'"))


def shown(browser: Chrome) -> dict[str, Any]:
    """What the results area shows: the views offered, the one pressed, whether table and view are visible."""
    return dict(browser.execute_script("""
        const canvas = document.getElementById('view-body'), switcher = document.getElementById('view-switcher');
        return {
          offered: [...switcher.querySelectorAll('button')].map((b) => b.dataset.view),
          pressed: [...switcher.querySelectorAll('button[aria-pressed=true]')].map((b) => b.dataset.view),
          switcher: !switcher.hidden, table: !document.getElementById('result-body').hidden, view: !canvas.hidden,
          state: canvas.dataset.state || null, svgs: canvas.querySelectorAll('svg').length,
          text: canvas.textContent,
        };"""))


def count(browser: Chrome, css: str) -> int:
    """How many elements inside the view match `css`."""
    return len(browser.find_elements(By.CSS_SELECTOR, "#view-body " + css))


DRAWN = [  # query, its declared view, the marks it draws and how many (worked out from the graph: test_queries.py)
    ("total-budget-by-funder", "bar", ".mark.bar", 1),  # the 1035 Facility: USD 80,000
    ("projects-per-donor", "bar", ".mark.bar", 9),
    ("timeline", "timeline", ".mark", 10),
    ("map-of-places", "map", ".place .mark.point", 8),  # 9 places; Montenegro and Podgorica share Podgorica's point
    ("funder-capitals", "map", ".place .mark.point", 3),  # Vienna, Copenhagen, Bucharest (none for the US)
    ("organisation-units", "tree", ".tree-node", 16),  # 5 roots; the Border Police under both of its parents
    ("projects-by-donor", "graph", ".graph-node", 19),  # 9 donors, 10 projects
]


@pytest.mark.parametrize(("name", "view", "marks", "expected"), DRAWN)
def test_each_declared_view_draws_on_the_query_page(
    browser: Chrome, base_url: str, name: str, view: str, marks: str, expected: int
) -> None:
    open_query_page(browser, base_url)
    run_example(browser, name)
    state = shown(browser)
    assert state["pressed"] == [view] and state["state"] == "drawn" and state["svgs"] >= 1
    assert state["view"] and not state["table"]
    assert count(browser, marks) == expected
    check_clean(browser, base_url)


def test_the_drawings_show_what_the_rows_say(browser: Chrome, base_url: str) -> None:
    open_query_page(browser, base_url)
    run_example(browser, "timeline")
    assert (count(browser, ".mark.span"), count(browser, ".mark.point")) == (8, 2)  # years are spans, days points
    assert "2006-05-21 \u00b7 Montenegrin independence referendum" in shown(browser)["text"]
    run_example(browser, "map-of-places")
    assert count(browser, ".land") > 200  # Natural Earth's countries, offline
    assert "Montenegro; Podgorica" in shown(browser)["text"]
    assert "Natural Earth" in shown(browser)["text"]
    run_example(browser, "organisation-units")
    assert count(browser, ".tree-node .shared") == 2  # the Border Police, under the Ministry and under the Police
    assert count(browser, ".link") == 11  # the Special Unit under the Criminal Police, not again under the Ministry
    run_example(browser, "total-budget-by-funder")
    assert "1035 Facility" in shown(browser)["text"] and "80,000" in shown(browser)["text"]
    assert "(currency USD)" in shown(browser)["text"]  # one panel per currency
    check_clean(browser, base_url)


OFFERED = [  # query, the views offered, the one shown first
    ("timeline", ["table", "timeline"], "timeline"),
    ("total-budget-by-funder", ["table", "bar"], "bar"),
    ("organisation-units", ["table", "tree", "graph"], "tree"),
    ("map-of-places", ["table", "bar", "map", "tree", "graph"], "map"),  # place → GeoNames point: two IRI columns
    ("source-documents", ["table", "bar", "tree", "graph"], "table"),  # no view declared
]


@pytest.mark.parametrize(("name", "views", "first"), OFFERED)
def test_the_switcher_offers_the_views_that_fit(
    browser: Chrome, base_url: str, name: str, views: list[str], first: str
) -> None:
    open_query_page(browser, base_url)
    run_example(browser, name)
    state = shown(browser)
    assert (state["offered"], state["pressed"]) == (views, [first])


def test_switching_between_table_and_view(browser: Chrome, base_url: str) -> None:
    open_query_page(browser, base_url)
    run_example(browser, "organisation-units")
    browser.find_element(By.CSS_SELECTOR, '#view-switcher button[data-view="table"]').click()
    state = shown(browser)
    assert state["table"] and not state["view"] and state["pressed"] == ["table"]
    assert browser.find_element(By.CSS_SELECTOR, "#result-body table").is_displayed()
    browser.find_element(By.CSS_SELECTOR, '#view-switcher button[data-view="graph"]').click()
    wait_for_view(browser)
    assert shown(browser)["pressed"] == ["graph"] and count(browser, ".graph-node") == 15  # the 15 organisations
    check_clean(browser, base_url)


def test_an_ask_or_a_construct_offers_no_view(browser: Chrome, base_url: str) -> None:
    open_query_page(browser, base_url)
    run_example(browser, "timeline")
    assert shown(browser)["switcher"]
    run(browser, "ASK { ?s ?p ?o }")
    state = shown(browser)
    assert not state["switcher"] and not state["view"] and state["table"]
    run(browser, "CONSTRUCT WHERE { ?s a ?o } LIMIT 3")
    assert not shown(browser)["switcher"]


def test_a_view_header_in_the_editor_picks_the_view(browser: Chrome, base_url: str) -> None:
    open_query_page(browser, base_url)
    wkt = "<http://www.opengis.net/ont/geosparql#wktLiteral>"
    row = f'(<urn:x:podgorica> "Podgorica" "Point(19.26 42.44)"^^{wkt})'
    run(browser, f"# view: map\nSELECT * WHERE {{\n  VALUES (?place ?placeLabel ?wkt) {{ {row} }}\n}}")
    assert shown(browser)["pressed"] == ["map"] and count(browser, ".place .mark.point") == 1
    run(browser, "# view: pie\nSELECT ?x WHERE { VALUES ?x { 1 2 } }")  # no such view: the table
    assert shown(browser)["pressed"] in ([], ["table"]) and shown(browser)["table"]
    run(browser, "# view: map\nSELECT ?label ?n WHERE { VALUES (?label ?n) { (\"a\" 1) (\"b\" 2) } }")
    state = shown(browser)  # declared but not fitting: the table, and the views that fit
    assert state["pressed"] == ["table"] and state["offered"] == ["table", "bar"]
    run(browser, '# view: bar\nSELECT ?label ?n WHERE { VALUES (?label ?n) { ("<img src=x onerror=alert(1)>" 1) } }')
    assert "<img src=x onerror=alert(1)>" in shown(browser)["text"]  # drawn as text, never as markup
    assert count(browser, "img") == 0 and count(browser, ".mark.bar") == 1
    check_clean(browser, base_url)


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
def test_fitting_follows_the_columns(browser: Chrome, base_url: str, given: dict[str, Any], views: list[str]) -> None:
    if not browser.execute_script("return !!window.MgkgViews"):
        open_query_page(browser, base_url)
    assert browser.execute_script("return MgkgViews.fitting(arguments[0])", given) == views


def test_a_view_that_cannot_be_drawn_says_why(browser: Chrome, base_url: str) -> None:
    open_query_page(browser, base_url)
    refused = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "MgkgViews.render(arguments[0], 'map', document.createElement('div')).then(() => done('drawn'),"
        " (error) => done(error.message));",
        result(["s"], {"s": literal("a")}),
    )
    assert refused == "the map view does not fit these columns"
    run(browser, "SELECT ?lat ?long WHERE { VALUES (?lat ?long) { (42.4 19.3) } }")  # shown as a table first
    browser.execute_script("window.fetch = () => Promise.reject(new Error('no network here'))")  # the basemap fails
    browser.find_element(By.CSS_SELECTOR, '#view-switcher button[data-view="map"]').click()
    wait_for_view(browser)
    state = shown(browser)
    assert state["state"] == "failed" and state["text"] == "Cannot draw the map: no network here"


def test_a_long_result_is_drawn_in_part_and_says_so(browser: Chrome, base_url: str) -> None:
    open_query_page(browser, base_url)
    days = [{"d": literal(f"{2000 + i // 365:04d}-01-01", "date"), "l": literal(f"row {i}")} for i in range(600)]
    drawn = browser.execute_async_script(
        "const done = arguments[arguments.length - 1], into = document.createElement('div');"
        "MgkgViews.render(arguments[0], 'timeline', into).then(() =>"
        "  done([into.querySelectorAll('.mark').length, into.querySelector('.view-note').textContent]));",
        result(["d", "l"], *days),
    )
    assert drawn == [500, "The first 500 of 600 rows are drawn; the table has them all."]


def test_the_named_query_page_draws_its_declared_view(browser: Chrome, base_url: str) -> None:
    forget_logs(browser)
    browser.get(base_url + "/queries/timeline")
    WebDriverWait(browser, WAIT).until(lambda b: b.execute_script(
        "const c = document.getElementById('view-body'); return !!c && c.dataset.state === 'drawn'"))
    state = shown(browser)
    assert state["offered"] == ["table", "timeline"] and state["pressed"] == ["timeline"]
    assert count(browser, ".mark") == 10 and not state["table"]
    browser.find_element(By.CSS_SELECTOR, '#view-switcher button[data-view="table"]').click()
    assert browser.find_element(By.CSS_SELECTOR, "#result-body table").is_displayed()
    check_clean(browser, base_url)
    forget_logs(browser)
    browser.get(base_url + "/queries/organisation-units?organisation=orgs:montenegro-ministry-of-interior")
    WebDriverWait(browser, WAIT).until(lambda b: b.execute_script(
        "const c = document.getElementById('view-body'); return !!c && c.dataset.state === 'drawn'"))
    assert count(browser, ".tree-node") == 5  # the Ministry and the four units the rows list under it
    check_clean(browser, base_url)


def test_a_named_query_page_without_a_drawn_view_keeps_its_table(browser: Chrome, base_url: str) -> None:
    forget_logs(browser)
    browser.get(base_url + "/queries/office-contacts")
    WebDriverWait(browser, WAIT).until(lambda b: b.execute_script("return document.readyState === 'complete'"))
    assert browser.find_element(By.CSS_SELECTOR, "#result-body table").is_displayed()
    assert not browser.find_element(By.ID, "view-body").is_displayed()
    check_clean(browser, base_url)
