"""A hostile corpus: requests no endpoint should fall over on, sent over real HTTP to a server on an on-disk store.

Each case is a row of CASES — a name, the request, the statuses that are a right answer — so the corpus can
grow. Every request must get an answer with one of those statuses, a one-line body for an error, and the server
— `mgkg serve` as users run it, in a process of its own — must still answer `ASK {}` afterwards and stop
cleanly at the end. The depth bombs are the constructs benchmarks/depth_limits.py measures, 10,000 levels deep,
far past where pyoxigraph's parser dies; `mgkg query` gets the same bombs in a process of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
import requests
from rdflib import Dataset
from support.mgkg_serve import start

from benchmarks.depth_limits import DOCUMENTS, QUERIES, UPDATES
from graph.build import write_store
from graph.core.config import Settings
from graph.core.formats import RDF_READ, by_name
from graph.core.resources import sources_dir
from graph.core.text import utf8_error
from graph.sparql.nesting import DEFAULT_MAX_DEPTH, measure
from graph.store import open_store
from server.encoding import _decodes

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "hostile-token"
BOMB = 10_000
"""Levels of every depth bomb: pyoxigraph dies below 10,000 for all of them (in a 1 MB thread below 2,000)."""

SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
SPARQL_UPDATE = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WRITE = {"Authorization": f"Bearer {TOKEN}"}
MEDIA = {fmt: by_name(fmt, RDF_READ).media_type for fmt, _ in DOCUMENTS.values()}
BOM = b"\xef\xbb\xbf"
GRAPH = "https://w3id.org/mgkg/graph/contributions/editor/hostile"  # writable: the body, not the policy, is judged


@dataclass(frozen=True)
class Case:
    """One hostile request: method, path (with its query string), headers, a body made on demand, right statuses."""

    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Callable[[], bytes] = bytes
    statuses: frozenset[int] = frozenset({400})
    says: str = ""
    """Text the (one-line) answer must contain, if any."""


def _query(name: str, text: Callable[[], str], statuses: set[int] | None = None, says: str = "") -> Case:
    return Case(name, "POST", "/sparql", SPARQL_QUERY, lambda: text().encode(), frozenset(statuses or {400}), says)


def _update(name: str, text: Callable[[], str], statuses: set[int] | None = None, says: str = "") -> Case:
    return Case(name, "POST", "/sparql", SPARQL_UPDATE, lambda: text().encode(), frozenset(statuses or {400}), says)


def _put(name: str, media: str, body: Callable[[], bytes], statuses: set[int] | None = None, says: str = "") -> Case:
    headers = {**WRITE, "Content-Type": media}
    return Case(name, "PUT", f"/rdf-graphs?graph={GRAPH}", headers, body, frozenset(statuses or {400}), says)


def _bind(make: Callable[[int], str], depth: int) -> Callable[[], str]:
    return lambda: make(depth)


DEEP = "nested"
"""What the refusal of a depth bomb says ("query nested 10001 levels deep" or "query too deeply nested: …")."""

SAFE = {"in-list"}
"""Constructs pyoxigraph survives at any length: answered, not refused."""

CASES: list[Case] = [
    *(_query(f"query bomb: {name}", _bind(make, BOMB), {200} if name in SAFE else None, "" if name in SAFE else DEEP)
      for name, make in QUERIES.items()),
    *(_update(f"update bomb: {name}", _bind(make, BOMB), {204} if name == "operation-chain" else None,
              "" if name == "operation-chain" else DEEP)
      for name, make in UPDATES.items()),
    *(_put(f"graph store bomb: {name}", MEDIA[fmt], lambda make=make: make(BOMB).encode(), says=DEEP)  # type: ignore[misc]
      for name, (fmt, make) in DOCUMENTS.items()),
    *(Case(f"shacl bomb: {name}", "POST", "/shacl", {"Content-Type": MEDIA[fmt]},
           lambda make=make: make(BOMB).encode(), says=DEEP)  # type: ignore[misc]
      for name, (fmt, make) in DOCUMENTS.items()),
    Case("query bomb by GET", "GET", "/sparql?query=" + "ASK%20" + "%7B" * BOMB + "%7D" * BOMB, says=DEEP),
    Case("update bomb in a form", "POST", "/sparql", {**FORM, **WRITE},
         lambda: b"update=INSERT%20DATA%20%7B%3Chttp://e/s%3E%20%3Chttp://e/p%3E%20" + b"(" * BOMB + b")" * BOMB
         + b"%7D", says=DEEP),
    _query("bomb with a word rdflib must check", lambda: 'ASK { FILTER("load" != "") ' + "{ " * 40 + "}" * 40 + " }",
           says="nested"),
    _query("a 5 MB string literal", lambda: 'ASK { FILTER(STRLEN("' + "a" * 5_000_000 + '") > 0) }', {200}),
    _query("100,000 VALUES rows", lambda: "SELECT ?x WHERE { VALUES ?x { " + " ".join(map(str, range(100_000)))
           + " } }", {200}),
    _put("a 5 MB literal in Turtle", "text/turtle",
         lambda: b'<https://w3id.org/mgkg/id/x> <http://e/p> "' + b"a" * 5_000_000 + b'" .', {201, 204, 422}),
    Case("a body over max_body", "POST", "/sparql", SPARQL_QUERY, lambda: b"#" * (10 * 1024 * 1024 + 1),
         frozenset({413})),
    Case("invalid UTF-8 in a raw body", "POST", "/sparql", SPARQL_QUERY, lambda: b"ASK { FILTER(\xff) }",
         says="not UTF-8"),
    Case("a lone surrogate in a raw body", "POST", "/sparql", SPARQL_QUERY, lambda: b'ASK { FILTER("\xed\xa0\x80") }',
         says="not UTF-8"),
    Case("%FF in a form update", "POST", "/sparql", {**FORM, **WRITE}, lambda: b"update=%FF", says="'update'"),
    Case("a lone surrogate in a form", "POST", "/sparql", FORM, lambda: b"query=ASK%20%7B%7D%ED%A0%80",
         says="'query'"),
    Case("%FF in the URL", "GET", "/sparql?query=%FF", says="'query'"),
    Case("a lone surrogate in a JSON parameter", "POST", "/queries/projects-active-in-year",
         {"Content-Type": "application/json"}, lambda: b'{"year": "\\ud800"}', says="lone surrogate"),
    _query("a \\ud800 escape in a SPARQL string", lambda: 'ASK { FILTER("\\ud800" != "") }', {200, 400}),
    _put("invalid UTF-8 in Turtle", "text/turtle", lambda: b'<http://e/s> <http://e/p> "\xff" .'),
    Case("a BOM before a raw query", "POST", "/sparql", SPARQL_QUERY, lambda: BOM + b"ASK {}", frozenset({200})),
    Case("a BOM in a form query", "POST", "/sparql", FORM, lambda: b"query=%EF%BB%BFASK%20%7B%7D", frozenset({200})),
    Case("a BOM in a URL query", "GET", "/sparql?query=%EF%BB%BFASK%20%7B%7D", statuses=frozenset({200})),
    _put("a BOM before Turtle", "text/turtle",
         lambda: BOM + b"<https://w3id.org/mgkg/id/y> <http://www.w3.org/2000/01/rdf-schema#label> \"y\" .",
         {201, 204}),
    Case("a BOM before SHACL data", "POST", "/shacl", {"Content-Type": "text/turtle"},
         lambda: BOM + b"<http://e/s> <http://e/p> 1 .", frozenset({200})),
]


@pytest.fixture(scope="module")
def base_url(built: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`mgkg serve` on an on-disk store holding the built graph, with writes enabled (any free port)."""
    spec = f"oxigraph:{tmp_path_factory.mktemp('hostile') / 'store'}"
    write_store(built, spec)
    server = start("--store", spec, "serve", "--port", "0", "--threads", "2", env={"MGKG_UPDATE_TOKEN": TOKEN})
    yield server.url
    assert server.stop() == 0
    assert "Traceback" not in server.stderr_text() and TOKEN not in server.stderr_text()


