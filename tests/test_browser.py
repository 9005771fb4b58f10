"""The query page in headless Chromium against a real granian server: examples, run, results, errors.

Needs Debian's `chromium` and `chromium-driver` (`make browser-deps`). Without them the tests fail, unless
MGKG_SKIP_BROWSER=1 is set, which skips them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from selenium.webdriver import Chrome
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select, WebDriverWait
from support.browser import WAIT, chrome, serve_store

from graph.store import EmbeddedStore

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(store: EmbeddedStore) -> Iterator[str]:
    """A real server (granian, as mgkg serve runs it) on a free loopback port serving the built graph."""
    with serve_store(store) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Chrome]:
    """Headless Chromium through chromedriver (failing, not skipping, when they are missing)."""
    with chrome((1400, 1000)) as driver:
        yield driver


def open_page(browser: Chrome, base_url: str) -> None:
    """Load the query page and wait until the editor is ready."""
    browser.get(base_url + "/")
    WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.CSS_SELECTOR, ".CodeMirror")))


def set_query(browser: Chrome, text: str) -> None:
    """Replace the editor's text."""
    browser.execute_script("document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0])", text)


def editor_text(browser: Chrome) -> str:
    """The editor's text."""
    return str(browser.execute_script("return document.querySelector('.CodeMirror').CodeMirror.getValue()"))


def run_and_wait_for_table(browser: Chrome) -> WebElement:
    """Click Run and wait for a result table with at least one row."""
    browser.find_element(By.ID, "run").click()
    return wait_for_rows(browser)


def show_table(browser: Chrome) -> None:
    """Show the results as the table when the query's declared view (`# view:`) drew something else."""
    buttons = browser.find_elements(By.CSS_SELECTOR, '#view-switcher button[data-view="table"]')
    if buttons and buttons[0].is_displayed():
        buttons[0].click()


def wait_for_rows(browser: Chrome) -> WebElement:
    """Wait for a result table with at least one row and return it."""
    rows = (By.CSS_SELECTOR, "#result-body table tbody tr")
    WebDriverWait(browser, WAIT).until(ready.presence_of_element_located(rows))
    return browser.find_element(By.CSS_SELECTOR, "#result-body table")


def downloads(browser: Chrome) -> dict[str, str]:
    """Each download link's format and the media type the server answers it with (every link fetched)."""
    found = {}
    for link in browser.find_elements(By.CSS_SELECTOR, "#downloads a"):
        assert link.get_attribute("download")
        response = requests.get(str(link.get_attribute("href")), timeout=WAIT)
        assert response.status_code == 200, response.text
        assert "TC.0287" in response.text or "tc-0287" in response.text
        found[str(link.get_attribute("data-format"))] = response.headers["Content-Type"].split(";")[0]
    return found


def test_page_loads_with_a_short_query_and_no_script_errors(browser: Chrome, base_url: str) -> None:
    open_page(browser, base_url)
    assert "PREFIX mgkg:" not in editor_text(browser) and editor_text(browser).splitlines()[1].startswith("SELECT")
    assert browser.find_elements(By.CSS_SELECTOR, ".CodeMirror .cm-keyword")  # SPARQL highlighting is on
    assert len(browser.find_elements(By.CSS_SELECTOR, "button.example")) > 10
    log = browser.get_log("browser")  # type: ignore[no-untyped-call]
    problems = [entry["message"] for entry in log if entry["level"] == "SEVERE"]
    assert problems == []


def test_example_runs_and_shows_projects(browser: Chrome, base_url: str, tmp_path: Path) -> None:
    open_page(browser, base_url)
    browser.find_element(By.CSS_SELECTOR, 'button.example[data-name="project-by-id"]').click()
    assert "mgkg:projectsId" in editor_text(browser)
    assert "Project by IOM Projects ID" in browser.find_element(By.ID, "example-note").text
    table = run_and_wait_for_table(browser)
    browser.save_screenshot(str(tmp_path / "select.png"))
    assert "TC.0287" in table.text
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert "projectsId" in headers
    status = browser.find_element(By.ID, "status").text
    assert " rows in " in status and "ms" in status
    links = table.find_elements(By.CSS_SELECTOR, "a.iri")
    project = next(a for a in links if a.get_attribute("title") == "https://w3id.org/mgkg/id/project/tc-0287")
    assert project.get_attribute("href") == base_url + "/id/project/tc-0287"  # its page here, not w3id.org
    assert project.text.startswith("Capacity-building of Montenegro's Police")  # its label
    assert not [a for a in links if str(a.get_attribute("href")).startswith("https://w3id.org/")]
    assert downloads(browser) == {
        "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
        "tsv": "text/tab-separated-values",
    }


