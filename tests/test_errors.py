"""One error type: every public exception class of graph and server is an MgkgError with a kind."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import graph
import server
from graph.core.errors import Kind, MgkgError


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
