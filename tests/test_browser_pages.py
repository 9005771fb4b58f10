"""Every kind of page in headless Chromium against a real granian server: entity pages, class indexes with a
facet applied, search (and the box on every page), the ontology, the query page. Each test checks what the page
shows, that no request left the server and that the console logged no error; every page type is checked by
axe-core (0 serious or critical violations). MGKG_SCREENSHOTS=1 also saves docs/screenshots/<page>.png.

Needs Debian's `chromium` and `chromium-driver` (`make browser-deps`). Without them the tests fail, unless
MGKG_SKIP_BROWSER=1 is set, which skips them. The harness is tests/support/browser.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from support.browser import WAIT, Browser, chrome, serve_store

from graph.store import EmbeddedStore

pytestmark = pytest.mark.browser

PROJECT = "/id/project/tc-0287"
PROJECT_TITLE = ("Capacity-building of Montenegro's Police to Suppress Cross Border Irregular Migration and "
                 "Organized Crime")
DENMARK = "Ministry of Foreign Affairs of Denmark"
DENMARK_FUNDS = ["Western Balkans Integrated Border Management Facility",
                 "Western Balkans Readmission Capacity Building Facility"]

PAGES = {
    "entity": (PROJECT, "h1#entity-label"),
    "organisation": ("/id/organization/montenegro-ministry-of-interior", "h1#entity-label"),
    "place": ("/id/place/montenegro", "h1#entity-label"),
    "document": ("/id/document/003_cfcd86acf525643f", "h1#entity-label"),
    "concept scheme": ("/vocab/theme", "h1#entity-label"),
    "indexes": ("/browse/", "main h1"),
    "class index": ("/browse/projects", ".members"),
    "class index with a facet": ("/browse/projects?donor=orgs%3Adenmark-ministry-of-foreign-affairs", ".chosen"),
    "events index": ("/browse/events", ".members"),
    "search": ("/search?q=Ministry+of+Interior", "ol.hits"),
    "empty search": ("/search", "main h1"),
    "ontology": ("/ontology", "#classes"),
    "query": ("/", ".CodeMirror"),
    "named queries": ("/queries", "main table"),
    "named query": ("/queries/projects-by-donor?format=html", "main h1"),
    "named query form": ("/queries/fact-sources", "form.named-query input[role='combobox']"),
    "API": ("/api", "#swagger-ui #servers[aria-label]"),  # named once Swagger UI has rendered (api.js)
    "VoID": ("/.well-known/void", "pre.rdf"),
    "service description": ("/service-description", "pre.rdf"),
    "default graph": ("/rdf-graphs?default", "main h1"),
    "dumps": ("/dumps/", "main h1"),
}
"""Every page type: its path and an element that shows it is there (the sweep's list; add new pages here)."""


@pytest.fixture(scope="module")
def site(store: EmbeddedStore) -> Iterator[Browser]:
    """Headless Chromium (1280×900) and a real granian server serving the built graph."""
    with chrome() as driver, serve_store(store) as url:
        yield Browser(driver, url)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_type_stays_local_logs_no_error_and_passes_axe(site: Browser, name: str) -> None:
    path, ready_css = PAGES[name]
    site.open(path, ready_css)
    assert site.driver.execute_script("return document.documentElement.lang") == "en"
    assert site.driver.title.endswith("Migration Governance Knowledge Graph")
    site.check_clean()
    site.check_accessible()


def facts(scope: WebDriver | WebElement, name: str) -> list[WebElement]:
    """The value cells of the fact rows named `name` (the property's label) in `scope`'s fact tables."""
    row = f".//table[@class='facts']/tbody/tr[th[@scope='row'][normalize-space()='{name}']]"
    rows = scope.find_elements(By.XPATH, row)
    return [row.find_element(By.TAG_NAME, "td") for row in rows]


def test_entity_page_shows_facts_by_document_money_and_downloads(site: Browser) -> None:
    site.open(PROJECT, "h1#entity-label")
    assert site.find("h1").text == PROJECT_TITLE
    assert site.driver.title.startswith(PROJECT_TITLE)
    schema = json.loads(str(site.find('script[type="application/ld+json"]').get_attribute("textContent")))
    assert schema["name"] == PROJECT_TITLE and schema["@type"] == "Project"
    # Facts grouped by the document that states them, under the document's title, and the editorial ones apart.
    documents = site.find_all("section.source-document")
    assert documents
    heading = documents[0].find_element(By.CSS_SELECTOR, "h3")
    assert heading.text.startswith("Document")
    link = heading.find_element(By.CSS_SELECTOR, "a")
    document_title = link.text
    assert str(link.get_attribute("href")).startswith(site.base_url + "/id/document/")
    assert document_title and not document_title.startswith(("mgd:", "http"))
    assert [cell.find_element(By.CSS_SELECTOR, ".money").text for cell in facts(documents[0], "budget")] == [
        "USD 40,000"]
    assert site.find_all("section.source-editorial .badge.editorial")
    # Each fact's place on the page (the fact ledger): the span's offsets, and what they count when opened.
    [end] = facts(documents[0], "end date")
    place = end.find_element(By.CSS_SELECTOR, "details.place")
    assert place.find_element(By.CSS_SELECTOR, "summary").text == "page 003, characters 907–920"
    explanation = place.find_element(By.CSS_SELECTOR, "p")
    assert not explanation.is_displayed()
    place.find_element(By.CSS_SELECTOR, "summary").send_keys(Keys.ENTER)  # a keyboard opens it
    site.until(lambda d: explanation.is_displayed())
    assert "SHA-256" in explanation.text and "003_cfcd86acf525643f.txt" in explanation.text
    assert not facts(site.driver, "possibly same as")[0].find_elements(By.CSS_SELECTOR, "details.place")
    site.screenshot("entity")
    # Downloads: one link per RDF format, each answering that format with this entity's triples.
    found = {}
    for a in site.find_all("p.downloads a"):
        response = requests.get(str(a.get_attribute("href")), timeout=WAIT)
        assert response.status_code == 200 and "tc-0287" in response.text
        found[a.text] = (a.get_attribute("type"), response.headers["Content-Type"].split(";")[0])
    assert found == {
        "Turtle": ("text/turtle", "text/turtle"), "JSON-LD": ("application/ld+json", "application/ld+json"),
        "N-Triples": ("application/n-triples", "application/n-triples"),
        "RDF/XML": ("application/rdf+xml", "application/rdf+xml"),
    }
    # The document's link leads to the document's page, whose title (dcterms:title) the heading showed.
    link.click()
    site.wait_for_page(lambda path: path.startswith("/id/document/"), "h1#entity-label")
    assert [cell.find_element(By.CSS_SELECTOR, ".literal").text for cell in facts(site.driver, "title")] == [
        document_title]
    site.check_clean()


def _members(site: Browser) -> list[str]:
    return [a.text for a in site.find_all(".members li a")]


def test_class_index_narrows_to_a_donor_and_widens_again(site: Browser) -> None:
    site.open("/browse/projects", ".members")
    everything = _members(site)
    assert len(everything) == 17 and site.find("main h1").text == "Projects (17)"
    donor = next(f for f in site.find_all(".facet") if f.find_element(By.CSS_SELECTOR, "h2").text == "Donor")
    choice = next(li for li in donor.find_elements(By.CSS_SELECTOR, "li") if li.text.startswith(DENMARK))
    assert choice.find_element(By.CSS_SELECTOR, ".count").text == "2"
    choice.find_element(By.CSS_SELECTOR, "a").click()
    chosen = site.wait_for_page("/browse/projects?donor=orgs%3Adenmark-ministry-of-foreign-affairs", ".chosen")
    assert DENMARK in chosen.text
    assert sorted(_members(site)) == DENMARK_FUNDS and set(DENMARK_FUNDS) < set(everything)
    assert site.find("main h1").text == "Projects (2)"
    assert site.find('.facet a[aria-current="true"]').text == DENMARK
    site.screenshot("browse")
    chosen.find_element(By.CSS_SELECTOR, "a").click()  # ✕ removes the filter
    site.wait_for_page("/browse/projects", ".members")
    assert sorted(_members(site)) == sorted(everything)
    site.check_clean()


@pytest.mark.parametrize(("text", "first", "label"), [
    ("Ministry of Interior", "/id/organization/montenegro-ministry-of-interior", "Ministry of Interior of Montenegro"),
    ("TC.0287", PROJECT, PROJECT_TITLE),
])  # fmt: skip
def test_search_finds_names_and_codes_and_leads_to_the_page(
    site: Browser, text: str, first: str, label: str
) -> None:
    site.open("/")
    box = site.find("header #site-search")
    box.send_keys(text, Keys.ENTER)
    site.wait_for_page(lambda path: path.startswith("/search?"), "ol.hits")
    hits = site.find_all("ol.hits li a")
    assert str(hits[0].get_attribute("href")) == site.base_url + first
    assert hits[0].text == label
    assert site.find("#search-page-q").get_attribute("value") == text
    if text == "Ministry of Interior":
        site.screenshot("search")
    hits[0].click()
    assert site.wait_for_page(first, "h1#entity-label").text == label
    site.check_clean()


@pytest.mark.parametrize("name", ["entity", "class index with a facet", "search", "ontology", "query", "VoID"])
def test_the_search_box_of_every_page_works(site: Browser, name: str) -> None:
    path, ready_css = PAGES[name]
    site.open(path, ready_css)
    box = site.find("header #site-search")
    box.send_keys("tc-0287", Keys.ENTER)
    site.wait_for_page("/search?q=tc-0287", "ol.hits")
    hits = site.find_all("ol.hits li a")
    assert str(hits[0].get_attribute("href")) == site.base_url + PROJECT
    site.check_clean()


def test_ontology_page_documents_every_term_with_anchors(site: Browser) -> None:
    site.open("/ontology", "#classes")
    assert site.find("main h1").text
    contents = {a.text: a for a in site.find_all("nav.toc a")}
    assert set(contents) >= {"Classes", "Object properties", "Datatype properties", "Concept schemes"}
    listed = int(site.find("nav.toc li").text.rsplit("(", 1)[1].rstrip(")"))
    assert len(site.find_all('section[aria-labelledby="classes"] .term')) == listed > 10
    project = site.find("#Project")
    assert project.find_element(By.CSS_SELECTOR, "h3").text == "Project mgkg:Project"
    assert project.find_element(By.CSS_SELECTOR, "p").text  # its definition
    contents["Concept schemes"].click()
    site.until(lambda d: d.execute_script("return location.hash") == "#schemes")
    site.screenshot("ontology")
    # An entity page's type links to its term on the ontology page.
    site.open(PROJECT, "h1#entity-label")
    site.find(".kinds a").click()
    site.wait_for_page("/ontology", "#classes")
    site.until(lambda d: d.execute_script("return location.hash") == "#FundingTranche")
    target = site.find(":target")
    assert target.get_attribute("id") == "FundingTranche" and "Funding tranche" in target.text
    site.check_clean()


def test_query_page_runs_the_default_query_and_its_results_pass_axe(site: Browser) -> None:
    site.open("/", ".CodeMirror")
    site.find("#run").click()
    table = site.wait_for("#result-body table tbody tr")
    assert table.text
    assert site.find("#results").is_displayed()
    site.screenshot("query")
    site.check_clean()
    site.check_accessible()


def test_an_iri_parameter_offers_the_matching_entities(site: Browser) -> None:
    site.open("/queries/projects-by-place", "input#param-place[role='combobox']")
    field = site.find("#param-place")
    listbox = site.find("#" + str(field.get_attribute("aria-controls")))
    assert listbox.get_attribute("role") == "listbox" and not listbox.is_displayed()
    field.send_keys("Monten")

    def offered() -> list[str]:
        return [str(code.get_attribute("textContent")) for code in listbox.find_elements(By.CSS_SELECTOR, "li code")]

    site.until(lambda d: listbox.get_attribute("aria-busy") is None and offered())  # the answer to "Monten"
    assert "place:montenegro" in offered()
    assert listbox.is_displayed() and field.get_attribute("aria-expanded") == "true"
    assert "matching" in site.find("#suggestion-status").get_attribute("textContent")
    site.screenshot("entity-field", keep_focus=True)
    site.check_accessible()  # with the list open
    for _ in offered():  # the keyboard chooses: down to place:montenegro, then Enter
        field.send_keys(Keys.ARROW_DOWN)
        active = site.find("#" + str(field.get_attribute("aria-activedescendant")))
        assert active.get_attribute("aria-selected") == "true"
        if active.find_element(By.CSS_SELECTOR, "code").text == "place:montenegro":
            break
    field.send_keys(Keys.ENTER)
    assert field.get_attribute("value") == "place:montenegro"
    assert not listbox.is_displayed() and field.get_attribute("aria-expanded") == "false"
    site.find("#run").click()
    site.wait_for_page(lambda path: "place=place%3Amontenegro" in path, "#result-body table tbody tr")
    places = {row.find_elements(By.CSS_SELECTOR, "td")[1].text for row in site.find_all("#result-body tbody tr")}
    assert places == {"Montenegro"}
    site.check_clean()
    site.check_accessible()


def test_an_iri_field_takes_a_typed_name_and_escape_closes_its_list(site: Browser) -> None:
    site.open("/queries/projects-by-place", "input#param-place[role='combobox']")
    field = site.find("#param-place")
    listbox = site.find("#param-place-options")
    field.send_keys("tc-0287")
    site.until(lambda d: listbox.is_displayed())
    field.send_keys(Keys.ESCAPE)
    assert not listbox.is_displayed() and field.get_attribute("value") == "tc-0287"
    field.clear()
    field.send_keys("https://w3id.org/mgkg/id/place/montenegro")  # an IRI asks nothing
    assert not listbox.is_displayed()
    site.check_clean()


def test_the_checks_see_a_request_that_leaves_a_console_error_and_a_violation(site: Browser) -> None:
    site.open("/browse/", "main h1")
    site.driver.execute_script(
        "const img = document.createElement('img'); img.src = 'https://cdn.example.org/pixel.png';"
        "document.querySelector('main').appendChild(img);"
        "const field = document.createElement('input'); document.querySelector('main').appendChild(field);"
    )
    assert site.until(lambda d: site.outside_requests()) == ["https://cdn.example.org/pixel.png"]
    assert site.until(lambda d: site.console_errors())
    assert {v["id"] for v in site.accessibility()} >= {"image-alt", "label"}
