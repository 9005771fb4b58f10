"""N-Triples terms as text, written fast for synthetic graphs: escaped literals, XSD-typed values, dates."""

from __future__ import annotations

from datetime import date

from graph.core.namespaces import STANDARD, XSD_STRING

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD = STANDARD["xsd"]


def literal(text: str, lang: str = "", datatype: str = "") -> str:
    """An N-Triples literal: `text` escaped, with a language tag or a datatype IRI (none for xsd:string)."""
    body = '"' + text.translate(_ESCAPES) + '"'
    if lang:
        return f"{body}@{lang}"
    return f"{body}^^<{datatype}>" if datatype and datatype != XSD_STRING else body


def typed(text: str, xsd_type: str) -> str:
    """A literal of the XSD datatype `xsd_type` (a local name such as 'gYear')."""
    return literal(text, datatype=_XSD + xsd_type)


def date_term(day: date, precision: int) -> str:
    """The day as xsd:date (precision 0), xsd:gYearMonth (1) or xsd:gYear (2)."""
    text = (day.isoformat(), f"{day.year:04d}-{day.month:02d}", f"{day.year:04d}")[precision]
    return typed(text, ("date", "gYearMonth", "gYear")[precision])
