"""Labels for result tables: POST /labels {"iris": […]} answers each IRI's label and the server's own page of it.

The query page asks for the IRIs of a result (in batches of graph.pages.labels.MAX_IRIS) and shows each as its label,
linked to its page here (/id/…, /ontology#…, /vocab/…), never to https://w3id.org/… which leaves the server. The
named-query pages use `labelled` directly. The work is graph.pages.labels', run through server.context.Runtime.run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from graph.core.formats import JSON
from graph.pages.labels import LabelsRequest, check_iris, label_iris
from server.context import runtime
from server.http import ANY_METHOD, Problem, methods
from server.views import display

bp = Blueprint("labels", __name__)


def labelled(iris: Iterable[str]) -> dict[str, dict[str, str | None]]:
    """Each IRI (in order, once) → its label (None without one) and its page (the server's own, None without one)."""
    wanted = tuple(dict.fromkeys(iris))
    found = runtime().run(label_iris, LabelsRequest(wanted, runtime().settings), what="labels") if wanted else {}
    return {iri: {"label": found.get(iri), "page": display.local_href(iri)} for iri in wanted}


def _asked() -> Any:
    if request.mimetype != JSON.media_type:
        given = f"Content-Type {request.mimetype}" if request.mimetype else "no Content-Type"
        raise Problem(f'POST with {given}: send application/json, like {{"iris": ["https://…"]}}', 415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"iris"}:
        raise Problem('the body must be a JSON object {"iris": [IRI, …]}')
    return body["iris"]


@bp.route("/labels", methods=ANY_METHOD)
@methods("POST")
def labels() -> Response:
    """The labels and local pages of the IRIs in the JSON body: {"labels": [{"iri", "label", "page"}, …]}."""
    found = labelled(check_iris(_asked()))
    return jsonify({"labels": [{"iri": iri, **about} for iri, about in found.items()]})
