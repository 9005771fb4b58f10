"""One error type: every public exception class of graph and server is an MgkgError with a kind, which the
server turns into a status by one table and the CLI into one line and an exit code in one place."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

import graph
import server
from graph.cli.commands import Main, cli
from graph.core.config import Settings
from graph.core.errors import Kind, MgkgError
from graph.core.text import first_line, joined_error, joined_lines
from graph.sparql.execute import Executor, Limits, QueryFailed
from graph.sparql.guard import Refused
from graph.store import StoreError, open_built
from server.http import STATUS, Problem, install_error_and_cors_handlers
from server.negotiation import NotAcceptable


def _public_exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for package in (graph, server):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if (
                    inspect.isclass(value) and issubclass(value, BaseException) and not name.startswith("_")
                    and value.__module__ == module.__name__
                ):
                    found[f"{value.__module__}.{name}"] = value
    return [found[key] for key in sorted(found)]


EXCEPTIONS = _public_exceptions()


def test_there_are_exceptions_to_check() -> None:
    assert len(EXCEPTIONS) >= 15


@pytest.mark.parametrize("error", EXCEPTIONS, ids=lambda e: f"{e.__module__}.{e.__name__}")
def test_every_public_exception_is_an_mgkg_error_with_a_kind(error: type[BaseException]) -> None:
    assert issubclass(error, MgkgError), f"{error.__module__}.{error.__name__} does not derive from MgkgError"
    assert isinstance(error.kind, Kind)


def test_first_line_is_the_first_line_of_the_message_and_joined_lines_joins_them() -> None:
    assert first_line(MgkgError("first\nsecond")) == "first"
    assert first_line(MgkgError("")) == "MgkgError"
    assert first_line(ValueError("\n first\nsecond")) == "first"
    assert first_line(ValueError("abcdef\nxyz"), limit=4) == "abc…"
    assert first_line(ValueError("abcd"), limit=4) == "abcd"
    assert joined_lines("first\n  second\tthird ") == "first second third"
    assert joined_error(ValueError("x\n" * 300)) == "x " * 100
    assert joined_error(KeyError()) == "KeyError"


def test_only_the_cli_exits() -> None:
    """A library function or a server worker raises an MgkgError; only graph/cli/ turns it into an exit code."""
    assert _exits(Path(graph.__file__).resolve().parent.parent) == []


def _exits(root: Path) -> list[str]:
    found = []
    for path in sorted([*(root / "graph").rglob("*.py"), *(root / "server").rglob("*.py")]):
        relative = path.relative_to(root)
        if relative.parts[:2] == ("graph", "cli"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"\bsys\.exit\(|raise SystemExit\b", line):
                found.append(f"{relative}:{number}")
    return found


def test_a_missing_store_is_a_not_found_store_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(StoreError) as caught:
        open_built(settings)
    assert caught.value.kind is Kind.NOT_FOUND
    assert str(caught.value) == f"no graph at {tmp_path}/store: run `mgkg build` first"


# -------------------------------------------------------------------------------------- the HTTP table

EXPECTED_STATUS = {
    Kind.BAD_INPUT: 400,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.NONCONFORMING: 422,
    Kind.REFUSED: 403,
    Kind.TIMEOUT: 503,
    Kind.UNAVAILABLE: 502,
    Kind.OVER_LIMIT: 503,
    Kind.CRASHED: 500,
}


def _raising(error: Exception) -> FlaskClient:
    """A client of an app whose only view raises `error`, with mgkg's error handlers installed."""
    app = Flask(__name__)
    install_error_and_cors_handlers(app, cors=())

    @app.route("/")
    def view() -> str:
        raise error

    return app.test_client()


def test_the_table_gives_every_kind_a_status() -> None:
    assert STATUS == EXPECTED_STATUS
    assert set(STATUS) == set(Kind)