def alive(base_url: str) -> bool:
    """Whether the server still answers `ASK {}` with true."""
    answer = requests.get(f"{base_url}/sparql", params={"query": "ASK {}"}, timeout=30)
    return answer.status_code == 200 and answer.json()["boolean"] is True


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_request_gets_an_answer_and_the_server_survives(base_url: str, case: Case) -> None:
    answer = requests.request(case.method, base_url + case.path, headers=case.headers, data=case.body(), timeout=60)
    assert answer.status_code in case.statuses, (answer.status_code, answer.text[:300])
    if answer.status_code >= 400:
        assert len(answer.text.strip().splitlines()) == 1, answer.text[:300]
        assert "Traceback" not in answer.text
    assert case.says in answer.text
    assert alive(base_url)


def test_the_refusal_names_the_limit(base_url: str) -> None:
    bomb = "ASK { " + "FILTER NOT EXISTS { " * 1000 + "?s ?p ?o" + " }" * 1000 + " }"
    answer = requests.post(f"{base_url}/sparql", data=bomb.encode(), headers=SPARQL_QUERY, timeout=60)
    assert answer.status_code == 400
    assert answer.text.startswith(f"query nested 1001 levels deep: at most {DEFAULT_MAX_DEPTH} are allowed")


def test_max_depth_is_a_setting() -> None:
    text = "ASK { " + "{ " * 20 + "}" * 20 + " }"
    assert measure(text).refusal(64) is None
    assert measure(text).refusal(10) == (
        "query nested 21 levels deep: at most 10 are allowed (groups, parentheses, brackets, EXISTS, paths, ! and ^)"
    )
    assert replace(Settings(), max_depth=10).max_depth == 10


