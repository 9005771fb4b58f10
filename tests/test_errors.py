"""One error type: every public exception class of graph and server is an MgkgError with a kind."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import graph
import server
from graph.core.config import Settings
from graph.core.errors import Kind, MgkgError
from graph.store import StoreError, open_built


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


def test_one_line_is_the_first_line_of_the_message() -> None:
    assert MgkgError("first\nsecond").one_line() == "first"
    assert MgkgError("").one_line() == "MgkgError"


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