@pytest.mark.parametrize("kind", list(Kind), ids=lambda k: k.name)
def test_an_mgkg_error_of_each_kind_answers_its_status_in_one_line(kind: Kind) -> None:
    client = _raising(MgkgError("first line\nsecond line", kind=kind))
    text = client.get("/")
    assert (text.status_code, text.data) == (EXPECTED_STATUS[kind], b"first line second line\n")  # as ever on HTTP
    assert text.content_type == "text/plain; charset=utf-8"
    as_json = client.get("/", headers={"Accept": "application/json"})
    assert as_json.status_code == EXPECTED_STATUS[kind]
    assert json.loads(as_json.data) == {"error": "first line second line", "status": EXPECTED_STATUS[kind]}


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (QueryFailed("query timed out after 1 s", kind=Kind.TIMEOUT), 503),
        (QueryFailed("sparql store http://x/: cannot be reached (refused)", kind=Kind.UNAVAILABLE), 502),
        (QueryFailed("query syntax error: at 1:5"), 400),
        (Refused("SERVICE <http://x/> refused"), 400),
        (NotAcceptable("format 'png' is not offered here"), 406),
        (Problem("no graph <http://x/> in this store", 404), 404),
        (Problem("no named query 'x'", kind=Kind.NOT_FOUND), 404),
        (Problem("named query 'x' cannot run on this server", kind=Kind.REFUSED), 403),
        (Problem("charset latin-1 is not supported", 415), 415),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_each_error_of_the_views_answers_its_status(error: MgkgError, status: int) -> None:
    assert _raising(error).get("/").status_code == status


def test_a_problem_takes_the_kind_of_its_status_and_keeps_its_headers() -> None:
    assert Problem("gone", 404).kind is Kind.NOT_FOUND
    assert Problem("no such media type", 415).kind is Kind.BAD_INPUT
    assert Problem("forbidden", 401, kind=Kind.REFUSED).status == 401
    token = Problem("updates need a token", 401, {"WWW-Authenticate": "Bearer"}, kind=Kind.REFUSED)
    response = _raising(token).get("/")
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Bearer")


def test_an_unexpected_exception_is_still_a_500() -> None:
    response = _raising(KeyError("internal detail")).get("/")
    assert response.status_code == 500
    assert response.data == b"internal server error: the request could not be completed\n"


# -------------------------------------------------------------------------------------- kinds, not statuses


class _Failing:
    """An engine whose every query fails with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def query(self, query: str, **options: object) -> ox.QueryBoolean:
        raise self.error


@pytest.mark.parametrize(
    ("error", "kind", "message"),
    [
        (StoreError("sparql store http://x/: cannot be reached (refused)"), Kind.UNAVAILABLE,
         "sparql store http://x/: cannot be reached (refused)"),
        (ValueError("bad base IRI"), Kind.BAD_INPUT, "query failed: bad base IRI"),
        (SyntaxError("at 1:5"), Kind.BAD_INPUT, "query syntax error: at 1:5"),
    ],
)
def test_a_query_failure_carries_a_kind(error: Exception, kind: Kind, message: str) -> None:
    with Executor(1) as executor, pytest.raises(QueryFailed) as caught:
        executor.run(_Failing(error), "ASK {}", limits=Limits(5, None), union_default=False)
    assert (caught.value.kind, str(caught.value)) == (kind, message)
    assert not hasattr(caught.value, "status")


def test_a_timeout_is_a_timeout() -> None:
    release = threading.Event()
    with Executor(1) as executor, pytest.raises(QueryFailed) as caught:
        executor.call(0.05, lambda deadline: release.wait(5), "query")
    release.set()
    assert (caught.value.kind, str(caught.value)) == (Kind.TIMEOUT, "query timed out after 0.05 s")


# -------------------------------------------------------------------------------------- the CLI translator


def _group(error: BaseException) -> Main:
    """An mgkg-like command group whose one command raises `error`."""
    group = Main(name="mgkg")

    @group.command()
    def boom() -> None:
        raise error

    return group


@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.NONCONFORMING], ids=lambda k: k.name)
def test_an_mgkg_error_in_a_command_is_one_line_and_exit_2(kind: Kind) -> None:
    result = CliRunner().invoke(_group(MgkgError("it broke\ndetails", kind=kind)), ["boom"])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", "mgkg: error: it broke\n")


def test_nonconforming_data_exits_1() -> None:
    result = CliRunner().invoke(_group(MgkgError("3 violations", kind=Kind.NONCONFORMING)), ["boom"])
    assert (result.exit_code, result.stderr) == (1, "mgkg: error: 3 violations\n")


def test_any_other_exception_is_not_translated() -> None:
    with pytest.raises(KeyError, match="a bug"):
        CliRunner().invoke(_group(KeyError("a bug")), ["boom"], catch_exceptions=False)


def test_the_group_options_are_translated_too(tmp_path: Path) -> None:
    bad = tmp_path / "mgkg.toml"
    bad.write_text("this is = = not toml\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(bad), "queries"])
    assert result.exit_code == 2
    assert result.stderr.startswith("mgkg: error: ") and len(result.stderr.splitlines()) == 1