def test_literals_show_language_and_datatype_and_stay_text(browser: Chrome, base_url: str) -> None:
    open_page(browser, base_url)
    set_query(browser, 'SELECT ?label ?amount ?markup ?day ?month ?big WHERE { BIND("Montenegro"@en AS ?label) '
                       'BIND(40000.0 AS ?amount) BIND("<img src=x onerror=alert(1)>" AS ?markup) '
                       'BIND("2006-05-21"^^xsd:date AS ?day) BIND("2009-03"^^xsd:gYearMonth AS ?month) '
                       'BIND(-1234567.125 AS ?big) }')
    table = run_and_wait_for_table(browser)
    cells = [td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody td")]
    assert cells[1:3] == ["Montenegro", "40,000"]  # no datatype, no language, digits grouped
    assert cells[4:] == ["21 May 2006", "March 2009", "-1,234,567.125"]  # dates at their precision
    assert "<img src=x onerror=alert(1)>" in cells[3]
    assert not table.find_elements(By.TAG_NAME, "img")
    browser.find_element(By.CSS_SELECTOR, ".result-controls .toggle input").click()  # datatypes, when asked
    cells = [td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody td")]
    assert cells[1:3] == ["Montenegro@en", "40,000^^xsd:decimal"] and cells[4] == "21 May 2006^^xsd:date"
    browser.find_element(By.CSS_SELECTOR, ".result-controls .toggle input").click()


def test_ctrl_enter_runs_a_construct_as_a_table_of_triples(browser: Chrome, base_url: str, tmp_path: Path) -> None:
    open_page(browser, base_url)
    set_query(browser, "PREFIX mgkg: <https://w3id.org/mgkg/ontology#>\n"
                       "CONSTRUCT { ?p a ?type ; mgkg:projectsId ?id } WHERE { ?p a ?type ; mgkg:projectsId ?id }")
    browser.find_element(By.CSS_SELECTOR, ".CodeMirror").click()
    ActionChains(browser).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
    table = wait_for_rows(browser)
    browser.save_screenshot(str(tmp_path / "construct.png"))
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers[1:] == ["subject", "predicate", "object"]
    assert "rdf:type" in table.text
    assert browser.find_elements(By.CSS_SELECTOR, 'a.iri[title="https://w3id.org/mgkg/ontology#FundingTranche"]')
    assert downloads(browser) == {
        "turtle": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
        "xml": "application/rdf+xml", "trig": "application/trig", "nquads": "application/n-quads",
    }
    assert "triples in" in browser.find_element(By.ID, "status").text


def test_malformed_query_shows_the_error_next_to_the_editor(
    browser: Chrome, base_url: str, tmp_path: Path
) -> None:
    open_page(browser, base_url)
    set_query(browser, "SELECT ?s WHERE {\n  ?s ?p \n}")
    browser.find_element(By.ID, "run").click()
    error = WebDriverWait(browser, WAIT).until(ready.visibility_of_element_located((By.ID, "error")))
    browser.save_screenshot(str(tmp_path / "error.png"))
    assert "error at 3:" in error.text
    editor = browser.find_element(By.CSS_SELECTOR, ".CodeMirror")
    assert 0 <= error.location["y"] - (editor.location["y"] + editor.size["height"]) < 120  # right below it
    assert browser.find_elements(By.CSS_SELECTOR, ".CodeMirror .error-line")  # the line is marked
    assert error.text.startswith("Error at line 3, column ")
    set_query(browser, "ASK { ?s ?p ?o }")
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, WAIT).until(ready.text_to_be_present_in_element((By.ID, "result-body"), "true"))
    assert not browser.find_element(By.ID, "error").is_displayed()


def test_the_page_runs_under_its_content_security_policy(browser: Chrome, base_url: str) -> None:
    assert "script-src 'self'" in requests.get(base_url + "/", timeout=WAIT).headers["Content-Security-Policy"]
    browser.get_log("browser")  # type: ignore[no-untyped-call]  # forget what earlier tests logged
    open_page(browser, base_url)
    assert browser.find_elements(By.CSS_SELECTOR, "button.example")  # built from the JSON data block
    set_query(browser, "ASK { ?s ?p ?o }")
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, WAIT).until(ready.text_to_be_present_in_element((By.ID, "result-body"), "true"))
    log = browser.get_log("browser")  # type: ignore[no-untyped-call]
    assert [entry["message"] for entry in log if "Content Security Policy" in entry["message"]] == []
    # The policy is in force: an inline script added to the page is refused (and that refusal is logged).
    browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.inlineRan = true';"
        "document.body.appendChild(s);"
    )
    assert browser.execute_script("return window.inlineRan === undefined") is True
    log = browser.get_log("browser")  # type: ignore[no-untyped-call]
    assert any("Content Security Policy" in entry["message"] for entry in log)


