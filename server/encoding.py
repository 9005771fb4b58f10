"""What text a request carries: UTF-8, percent-decoded strictly, a leading byte-order mark dropped.

Werkzeug decodes the query string and form bodies leniently: `%FF` stays the three characters "%FF" and a raw
byte that is not UTF-8 drops the whole form, so the same byte gave 400 in a raw body and a stored "%FF" in a
form. `check_parameters` (run before every request) decodes both strictly, as a raw body is decoded: a name or
value whose percent-decoded bytes are not UTF-8 (lone surrogates such as %ED%A0%80 included) is a one-line 400
naming the parameter. `body_text` reads a raw SPARQL body; a byte-order mark is dropped from bodies
(`body_bytes`) and from the query and update parameters (`parameter_text`); an RDF body nested deeper than
`max_depth` is refused before it is parsed (`rdf_bytes`, graph.core.depth).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import request

from graph.core.depth import depth_refusal
from graph.core.formats import FORM, Format
from graph.core.text import BOM, utf8_error, without_bom
from server.context import runtime
from server.http import Problem


def _decodes(encoded: bytes) -> bool:
    """Whether a whole application/x-www-form-urlencoded string is UTF-8 once percent-decoded: one strict decode.

    That is the same as every name and value being UTF-8: `&` and `=` are ASCII, which never occurs inside a
    UTF-8 sequence, so the pieces of a valid whole are valid, and a sequence broken at a piece's end is broken
    in the whole too. ASCII without a `%` needs no decoding at all."""
    if b"%" not in encoded and encoded.isascii():
        return True
    try:
        unquote_to_bytes(encoded).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_pairs(encoded: bytes, where: str) -> None:
    """Problem(400) unless every name and value of an application/x-www-form-urlencoded string is UTF-8 (the
    names are read one by one only to say which one is not)."""
    if _decodes(encoded):
        return
    for pair in encoded.split(b"&"):
        name, _, value = pair.partition(b"=")
        decoded_name = unquote_to_bytes(name.replace(b"+", b" "))
        label = decoded_name.decode("utf-8", "replace")
        if utf8_error(decoded_name) is not None:
            raise Problem(f"a parameter name in the {where} is not UTF-8 after percent-decoding: {label!r}")
        reason = utf8_error(unquote_to_bytes(value.replace(b"+", b" ")))
        if reason is not None:
            raise Problem(f"parameter {label!r} in the {where} is not UTF-8 after percent-decoding: {reason}")


def check_parameters() -> None:
    """Problem(400) unless the query string, and a form body, decode strictly as UTF-8 (a before_request hook)."""
    _check_pairs(request.query_string, "URL")
    if request.mimetype == FORM.media_type:
        _check_pairs(request.get_data(), "form body")


def rdf_bytes(data: bytes, fmt: Format, what: str = "the body") -> bytes:
    """An RDF body or part, its byte-order mark dropped; Problem(400) when it nests deeper than `max_depth`."""
    data = without_bom(data)
    refusal = depth_refusal(data, fmt.name, runtime().settings.max_depth, what)
    if refusal is not None:
        raise Problem(refusal)
    return data


def body_bytes() -> bytes:
    """The request body without a leading byte-order mark."""
    return without_bom(request.get_data())


def body_text() -> str:
    """The request body as text (a byte-order mark dropped); Problem(400) when it is not UTF-8."""
    data = body_bytes()
    reason = utf8_error(data)
    if reason is not None:
        raise Problem(f"the body is not UTF-8: {reason}")
    return data.decode("utf-8")


def parameter_text(value: str) -> str:
    """A query or update given as a parameter, without a leading byte-order mark."""
    return value.removeprefix(BOM)


def checked_text(what: str, value: str) -> str:
    """`value`, or Problem(400) saying that `what` ("parameter 'year'") holds a lone surrogate (a JSON \\ud800)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Problem(f"{what} holds a lone surrogate, which is no text: send UTF-8") from None
    return value
