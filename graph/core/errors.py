"""The one error type: every error mgkg expects to meet is an MgkgError with a kind and a one-line message.

The kind says what went wrong in terms every face of mgkg understands; each face translates it once:
the CLI (graph.cli.support) prints `mgkg: error: <message>` and exits 2, the HTTP server (server.http) answers
the kind's status with the message as a one-line body. Subclasses keep a builtin base where callers catch one
(ValueError for bad input, RuntimeError for a store, OSError for a port), so `except ValueError` still works.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What went wrong, independent of how it is reported."""

    BAD_INPUT = "bad input"
    """A file, parameter, query or setting is malformed or of the wrong type."""
    NOT_FOUND = "not found"
    """A named thing (query, graph, file, store) does not exist."""
    CONFLICT = "conflict"
    """The request is well formed but clashes with the state of the store."""
    NONCONFORMING = "nonconforming"
    """The data would not conform to the SHACL shapes."""
    REFUSED = "refused"
    """A safety rule of this installation forbids it, however it is asked (writes off, a missing or wrong token,
    a read-only store, a named query outside the allowlist); a text its sender may rewrite is BAD_INPUT."""
    TIMEOUT = "timeout"
    """It took longer than its limit and was stopped."""
    UNAVAILABLE = "unavailable"
    """Something mgkg relies on (a remote store or endpoint, a port) cannot be reached or used."""
    OVER_LIMIT = "over a limit"
    """It needed more of a bounded resource (memory) than its limit allows and was stopped."""
    CRASHED = "crashed"
    """The engine failed in a way no input should cause (a crash of a query process); reported, then replaced."""


class MgkgError(Exception):
    """An expected failure: `kind` says what went wrong, str(error) is one line saying where and why
    (graph.core.text.first_line is what the CLI prints of it)."""

    kind: Kind = Kind.BAD_INPUT

    def __init__(self, *args: object, kind: Kind | None = None) -> None:
        """The message (as for any exception) and, where it differs from the class's, the kind."""
        super().__init__(*args)
        if kind is not None:
            self.kind = kind
