"""The Flask app factory: one blueprint per face of the service (protocol, graphs, SHACL, named queries, pages)."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

from graph.config import Settings, load_settings
from graph.store import EmbeddedStore, open_store
from server.context import Runtime

BLUEPRINTS = ["protocol", "graph_store", "shacl", "describe", "named", "pages"]
"""Modules of the server package that each export a Flask blueprint `bp`."""


def create_app(settings: Settings | None = None, store: EmbeddedStore | None = None) -> Flask:
    """A configured app serving `store` (default: the store the settings name)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.extensions["mgkg"] = Runtime(settings, store or open_store(settings.store_spec, settings.base))
    for name in BLUEPRINTS:
        try:
            module = import_module(f"server.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"server.{name}":
                raise
            continue
        app.register_blueprint(module.bp)
    return app
