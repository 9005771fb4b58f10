"""The Flask app factory: one blueprint per face of the service (protocol, graphs, SHACL, named queries, pages)."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.exceptions import HTTPException, InternalServerError

from graph.core.config import Settings, load_settings
from graph.sparql.execute import Executor
from graph.store import EmbeddedStore, open_store
from graph.store.remote import RemoteStore
from server.context import Runtime, install
from server.guard import http_message
from server.negotiation import problem_response
from server.views import describe, graph_store, named, pages, protocol, shacl

BLUEPRINTS = (protocol.bp, graph_store.bp, shacl.bp, describe.bp, named.bp, pages.bp)
"""One blueprint per face of the service, in the order their routes are matched."""


def create_app(settings: Settings | None = None, store: EmbeddedStore | RemoteStore | None = None) -> Flask:
    """A configured app serving `store` (default: the store the settings name)."""
    settings = settings or load_settings()
    app = Flask(__name__, static_folder="static", template_folder="templates")  # server/static, server/templates
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    opened = store if store is not None else open_store(settings.store_spec, settings.base)
    if isinstance(opened, RemoteStore):  # a remote request outlives its 503 answer by no more than this
        opened.timeout = settings.query_timeout
    install(app, Runtime(settings, opened, Executor(max(1, settings.threads))))
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, http_error)
    return app


def http_error(error: HTTPException) -> Response:
    """Any HTTP error of any route (404, 405, 413, 500 for an unexpected failure …): one line, never a traceback."""
    if isinstance(error, InternalServerError):
        return problem_response("internal server error: the request could not be completed", 500)
    allow = {k: v for k, v in error.get_headers() if k == "Allow"}
    return problem_response(http_message(error), error.code or 500, allow)
