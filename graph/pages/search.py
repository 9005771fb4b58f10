"""Search over labels, alternative labels and codes (IOM Projects ID, PRIMA ID, acronyms, notations, identifiers).

The store is asked for every name containing the longest word of the search (queries/pages/search.rq, the word
bound as a literal, never spliced); the rows are then checked for every word and ranked here: the whole name
equal to the search first, then names starting with it, containing it as a phrase, then containing every word.
A code matches whatever its punctuation ("TC.0287", "tc-0287", "TC 0287"). One hit per entity, its best match.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Literal

from graph.core.config import Settings
from graph.core.errors import MgkgError
from graph.core.namespaces import MGKG, STANDARD
from graph.pages.entity import pick_label
from graph.pages.select import Term, page_query, select
from graph.sparql.execute import Engine, Executor

MIN_LENGTH, MAX_LENGTH = 2, 200
"""Bounds of a search text, in characters."""
TEXT_PATTERN = r"^\s*(?=[\s\S]*\w)\S[\s\S]*\S\s*$"
"""What a search text must look like: at least two characters besides spaces, one of them a letter or digit
(also /openapi.json's pattern for q)."""
CODES = {str(MGKG.projectsId), str(MGKG.primaId), str(MGKG.acronym), STANDARD["skos"] + "notation",
         STANDARD["org"] + "identifier"}  # fmt: skip
"""The properties whose values are codes: an exact code outranks an exact name."""
MAIN_NAMES = {STANDARD["rdfs"] + "label", STANDARD["skos"] + "prefLabel"}
PARTS = {str(MGKG.Participation), str(MGKG.MonetaryAmount), str(MGKG.Observation), str(MGKG.ContactPoint),
         str(MGKG.Address)}  # fmt: skip
"""Classes of the parts of other entities (a participation, an amount): ranked below the entities themselves."""


class SearchError(MgkgError, ValueError):
    """A search text that is too short, too long or has no letter or digit (BAD_INPUT)."""


@dataclass(frozen=True)
class SearchRequest:
    """A search: the text, how many hits to return, and the settings it runs under."""

    text: str
    settings: Settings
    limit: int = 20


@dataclass(frozen=True)
class Hit:
    """One entity found: its IRI, label, types, the name or code that matched (and its property), and the score."""

    iri: str
    label: str
    types: tuple[str, ...]
    matched: str
    field: str
    score: float


@dataclass(frozen=True)
class Found:
    """The ranked hits (at most the limit), how many entities matched, and whether the store's rows were cut."""

    hits: tuple[Hit, ...]
    total: int
    truncated: bool


def normalize(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces collapsed: what matching compares."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", plain))


def check_text(text: str) -> str:
    """The search text trimmed; SearchError when it is too short, too long or has no letter or digit."""
    if len(text) > MAX_LENGTH:
        raise SearchError(f"search text is {len(text)} characters long: at most {MAX_LENGTH} are allowed")
    if not re.fullmatch(TEXT_PATTERN, text):
        raise SearchError(f"search text {text.strip()!r} is too short: give at least {MIN_LENGTH} characters "
                          "besides spaces, one of them a letter or digit")
    return text.strip()


def score(query: str, name: str, field: str) -> float:
    """How well `name` (a value of property `field`) matches `query`; 0 when some word of the query is missing."""
    wanted, found = normalize(query), normalize(name)
    words = wanted.split()
    if not all(word in found for word in words):
        return 0.0
    squeezed, packed = wanted.replace(" ", ""), found.replace(" ", "")
    if found == wanted or packed == squeezed:
        points = 100.0
    elif found.startswith(wanted):
        points = 60.0
    elif re.search(rf"\b{re.escape(wanted)}\b", found):
        points = 40.0
    elif wanted in found:
        points = 25.0
    else:
        points = 10.0
    if field in CODES and points == 100.0:
        points += 15.0
    elif field in MAIN_NAMES:
        points += 5.0
    return points - min(len(found), 200) / 100


def _needle(text: str) -> str:
    """The word the store looks for: the longest piece between spaces, lower case (punctuation kept: TC.0287)."""
    return max(text.casefold().split(), key=len)


def search(engine: Engine, executor: Executor, ask: SearchRequest) -> Found:
    """The entities whose names or codes match `ask.text`, best first (SearchError for a bad text)."""
    text = check_text(ask.text)
    rows, truncated = select(engine, executor, ask.settings, page_query("search"), {"needle": Literal(_needle(text))})
    if not rows and any(not c.isalnum() for c in _needle(text)):  # "tc-0287" for TC.0287: try the code's digits
        digits = max(re.findall(r"\w+", _needle(text)), key=len)
        rows, truncated = select(engine, executor, ask.settings, page_query("search"), {"needle": Literal(digits)})
    best: dict[str, tuple[float, str, str]] = {}
    types: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, list[Term]] = defaultdict(list)
    for row in rows:
        iri, name, field = row["s"]["value"], row["text"]["value"], row["field"]["value"]
        if "type" in row:
            types[iri].add(row["type"]["value"])
        if "label" in row:
            labels[iri].append(row["label"])
        points = score(text, name, field)
        if points > best.get(iri, (0.0, "", ""))[0]:
            best[iri] = (points, name, field)
    hits = [
        Hit(iri, pick_label(labels[iri]) or name, tuple(sorted(types[iri])), name, field,
            points - (20.0 if types[iri] and types[iri] <= PARTS else 0.0))
        for iri, (points, name, field) in best.items()
    ]  # fmt: skip
    hits.sort(key=lambda h: (-h.score, h.label.casefold(), h.iri))
    return Found(tuple(hits[: ask.limit]), len(hits), truncated)

