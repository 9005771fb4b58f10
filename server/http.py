"""HTTP glue shared by every view: errors as one line, CORS, OPTIONS preflight and 405, request bodies (the RDF
format of a body, the UTF-8 check), the headers of a query's answer.

Every error answer has one shape: `problem_response` renders a status and a one-line message as text/plain —
or as JSON `{"error": …, "status": …}` when the client prefers application/json — never as a traceback.
`install_error_and_cors_handlers(app, cors=…)` registers, once per app, the two handlers that give that shape
to everything a view may raise — `error_response` for any MgkgError (its status from STATUS, the one table from
kind to status; a Problem carries its own where the kind alone does not decide it), `http_error` for werkzeug's
HTTP errors — and the CORS headers of the API blueprints. Each view declares its methods with `@methods(…)`.
A query's answer (/sparql, /queries/NAME) carries X-MGKG-Rows, X-MGKG-Truncated and Vary: Accept
(`answer_response`). Every response carries SECURITY_HEADERS (`install_security_headers`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import lru_cache, wraps
from typing import Any, ParamSpec, TypeVar
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.sansio.utils import get_current_url
from werkzeug.wsgi import get_current_url as get_current_url_of

from graph.core.errors import Kind, MgkgError
from graph.core.formats import JSON, RDF_READ, TEXT, Format, FormatError, by_media_type, by_name, media_types
from graph.core.text import joined_lines
from graph.sparql.execute import Answer
from server.context import runtime
from server.negotiation import NotAcceptable, accepted

P = ParamSpec("P")
R = TypeVar("R")

ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
"""The methods a `@methods` view is routed for: it answers those it does not allow with 405 itself."""

EXPOSED = "X-MGKG-Rows, X-MGKG-Truncated, X-MGKG-Changeset, Location, Content-Type, WWW-Authenticate"
"""Response headers a browser client of the API may read."""

ALLOWED_HEADERS = "Authorization, Content-Type, Accept, X-MGKG-Message"
"""Request headers a browser client of the API may send."""

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",  # query.js and CodeMirror, files of the app; the JSON data blocks are not run
    "style-src 'self'",  # style.css and codemirror.css; CodeMirror styles elements through the CSSOM
    "img-src 'self' data:",  # the empty favicon is a data: URL
    "connect-src 'self'",  # the query page's requests to /sparql
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
))
"""The pages' Content-Security-Policy: nothing from elsewhere, nothing inline, never in a frame."""

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "no-referrer",  # a page's URL may hold a query: links out of the pages send nothing
}
"""Headers on every response (pages, API answers, errors); a view that sets one of them keeps its own."""

CHUNKED = "mgkg.chunked"
"""WSGI environ key, True when the request's body came chunked (no Content-Length): the HTTP server could not
tell a whole body from one cut short by a client that left (server.http_server, server.writes)."""