def body_rows(browser: Chrome) -> list[list[str]]:
    """The text of the cells of the rows shown (row number first)."""
    rows = browser.find_elements(By.CSS_SELECTOR, "#result-body table tbody tr")
    return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in rows]


def test_tables_sort_filter_and_page(browser: Chrome, base_url: str) -> None:
    open_page(browser, base_url)
    values = " ".join(f'({n} "item {n:03d}")' for n in range(1, 121))
    set_query(browser, f"SELECT ?n ?name WHERE {{ VALUES (?n ?name) {{ {values} }} }}")
    run_and_wait_for_table(browser)
    status = browser.find_element(By.CSS_SELECTOR, ".page-status")
    assert [r[1] for r in body_rows(browser)] == [str(n) for n in range(1, 51)] and status.text == "Rows 1–50 of 120"
    browser.find_element(By.CSS_SELECTOR, ".page-next").click()
    assert body_rows(browser)[0][1] == "51" and status.text == "Rows 51–100 of 120"
    sort = browser.find_elements(By.CSS_SELECTOR, "#result-body th button.sort")
    sort[0].click()
    sort[0].click()  # descending, by number: 120 before 99
    assert [r[1] for r in body_rows(browser)[:3]] == ["120", "119", "118"] and status.text == "Rows 1–50 of 120"
    assert browser.find_elements(By.CSS_SELECTOR, 'th[aria-sort="descending"]')
    search = browser.find_element(By.CSS_SELECTOR, ".result-filter")
    search.send_keys("item 11")
    assert [r[1] for r in body_rows(browser)] == ["119", "118", "117", "116", "115", "114", "113", "112", "111", "110"]
    assert status.text == "Rows 1–10 of 10 (filtered from 120)"
    search.send_keys("zz")
    assert body_rows(browser) == [] and status.text == "No rows match (filtered from 120)"
    Select(browser.find_element(By.CSS_SELECTOR, ".page-size")).select_by_value("500")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)
    assert len(body_rows(browser)) == 120
    Select(browser.find_element(By.CSS_SELECTOR, ".page-size")).select_by_value("50")


def test_the_url_holds_the_query_and_a_link_runs_it(browser: Chrome, base_url: str) -> None:
    open_page(browser, base_url)
    query = 'SELECT ?id WHERE { ?p mgkg:projectsId ?id FILTER(?id = "TC.0287") }'
    set_query(browser, query)
    run_and_wait_for_table(browser)
    assert browser.current_url == base_url + "/?" + urlencode({"query": query})
    browser.get("about:blank")
    browser.get(base_url + "/?" + urlencode({"query": query}))  # a shared link: filled in and run
    assert "TC.0287" in wait_for_rows(browser).text
    assert editor_text(browser) == query


def test_a_syntax_error_marks_line_and_column_and_clears_old_results(browser: Chrome, base_url: str) -> None:
    open_page(browser, base_url)
    set_query(browser, "ASK { ?s ?p ?o }")
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, WAIT).until(ready.text_to_be_present_in_element((By.ID, "result-body"), "true"))
    set_query(browser, "SELECT ?x WHERE {\n  ?x a foo:Bar }")
    browser.find_element(By.ID, "run").click()
    error = WebDriverWait(browser, WAIT).until(ready.visibility_of_element_located((By.ID, "error")))
    assert error.text == ("Error at line 2, column 8: query syntax error: error at 2:8: the prefix foo: is not "
                          "declared (PREFIX foo: <…>)")
    assert not browser.find_element(By.ID, "results").is_displayed()
    assert browser.find_element(By.ID, "result-body").text == ""
    marked = browser.find_element(By.CSS_SELECTOR, ".CodeMirror .error-at")
    assert marked.text == "f"  # the column: where foo: starts
    cursor = browser.execute_script("return document.querySelector('.CodeMirror').CodeMirror.getCursor()")
    assert cursor == {"line": 1, "ch": 7, "sticky": None} or (cursor["line"], cursor["ch"]) == (1, 7)


