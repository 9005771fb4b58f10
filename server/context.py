"""What every request handler needs: the settings, the store and the write lock of the running app."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import current_app

from graph.core.config import Settings
from graph.sparql.execute import Executor
from graph.store import EmbeddedStore
from graph.store.remote import RemoteStore


@dataclass
class Runtime:
    """The app's settings and store; writes hold `write_lock` so validation sees a stable graph.

    `store.raw` is pyoxigraph's Store, or for a remote store a view with the same methods (RemoteEngine).
    """

    settings: Settings
    store: EmbeddedStore | RemoteStore
    executor: Executor
    write_lock: threading.Lock = field(default_factory=threading.Lock)


def runtime() -> Runtime:
    """The Runtime of the current Flask app."""
    value = current_app.extensions["mgkg"]
    assert isinstance(value, Runtime)
    return value
