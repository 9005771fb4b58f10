"""SPARQL JSON results as the HTML page of a named query shows them: the table results.js makes on the query page.

IRIs are their labels (server.views.labels, the one query path) linked to their pages on this server; numbers are
grouped, money has its currency, dates their precision (server.views.display); datatypes and languages are kept
in cells the stylesheet hides until asked. Each cell carries what results.js sorts and filters the rows by.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from graph.sparql.execute import Answer
from server.views import display
from server.views.labels import labelled

XSD = display.XSD
WHOLE = {XSD + name for name in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                                 "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
                                 "unsignedShort", "unsignedByte")}  # fmt: skip
"""Datatypes of whole numbers: counts, never money."""
NUMBERS = display.NUMBERS | WHOLE
CURRENCY = re.compile(r"[A-Z]{3}")

Cell = dict[str, str]


def currency_of(name: str, binding: Mapping[str, Mapping[str, str]]) -> str | None:
    """The ISO 4217 code a row gives the number in column `name`: its `<name>Currency` column, else `currency`."""
    for key in (name + "Currency", "currency"):
        term = binding.get(key)
        if term is not None and CURRENCY.fullmatch(term["value"]):
            return term["value"]
    return None


def _iri(value: str, about: Mapping[str, str | None]) -> Cell:
    label = about.get("label") or display.short(value)
    return {"kind": "iri", "value": value, "label": label, "labelled": "yes" if about.get("label") else "",
            "href": about.get("page") or display.href(value) or "", "search": f"{label} {value}".lower()}  # fmt: skip


def _literal(term: Mapping[str, str], currency: str | None) -> Cell:
    value, datatype, lang = term["value"], term.get("datatype", ""), term.get("xml:lang", "")
    cell = {"kind": "literal", "value": value, "lang": lang, "number": "", "key": value,
            "datatype": display.short(datatype) if datatype and datatype != XSD + "string" else ""}  # fmt: skip
    text = display.literal_text(dict(term))
    if datatype in NUMBERS:
        text = display.number(value)
        cell["number"] = value
        if currency and datatype not in WHOLE:
            text = display.money((value, currency))
    cell.update(text=text, search=f"{text} {value}".lower())
    return cell


def _term(name: str, binding: Mapping[str, Mapping[str, str]], labels: Mapping[str, Mapping[str, str | None]]
          ) -> Cell | None:  # fmt: skip
    term = binding.get(name)
    if term is None:
        return None
    if term["type"] == "uri":
        return _iri(term["value"], labels.get(term["value"], {}))
    if term["type"] == "bnode":
        return {"kind": "bnode", "value": term["value"], "label": "_:" + term["value"]}
    return _literal(term, currency_of(name, binding) if term["type"] == "literal" else None)


def _classed(cell: Cell | None, fold: bool) -> Cell:
    """`cell` (an empty one for an unbound variable) with its `class`: number, folded."""
    cell = cell or {"kind": "none"}
    cell["class"] = " ".join(c for c, on in (("folded", fold), ("number", bool(cell.get("number")))) if on)
    return cell


def folded(name: str, names: list[str]) -> bool:
    """Whether column `name` is a currency shown in the amounts of the column it is named after (`xCurrency`)."""
    return name.endswith("Currency") and name.removesuffix("Currency") in names


def html_results(answer: Answer) -> dict[str, Any]:
    """The SPARQL JSON body of `answer` as the template's table: variables, rows of display cells, counts."""
    data = json.loads(answer.body)
    if "boolean" in data:
        return {"boolean": data["boolean"], "vars": [], "rows": [], "count": 1, "truncated": False, "folded": []}
    variables: list[str] = data["head"]["vars"]
    bindings = data["results"]["bindings"]
    iris = [term["value"] for b in bindings for term in b.values() if term.get("type") == "uri"]
    labels = labelled(iris)
    hidden = [folded(v, variables) for v in variables]
    rows = [[_classed(_term(v, binding, labels), fold) for v, fold in zip(variables, hidden, strict=True)]
            for binding in bindings]  # fmt: skip
    return {"boolean": None, "vars": variables, "rows": rows, "count": answer.count, "truncated": answer.truncated,
            "folded": hidden, "data": data}  # data: for server/static/views.js