def test_money_fits_a_1400_pixel_window_and_nothing_leaves_the_server(browser: Chrome, base_url: str) -> None:
    browser.get_log("browser")  # type: ignore[no-untyped-call]  # forget what earlier tests logged
    open_page(browser, base_url)
    browser.find_element(By.CSS_SELECTOR, 'button.example[data-name="projects-by-donor"]').click()
    table = run_and_wait_for_table(browser)
    show_table(browser)  # projects-by-donor is drawn as a graph first
    money = table.find_elements(By.CSS_SELECTOR, "td.number")
    assert money and any(cell.text.startswith(("USD ", "EUR ")) for cell in money)
    right = browser.execute_script("return Math.max(...Array.from(document.querySelectorAll("
                                   "'#result-body td.number')).map((td) => td.getBoundingClientRect().right))")
    assert right <= 1400
    for link in table.find_elements(By.CSS_SELECTOR, "a.iri.labelled"):
        assert str(link.get_attribute("href")).startswith(base_url + "/")
    requested = browser.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
    assert requested and all(url.startswith(base_url) for url in requested)
    log = browser.get_log("browser")  # type: ignore[no-untyped-call]
    assert [entry["message"] for entry in log if entry["level"] == "SEVERE"] == []


def test_the_named_query_page_table_sorts_and_filters(browser: Chrome, base_url: str) -> None:
    browser.get(base_url + "/queries/timeline?format=html")
    rows = (By.CSS_SELECTOR, ".result-body table tbody tr")
    WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.CSS_SELECTOR, ".result-controls")))
    show_table(browser)  # the timeline query is drawn as a timeline first
    total = browser.find_element(By.CSS_SELECTOR, ".page-status").text
    assert total.startswith("Rows 1–")
    browser.find_element(By.CSS_SELECTOR, ".result-filter").send_keys("International Organization for Migration")
    shown = browser.find_elements(*rows)
    assert shown and all("International Organization for Migration" in tr.text for tr in shown)
    link = shown[0].find_element(By.CSS_SELECTOR, "a.iri")
    assert link.get_attribute("href") == base_url + "/id/organization/iom"


def test_the_api_page_renders_every_operation_offline_under_the_csp(browser: Chrome, base_url: str) -> None:
    browser.get_log("browser")  # type: ignore[no-untyped-call]  # forget what earlier tests logged
    browser.get(base_url + "/api")
    blocks = (By.CSS_SELECTOR, "#swagger-ui .opblock")
    WebDriverWait(browser, WAIT).until(ready.presence_of_element_located(blocks))
    document = requests.get(base_url + "/openapi.json", timeout=WAIT).json()
    operations = sum(1 for item in document["paths"].values() for method in item if method in ("get", "post", "put",
                                                                                                 "delete", "head"))
    assert len(browser.find_elements(*blocks)) == operations
    shown = {element.text for element in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/sparql", "/labels", "/queries/project-by-id", "/id/{rest}"} <= {s.replace("\u200b", "") for s in shown}
    requested = browser.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
    assert base_url + "/openapi.json" in requested and all(url.startswith(base_url) for url in requested)
    log = browser.get_log("browser")  # type: ignore[no-untyped-call]
    assert [entry["message"] for entry in log if entry["level"] in ("SEVERE", "WARNING")] == []


def test_labels_come_in_batches_and_a_failed_batch_leaves_prefixed_names(browser: Chrome, base_url: str) -> None:
    open_page(browser, base_url)
    browser.execute_script("performance.clearResourceTimings()")
    first, second = " ".join(str(n) for n in range(40)), " ".join(str(n) for n in range(30))
    set_query(browser, f"SELECT ?x WHERE {{ VALUES ?a {{ {first} }} VALUES ?b {{ {second} }} "
                       'BIND(IRI(CONCAT("https://example.org/", STR(?a), "-", STR(?b))) AS ?x) }')
    run_and_wait_for_table(browser)
    posts = browser.execute_script(
        "return performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/labels')).length")
    assert posts == 2  # 1,200 IRIs: batches of 1,000
    browser.execute_script(  # the next label requests fail: the table must still come, with prefixed names
        "const real = window.fetch; window.fetch = (url, init) => String(url).endsWith('/labels')"
        " ? Promise.resolve(new Response('no', {status: 500})) : real(url, init);")
    set_query(browser, "SELECT ?p WHERE { BIND(prj:tc-0287 AS ?p) }")
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, WAIT).until(ready.text_to_be_present_in_element((By.ID, "result-body"), "prj:tc-0287"))
    link = browser.find_element(By.CSS_SELECTOR, "#result-body a.iri")
    assert link.text == "prj:tc-0287" and link.get_attribute("href") == "https://w3id.org/mgkg/id/project/tc-0287"