STATUS: dict[Kind, int] = {
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
"""The HTTP status of each kind of MgkgError: the one place the server turns kinds into statuses."""

_KIND_OF: dict[int, Kind] = {}
for _kind, _status in STATUS.items():
    _KIND_OF.setdefault(_status, _kind)  # 503 is TIMEOUT (listed first), not OVER_LIMIT

NOT_ACCEPTABLE = 406
"""The status of negotiation's NotAcceptable (a BAD_INPUT that HTTP distinguishes)."""


class Problem(MgkgError):
    """A request the service refuses: one-line message, HTTP status and extra response headers.

    The status is the kind's (STATUS) unless given, for answers the kind alone does not decide (401, 405, 413,
    415, 500); without a kind, the kind is the one of the status (Problem(message, 404) is NOT_FOUND), else the
    class's.
    """

    def __init__(
        self, message: str, status: int | None = None, headers: Mapping[str, str] | None = None,
        *, kind: Kind | None = None,
    ) -> None:
        """Keep the message, kind, status and headers."""
        if kind is None and status is not None:
            kind = _KIND_OF.get(status)
        super().__init__(message, kind=kind)
        self.status = STATUS[self.kind] if status is None else status
        self.headers = dict(headers or {})

    def response(self) -> Response:
        """The HTTP answer: one line of text (or JSON), with the extra headers."""
        return problem_response(str(self), self.status, self.headers)


_current_url = lru_cache(maxsize=64)(get_current_url)


def base_url() -> str:
    """The request's URL without its query string (werkzeug's `request.base_url`), remembered for the few hosts
    and paths a server is asked at: working it out again costs a sizeable part of a point lookup."""
    here = request._get_current_object()  # type: ignore[attr-defined]  # one proxy look-up, not four
    return _current_url(here.scheme, here.host, here.root_path, here.path)


@lru_cache(maxsize=64)
def _environ_url(scheme: str, host: str | None, server: str, port: str, script: str, path: str) -> str:
    environ = {"wsgi.url_scheme": scheme, "SERVER_NAME": server, "SERVER_PORT": port, "SCRIPT_NAME": script,
               "PATH_INFO": path}
    if host is not None:
        environ["HTTP_HOST"] = host
    return get_current_url_of(environ, strip_querystring=True)


def _decoded(text: str) -> str:
    """A WSGI path (bytes as latin-1) read as UTF-8, as werkzeug reads `root_path` and `path`."""
    return text.encode("latin-1", "replace").decode("utf-8", "replace")


def environ_base_url(environ: WSGIEnvironment) -> str:
    """`base_url()` of a request given by its WSGI environ (no Flask request needed)."""
    get = environ.get
    port = str(get("SERVER_PORT", ""))
    return _environ_url(environ["wsgi.url_scheme"], get("HTTP_HOST"), get("SERVER_NAME", ""), port,
                        _decoded(get("SCRIPT_NAME") or ""), _decoded(get("PATH_INFO") or ""))


def wants_json() -> bool:
    """Whether the client of the current request prefers application/json to text/plain."""
    accept = accepted(request)
    return bool(accept) and accept.best_match([TEXT.media_type, JSON.media_type]) == JSON.media_type


def problem_response(message: str, status: int, headers: Mapping[str, str] | None = None) -> Response:
    """One clear line of text/plain, or `{"error", "status"}` JSON when the client prefers JSON."""
    line = joined_lines(message)
    if wants_json():
        response = Response(json.dumps({"error": line, "status": status}), status, mimetype=JSON.media_type)
    else:
        response = Response(line + "\n", status, content_type=TEXT.content_type)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def answer_header_items(answer: Answer) -> list[tuple[str, str]]:
    """The headers of a query's answer but Vary: X-MGKG-Rows and X-MGKG-Truncated."""
    return [("X-MGKG-Rows", str(answer.count)), ("X-MGKG-Truncated", "true" if answer.truncated else "false")]


def answer_headers(response: Response, answer: Answer) -> Response:
    """`response` with the headers of a query's answer: X-MGKG-Rows, X-MGKG-Truncated and Vary: Accept."""
    for name, value in answer_header_items(answer):
        response.headers[name] = value
    response.vary.add("Accept")
    return response


def answer_response(answer: Answer, fmt: Format) -> Response:
    """The 200 answer of a query: its bytes in the negotiated format `fmt`, with the answer's headers."""
    return answer_headers(Response(answer.body, 200, content_type=fmt.content_type), answer)


BODY_FORMATS = tuple(by_name(name, RDF_READ) for name in ("turtle", "nt", "xml", "jsonld", "n3"))
"""Formats of a graph in a request body (by any of their media types: graph.core.formats)."""


def body_format(mimetype: str, formats: tuple[Format, ...] = BODY_FORMATS) -> Format:
    """The format of `formats` a request body's media type names; Problem(415) listing their media types."""
    try:
        return by_media_type(mimetype, formats)
    except FormatError:
        offered = ", ".join(sorted(media_types(formats)))
        raise Problem(f"cannot read a {mimetype or 'body without Content-Type'}: send one of {offered}", 415) from None


def require_utf8(charset: str | None) -> None:
    """Problem(415) unless a body's charset parameter is absent or UTF-8."""
    if charset and charset.lower() not in ("utf-8", "utf8"):
        raise Problem(f"charset {charset} is not supported: send UTF-8", 415)


def preflight(allowed: str) -> Response:
    """The answer to a CORS preflight (OPTIONS) for a resource allowing `allowed`."""
    response = Response(status=204)
    response.headers["Allow"] = allowed
    response.headers["Access-Control-Allow-Methods"] = allowed
    response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def method_not_allowed(method: str, allowed: str) -> Problem:
    """The 405 for `method` on a resource allowing `allowed`."""
    return Problem(f"method {method} is not allowed here: use {allowed}", 405, {"Allow": allowed})


def methods(allowed: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """A view decorator: OPTIONS is the CORS preflight, a method outside `allowed` (", "-separated) a 405."""
    listed = f"{allowed}, OPTIONS"
    names = set(listed.split(", "))

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response]:
        @wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            if request.method == "OPTIONS":
                return preflight(listed)
            if request.method not in names:
                raise method_not_allowed(request.method, listed)
            return view(*args, **kwargs)

        checked.allowed_methods = listed  # type: ignore[attr-defined]  # read by _routed_405
        return checked

    return decorate


def http_message(error: HTTPException) -> str:
    """A one-line message for a werkzeug HTTP error (413 says what the limit is)."""
    if error.code == 413:
        limit = runtime().settings.max_body
        return f"request body too large: the limit is {limit} bytes (setting max_body)"
    return f"{error.name}: {error.description}" if error.description else str(error.name)


def _routed_405() -> Problem | None:
    """The 405 of a `@methods` view for a method its route does not even list (PROPFIND …), as the view says it."""
    adapter = current_app.create_url_adapter(request)
    try:
        endpoint, _ = adapter.match(method="OPTIONS") if adapter else ("", {})
    except HTTPException:
        return None
    allowed = getattr(current_app.view_functions.get(endpoint), "allowed_methods", None)
    return method_not_allowed(request.method, allowed) if isinstance(allowed, str) else None


def http_error(error: HTTPException) -> Response:
    """Any HTTP error of any route (404, 405, 413, 500 for an unexpected failure …): one line, never a traceback."""
    if isinstance(error, InternalServerError):
        return problem_response("internal server error: the request could not be completed", 500)
    routed = _routed_405() if isinstance(error, MethodNotAllowed) else None
    if routed is not None:
        return routed.response()
    allow = {k: v for k, v in error.get_headers() if k == "Allow"}
    return problem_response(http_message(error), error.code or 500, allow)


def error_response(error: MgkgError) -> Response:
    """The answer to any MgkgError a view raises: a Problem's own response (a Nonconforming one carries its
    report), else one line with the status of its kind (406 for negotiation's NotAcceptable)."""
    if isinstance(error, Problem):
        return error.response()
    return problem_response(str(error), NOT_ACCEPTABLE if isinstance(error, NotAcceptable) else STATUS[error.kind])


_SECURITY_ITEMS = tuple((name, value, name.lower()) for name, value in SECURITY_HEADERS.items())


class SecuredHeaders:
    """WSGI middleware adding SECURITY_HEADERS to every response that lacks them, as its headers are sent.

    One pass over the few headers a response has; werkzeug's `Headers.setdefault` in an after_request hook
    cost a raised and caught KeyError per header (≈ 20 µs a request, a tenth of a point lookup's time)."""

    def __init__(self, app: WSGIApplication) -> None:
        """Wrap `app` (the Flask app's `wsgi_app`)."""
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Call the app, adding the missing security headers when it starts its response."""

        def secured(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
            present = {name.lower() for name, _ in headers}
            headers.extend((name, value) for name, value, lower in _SECURITY_ITEMS if lower not in present)
            return start_response(status, headers, exc_info)

        return self.app(environ, secured)


def install_security_headers(app: Flask) -> None:
    """Put SECURITY_HEADERS on every response of the app, errors included (a view that sets one keeps its own)."""
    app.wsgi_app = SecuredHeaders(app.wsgi_app)  # type: ignore[method-assign]


def cors_items(own: str | None = None) -> tuple[tuple[str, str], ...]:
    """The CORS headers of an API answer; `own`: the headers its view exposes besides EXPOSED."""
    exposed = f"{EXPOSED}, {own}" if own else EXPOSED
    return (("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", exposed))


def install_error_and_cors_handlers(app: Flask, cors: Collection[str]) -> None:
    """Register the app's error handlers, and CORS headers on every response of the blueprints named in `cors`."""
    app.register_error_handler(MgkgError, error_response)
    app.register_error_handler(HTTPException, http_error)

    @app.after_request
    def _cors(response: Response) -> Response:
        """CORS headers for the API blueprints; headers a blueprint exposes itself are kept after EXPOSED (looked
        up by a loop: `Headers.get` of a missing header raises and catches a KeyError)."""
        if request.blueprint in cors:
            own = next((v for k, v in response.headers if k.lower() == "access-control-expose-headers"), None)
            for name, value in cors_items(own):
                response.headers[name] = value
        return response
