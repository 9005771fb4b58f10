"""RDF documents shown to browsers: the service description, VoID and the Graph Store's graphs as an HTML page
(the Turtle text, or a graph's size, with a download in every RDF format) instead of an .rdf download.

server.negotiation.prefers_html decides: Chromium's Accept names application/xml;q=0.9, which alone would choose
RDF/XML; text/html ranks first there, so a browser gets this page and machines keep getting RDF.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, render_template, request

from graph.core.formats import HTML, RDF
from server.http import base_url
from server.negotiation import prefers_html


def wants_page() -> bool:
    """Whether the request comes from a browser that should get a page rather than RDF."""
    return prefers_html(request, RDF)


def downloads() -> dict[str, str]:
    """This URL in every RDF format (`format=` added to its arguments)."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "format"]
    return {fmt.oxigraph.name: f"{base_url()}?{urlencode([*kept, ('format', fmt.name)])}" for fmt in RDF}


def rdf_page(title: str, about: str, turtle: bytes | None = None, triples: int | None = None) -> Response:
    """The page: a title, a line about the document, its Turtle (when small enough to read) and the downloads."""
    body = render_template("rdf_page.html", title=title, about=about, triples=triples, downloads=downloads(),
                           turtle=turtle.decode() if turtle is not None else None)  # fmt: skip
    response = Response(body, 200, content_type=HTML.content_type)
    response.vary.add("Accept")
    return response
