"""The query page in headless Chromium against a real waitress server: examples, run, results, errors.

Needs Debian's `chromium` and `chromium-driver` (`make browser-deps`). Without them the tests fail, unless
MGKG_SKIP_BROWSER=1 is set, which skips them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium.webdriver import Chrome
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait
from support.browser import WAIT, chrome, serve_store

from graph.store import EmbeddedStore

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(store: EmbeddedStore) -> Iterator[str]:
    """A real waitress server on a free loopback port serving the built graph."""
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


def test_page_loads_with_editor_prefixes_and_no_script_errors(browser: Chrome, base_url: str) -> None:
    open_page(browser, base_url)
    assert "PREFIX mgkg: <https://w3id.org/mgkg/ontology#>" in editor_text(browser)
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
    assert any(a.get_attribute("href") == "https://w3id.org/mgkg/id/project/tc-0287" for a in links)
    assert "prj:tc-0287" in table.text
    assert downloads(browser) == {
        "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
        "tsv": "text/tab-separated-values",
    }


def test_literals_show_language_and_datatype_and_stay_text(browser: Chrome, base_url: str) -> None:
    open_page(browser, base_url)
    set_query(browser, 'SELECT ?label ?amount ?markup WHERE { BIND("Montenegro"@en AS ?label) '
                       'BIND(40000.0 AS ?amount) BIND("<img src=x onerror=alert(1)>" AS ?markup) }')
    table = run_and_wait_for_table(browser)
    cells = [td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody td")]
    assert cells[1] == "\u201cMontenegro\u201d@en"
    assert cells[2].endswith("^^xsd:decimal") and cells[2].startswith("40000")
    assert "<img src=x onerror=alert(1)>" in cells[3]
    assert not table.find_elements(By.TAG_NAME, "img")


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
    assert "rdf:type" in table.text and "mgkg:FundingTranche" in table.text
    assert "prj:tc-0287 mgkg:projectsId \u201cTC.0287\u201d" in table.text
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
