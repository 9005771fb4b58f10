"""Flask test clients of the mgkg app, for tests that speak HTTP without a server."""

from __future__ import annotations

from dataclasses import replace

from flask.testing import FlaskClient

from graph.core.config import Settings
from graph.store import EmbeddedStore, RemoteStore
from server.app import create_app


def client_for(store: EmbeddedStore | RemoteStore, **settings: object) -> FlaskClient:
    """A test client of an app serving `store`, with the default settings but those given (store "memory")."""
    return create_app(replace(Settings(store="memory"), **settings), store).test_client()