def mgkg(*args: str, root: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the mgkg command of `root` (this worktree) in a process of its own: a crash there is an exit status."""
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, check=False, timeout=60,
        env={**os.environ, "PYTHONPATH": str(root)}, cwd=root,
    )


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The spec of an empty on-disk store."""
    spec = f"oxigraph:{tmp_path_factory.mktemp('cli') / 'store'}"
    open_store(spec).close()
    return spec


def test_mgkg_query_e_refuses_the_issue_s_bomb_with_one_line(empty_store: str) -> None:
    bomb = "ASK { " + "FILTER NOT EXISTS { " * 1000 + "?s ?p ?o" + " }" * 1000 + " }"
    done = mgkg("--store", empty_store, "query", "-e", bomb)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr[-300:]
    assert done.stderr == (
        f"mgkg: error: -e: query nested 1001 levels deep: at most {DEFAULT_MAX_DEPTH} are allowed "
        "(groups, parentheses, brackets, EXISTS, paths, ! and ^)\n"
    )


@pytest.mark.parametrize("name", ["group", "not-exists", "sub-select", "path-sequence", "sum-chain", "union-chain"])
def test_mgkg_query_refuses_a_bomb_file_with_one_line(name: str, empty_store: str, tmp_path: Path) -> None:
    path = tmp_path / "bomb.rq"
    path.write_text(QUERIES[name](BOMB), encoding="utf-8")
    done = mgkg("--store", empty_store, "query", str(path))
    assert done.returncode == 2, done.stderr[-300:]
    assert done.stderr.startswith(f"mgkg: error: {path}: query ") and "nested" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_cases_have_unique_names() -> None:
    assert len({case.name for case in CASES}) == len(CASES)
    assert json.dumps([case.name for case in CASES])


# Edges of the command line and of the executor: one line (exit 2), never a traceback.


@pytest.fixture(scope="module")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the graph built by `mgkg build`."""
    folder = tmp_path_factory.mktemp("built")
    done = mgkg("--data-dir", str(folder), "build")
    assert done.returncode == 0, done.stderr[-300:]
    return folder


def one_line(done: subprocess.CompletedProcess[str], says: str) -> None:
    """Assert exit 2 with a single `mgkg: error:` line on stderr that contains `says`."""
    assert done.returncode == 2, done.stderr[-500:]
    assert done.stderr.startswith("mgkg: error: ") and len(done.stderr.splitlines()) == 1, done.stderr[-500:]
    assert says in done.stderr, done.stderr


def test_export_to_a_path_under_a_regular_file_is_one_line(built_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "somefile.txt").write_text("x", encoding="utf-8")
    target = tmp_path / "somefile.txt" / "out.ttl"
    one_line(mgkg("--data-dir", str(built_dir), "export", "-o", str(target)), f"{target}: cannot write")


@pytest.mark.parametrize("damage", ["CURRENT", "MANIFEST"])
@pytest.mark.parametrize("command", [["stats"], ["query", "-e", "ASK {}"], ["serve", "--port", "0"]])
def test_a_corrupt_store_is_one_line(built_dir: Path, tmp_path: Path, damage: str, command: list[str]) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_dir / "store", store)
    if damage == "CURRENT":
        (store / "CURRENT").write_text("garbage\n", encoding="utf-8")
    else:
        manifest = next(store.glob("MANIFEST-*"))
        manifest.write_bytes(manifest.read_bytes()[:10])
    one_line(mgkg("--store", f"oxigraph:{store}", *command), f"cannot open store {store}")


def test_an_iri_with_a_space_in_a_source_file_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    shutil.copytree(sources_dir(), folder, ignore=shutil.ignore_patterns(".*"))
    target = folder / "curation.ttl"
    with target.open("a", encoding="utf-8") as handle:
        handle.write('\n<https://w3id.org/mgkg/id/a b> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n')
    done = mgkg("--data-dir", str(tmp_path / "d"), "build", "--sources", str(folder))
    one_line(done, f"{target}: <https://w3id.org/mgkg/id/a b> is not a valid IRI")
    assert not (tmp_path / "d" / "store").exists()


def test_a_source_file_and_a_query_file_may_start_with_a_bom(built_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    shutil.copytree(sources_dir(), folder, ignore=shutil.ignore_patterns(".*"))
    target = folder / "curation.ttl"
    target.write_bytes(BOM + target.read_bytes())
    done = mgkg("--data-dir", str(tmp_path / "d"), "build", "--sources", str(folder))
    assert done.returncode == 0, done.stderr[-300:]
    query = tmp_path / "ask.rq"
    query.write_bytes(BOM + b"ASK {}")
    done = mgkg("--data-dir", str(built_dir), "query", str(query), "--format", "json")
    assert (done.returncode, json.loads(done.stdout)["boolean"]) == (0, True), done.stderr


def test_a_data_file_may_start_with_a_bom_and_a_deep_one_is_one_line(tmp_path: Path, empty_store: str) -> None:
    plain = tmp_path / "bom.ttl"
    plain.write_bytes(BOM + b"<https://w3id.org/mgkg/id/z> <http://www.w3.org/2000/01/rdf-schema#label> \"z\" .\n")
    assert mgkg("--store", empty_store, "load", str(plain)).returncode == 0
    deep = tmp_path / "deep.ttl"
    deep.write_text(DOCUMENTS["turtle-blank-node"][1](BOMB), encoding="utf-8")
    one_line(mgkg("validate", str(deep)), f"{deep} nested {BOMB + 0} levels deep")


def test_a_failing_query_worker_drops_its_results_in_its_own_thread(tmp_path: Path) -> None:
    script = (
        "import gc\n"
        "import pyoxigraph as ox\n"
        "from graph.sparql.execute import Executor\n"
        "store = ox.Store()\n"
        "store.add(ox.Quad(ox.NamedNode('http://e/s'), ox.NamedNode('http://e/p'), ox.Literal('1')))\n"
        "def work(deadline):\n"
        "    result = store.query('SELECT * { ?s ?p ?o }')\n"
        "    for _ in result:\n"
        "        raise RuntimeError('the store failed mid-answer')\n"
        "with Executor(1) as executor:\n"
        "    try:\n"
        "        executor.call(30, work)\n"
        "    except RuntimeError as error:\n"
        "        assert 'in the query worker' in error.__notes__[0]\n"
        "    gc.collect()\n"
        "print('done')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert (done.returncode, done.stdout) == (0, "done\n"), done.stderr
    assert "unsendable" not in done.stderr


@pytest.mark.parametrize("encoded", [
    b"", b"query=ASK%7B%7D", b"a=%C3%A9&b=%E2%82%AC", b"a=%C3&b=%A9", b"a=%C3=%A9", b"%C3%A9=x", b"a=%FF",
    b"a=%ED%A0%80", b"a=\xc3\xa9", b"a=\xc3&\xa9", b"a=%C3\xa9", b"a=%E2%82&b=%AC", b"a+b=c+d", b"a=%zz%C3%A9",
])
def test_the_whole_string_decodes_exactly_when_every_parameter_does(encoded: bytes) -> None:
    pieces = [piece for pair in encoded.split(b"&") for piece in pair.split(b"=", 1)]
    assert _decodes(encoded) == all(utf8_error(unquote_to_bytes(piece)) is None for piece in pieces)
