"""The query page at / through Flask's test client: prefixes, examples, static assets, offline, escaping."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from support.clients import client_for

from graph.named_queries import load_queries
from graph.store import EmbeddedStore
from server import app as app_module
from server.views import named

STATIC = Path(app_module.__file__).parent / "static"
NASTY = '<script>alert("x")</script> & </textarea>'


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """The parts of the page the tests look at: text of elements by id, tags, script and stylesheet URLs."""

    def __init__(self, html: str) -> None:
        """Parse `html`."""
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, str] = {}
        self.urls: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Remember the tag, the URLs of scripts and stylesheets, and start collecting text for an id."""
        named = dict(attrs)
        self.tags.append((tag, named))
        if tag == "script" and named.get("src"):
            self.urls.append(str(named["src"]))
        if tag == "link" and named.get("rel") == "stylesheet":
            self.urls.append(str(named["href"]))
        if tag in VOID:
            return
        self._open.append((tag, named.get("id")))
        if named.get("id"):
            self.by_id[str(named["id"])] = ""

    def handle_endtag(self, tag: str) -> None:
        """Close `tag` (and anything left open inside it)."""
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        """Add text to every open element that has an id."""
        for _, name in self._open:
            if name:
                self.by_id[name] += data


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> FlaskClient:
    """A client of the default app."""
    return client_for(store)


def page_of(client: FlaskClient, url: str = "/") -> Page:
    """GET `url`, check it is a 200 HTML page and parse it."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def test_editor_shows_a_query_without_prefix_lines_and_the_page_lists_them(client: FlaskClient) -> None:
    page = page_of(client)
    editor = page.by_id["query"]
    assert "PREFIX " not in editor.replace("PREFIX lines", "")  # the query starts on line 2, not 34
    assert editor.index("SELECT") < 120
    assert len(editor.splitlines()) < 8
    response = client.post("/sparql", data={"query": editor})  # and it runs as it is: the prefixes are declared
    assert response.status_code == 200 and response.json["results"]["bindings"]


def test_prefixes_follow_the_configured_base(store: EmbeddedStore) -> None:
    html = client_for(store, base="https://example.org/kg/").get("/").get_data(as_text=True)
    assert "<dt>prj:</dt><dd>https://example.org/kg/id/project/</dd>" in html
    assert "<dt>mgkg:</dt><dd>https://w3id.org/mgkg/ontology#</dd>" in html


def test_query_parameter_prefills_the_editor(client: FlaskClient) -> None:
    page = page_of(client, "/?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D")
    assert page.by_id["query"] == "ASK { ?s ?p ?o }"


def test_every_named_query_is_an_example_with_its_text(client: FlaskClient) -> None:
    page = page_of(client)
    queries = load_queries()
    listed = [attrs["data-name"] for tag, attrs in page.tags if tag == "button" and "data-name" in attrs]
    assert listed == list(queries)
    for name, query in queries.items():
        assert query.title in page.by_id["examples"]
        assert name in page.by_id["examples"]
    data = json.loads(page.by_id["examples-data"])
    assert {item["name"]: item["query"] for item in data} == {n: q.text for n, q in queries.items()}
    by_name = {item["name"]: item for item in data}
    assert [p["name"] for p in by_name["project-by-id"]["parameters"]] == ["id"]


def test_page_links_the_other_faces_of_the_service(client: FlaskClient) -> None:
    links = [attrs.get("href") for tag, attrs in page_of(client).tags if tag == "a"]
    for target in ("/", "/queries", "/.well-known/void", "/dumps/", "/api"):
        assert target in links


def test_every_script_and_stylesheet_is_served_locally(client: FlaskClient) -> None:
    urls = page_of(client).urls
    assert any(u.endswith("codemirror.js") for u in urls)
    assert any(u.endswith("sparql.js") for u in urls)
    assert any(u.endswith("query.js") for u in urls)
    assert urls.index("/static/results.js") < urls.index("/static/query.js")  # query.js uses MgkgResults
    for url in urls:
        assert url.startswith("/static/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype in ("text/javascript", "application/javascript", "text/css"), url
        assert len(response.get_data()) > 100
        response.close()


def test_nothing_is_loaded_from_another_host(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.IGNORECASE)
    css = (STATIC / "style.css").read_text()
    assert "@import" not in css
    assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", css)
    for script in ("query.js", "results.js", "api.js"):
        script_urls = set(re.findall(r"https?://[^\s\"'`]+", (STATIC / script).read_text()))
        assert script_urls <= {"http://www.w3.org/2001/XMLSchema#"}  # an IRI it compares with, not a fetch


def test_vendored_codemirror_keeps_its_license(client: FlaskClient) -> None:
    license_text = (STATIC / "vendor" / "codemirror" / "LICENSE").read_text()
    assert "MIT" in license_text or "Permission is hereby granted" in license_text
    assert "Marijn Haverbeke" in license_text


@pytest.mark.parametrize("name", ["query.js", "results.js"])
def test_page_script_builds_the_dom_without_inner_html(name: str) -> None:
    script = (STATIC / name).read_text()
    assert "innerHTML" not in script
    assert "insertAdjacentHTML" not in script
    assert "document.write" not in script


def test_labels_and_query_text_are_escaped(
    store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "nasty.rq").write_text(
        f"# title: {NASTY}\n# description: {NASTY}\n"
        f'SELECT ?x WHERE {{ BIND("</script><script>alert(1)</script>" AS ?x) }}\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(named, "load_queries", lambda: load_queries(tmp_path))
    client = client_for(store)
    response = client.get("/?query=%3C/textarea%3E%3Cscript%3Ealert(2)%3C/script%3E")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "</textarea><script>" not in html
    assert html.count("</script>") == html.count("<script")  # no script closed early by data
    page = Page(html)
    assert page.by_id["query"] == "</textarea><script>alert(2)</script>"
    assert NASTY in page.by_id["examples"]
    data = json.loads(page.by_id["examples-data"])
    assert data[0]["title"] == NASTY
    assert "alert(1)" in data[0]["query"]


def test_unknown_page_is_a_one_line_404(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)
