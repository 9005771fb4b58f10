"""Class indexes with facets, as Datasette has them: the projects, organisations, places, events and documents,
narrowed by facet values (donor, theme, status, start year, country, document …), counted per value, paged.

Each index is a set of members (`?s a/rdfs:subClassOf* <root>`); each facet a fixed graph pattern from `?s` to
`?value`. A chosen value narrows the members: the facet's pattern joined with a VALUES block holding the value,
written from a term checked here (an absolute IRI, or a four-digit year) — request text never reaches the query
otherwise. `browse` is a job for server.context.Runtime.run, through the one query path.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from graph.core.config import Settings
from graph.core.errors import Kind, MgkgError
from graph.core.namespaces import MGKG, compact, is_absolute_iri, prefixes, sparql_prologue
from graph.pages.entity import pick_label
from graph.pages.select import Term, select, value
from graph.sparql.execute import Engine, Executor

PAGE_SIZE = 50
"""Members listed per page."""
FACET_VALUES = 30
"""Values listed per facet (the most frequent)."""
MAX_PAGE = 10_000
"""The last page number accepted (OFFSET stays bounded)."""
_YEAR = re.compile(r"[0-9]{4}")


class BrowseError(MgkgError, ValueError):
    """An unknown index, facet or page, or a facet value that is no IRI / year (BAD_INPUT, or NOT_FOUND)."""


@dataclass(frozen=True)
class Facet:
    """A facet: its URL name, title, the pattern from ?s to ?value (`?_` starts its own variables) and the kind of
    value (`iri` or `year`)."""

    name: str
    title: str
    pattern: str
    kind: str = "iri"


@dataclass(frozen=True)
class Index:
    """A class index: URL name, title, the root classes of its members and its facets."""

    name: str
    title: str
    roots: tuple[str, ...]
    facets: tuple[Facet, ...]


DOCUMENT = Facet("document", "Document", "GRAPH ?_g { ?s a ?_t } ?_g prov:wasDerivedFrom ?value .")
KIND = Facet("type", "Kind", "?s a ?value . FILTER(STRSTARTS(STR(?value), STR(mgkg:)))")
INDEXES = {
    index.name: index
    for index in (
        Index("projects", "Projects", (str(MGKG.Project),), (
            Facet("donor", "Donor",
                  "?s mgkg:hasParticipation ?_p . ?_p mgkg:role role:funding ; mgkg:participant ?value ."),
            Facet("theme", "Theme", "?s mgkg:theme ?value ."),
            Facet("status", "Status", "?s mgkg:status ?value ."),
            Facet("year", "Start year", "?s mgkg:startDate ?_d . BIND(SUBSTR(STR(?_d), 1, 4) AS ?value)", "year"),
            Facet("country", "Benefiting country", "?s mgkg:benefitingCountry ?value ."),
            KIND,
            DOCUMENT,
        )),
        Index("organisations", "Organisations", (str(MGKG.Organization), str(MGKG.FundingInstrument)), (
            KIND,
            Facet("country", "Based in", "?s mgkg:basedIn ?value ."),
            Facet("parent", "Part of", "?s org:subOrganizationOf ?value ."),
            DOCUMENT,
        )),
        Index("places", "Places", (str(MGKG.Place),), (
            KIND, Facet("country", "Located in", "?s mgkg:locatedIn ?value ."), DOCUMENT,
        )),
        Index("events", "Events", (str(MGKG.Event),), (
            KIND, Facet("year", "Year", "?s mgkg:date ?_d . BIND(SUBSTR(STR(?_d), 1, 4) AS ?value)", "year"), DOCUMENT,
        )),
        Index("documents", "Documents", (str(MGKG.SourceDocument),), (
            Facet("publisher", "Publisher", "?s dcterms:publisher ?value ."),
        )),
    )
}  # fmt: skip
"""The class indexes, by URL name."""


@dataclass(frozen=True)
class BrowseRequest:
    """An index page: which index, the chosen facet values (facet name → values, all must hold), the page."""

    index: str
    chosen: tuple[tuple[str, str], ...]
    page: int
    settings: Settings


@dataclass(frozen=True)
class Count:
    """A facet value and how many members have it."""

    value: str
    label: str
    count: int
    chosen: bool


@dataclass(frozen=True)
class Member:
    """A member of the index: IRI and label."""

    iri: str
    label: str


@dataclass(frozen=True)
class Browsed:
    """An index page: its members, how many match, the facets' counts, the chosen values with their labels."""

    index: str
    title: str
    members: tuple[Member, ...]
    total: int
    page: int
    pages: int
    facets: tuple[tuple[Facet, tuple[Count, ...]], ...]
    chosen: tuple[tuple[str, str, str], ...]


def index_of(name: str) -> Index:
    """The index `name`; BrowseError (NOT_FOUND) naming the indexes otherwise."""
    found = INDEXES.get(name)
    if found is None:
        raise BrowseError(f"no index {name!r}: the indexes are {', '.join(INDEXES)}", kind=Kind.NOT_FOUND)
    return found


def read_choice(index: Index, facet_name: str, given: str, base: str) -> tuple[str, str]:
    """A chosen facet value from the URL, checked: (facet name, absolute IRI or year); BrowseError otherwise."""
    facet = next((f for f in index.facets if f.name == facet_name), None)
    if facet is None:
        names = ", ".join(f.name for f in index.facets)
        raise BrowseError(f"{index.name} has no facet {facet_name!r}: use {names}, page or format")
    given = given.strip()
    if facet.kind == "year":
        if not _YEAR.fullmatch(given):
            raise BrowseError(f"facet {facet_name!r}: {given!r} is not a year like 2009")
        return facet.name, given
    known = prefixes(base)
    prefix, _, local = given.partition(":")
    iri = known[prefix] + local if prefix in known and not local.startswith("//") else given
    if not is_absolute_iri(iri):
        raise BrowseError(f"facet {facet_name!r}: {given!r} is not an IRI or a prefixed name like orgs:us-jtip")
    return facet.name, iri


def _term(facet: Facet, given: str) -> str:
    """The value as a SPARQL term, from a checked value only (read_choice)."""
    return f'"{given}"' if facet.kind == "year" else f"<{given}>"


def _pattern(facet: Facet, tag: str) -> str:
    return facet.pattern.replace("?value", f"?{tag}value").replace("?_", f"?{tag}_")


def _where(index: Index, chosen: Sequence[tuple[str, str]]) -> str:
    """The members matching every chosen value: `?s` of the root classes, each choice a pattern joined with VALUES."""
    roots = " ".join(f"<{root}>" for root in index.roots)
    parts = [f"VALUES ?root {{ {roots} }} ?s a/rdfs:subClassOf* ?root ."]
    facets = {f.name: f for f in index.facets}
    for number, (name, given) in enumerate(chosen):
        facet, tag = facets[name], f"f{number}"
        parts.append(f"{{ {_pattern(facet, tag)} }} VALUES ?{tag}value {{ {_term(facet, given)} }}")
    return "\n  ".join(parts)


def _labels(rows: list[dict[str, Term]], key: str) -> dict[str, str]:
    found: dict[str, list[Term]] = defaultdict(list)
    for row in rows:
        if "label" in row and key in row:
            found[row[key]["value"]].append(row["label"])
    return {k: pick_label(v) or k for k, v in found.items()}


LABEL = "OPTIONAL { ?%s rdfs:label|skos:prefLabel ?label }"


def _count_text(where: str) -> str:
    return f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{\n  {where}\n}}"


def _listing_text(where: str, offset: int) -> str:
    """One page of members, ordered by their first label (lower case), with their labels."""
    key = "OPTIONAL { ?s rdfs:label|skos:prefLabel ?anyLabel } BIND(LCASE(STR(COALESCE(?anyLabel, ?s))) AS ?key)"
    return (f"SELECT ?s ?label WHERE {{\n  {{ SELECT ?s (MIN(?key) AS ?sort) WHERE {{\n  {where}\n  {key} }}\n"
            f"  GROUP BY ?s ORDER BY ?sort ?s LIMIT {PAGE_SIZE} OFFSET {offset} }}\n  {LABEL % 's'} }}")


def _facet_text(where: str, facet: Facet) -> str:
    """The most frequent values of `facet` among the members, with their counts and labels."""
    return (f"SELECT ?value ?n ?label WHERE {{\n  {{ SELECT ?value (COUNT(DISTINCT ?s) AS ?n) WHERE {{\n  {where}\n"
            f"  {facet.pattern}\n  }} GROUP BY ?value ORDER BY DESC(?n) ?value LIMIT {FACET_VALUES} }}\n"
            f"  {LABEL % 'value'} }}")


def _counts(rows: list[dict[str, Term]], facet: Facet, ask: BrowseRequest) -> tuple[Count, ...]:
    names, shown = _labels(rows, "value"), prefixes(ask.settings.base)
    seen: dict[str, Count] = {}
    for row in rows:
        found = row["value"]["value"]
        label = names.get(found, found if facet.kind == "year" else compact(found, shown))
        seen.setdefault(found, Count(found, label, int(row["n"]["value"]), (facet.name, found) in ask.chosen))
    return tuple(sorted(seen.values(), key=lambda c: (-c.count, c.label.casefold())))


def browse(engine: Engine, executor: Executor, ask: BrowseRequest) -> Browsed:
    """The index page `ask` asks for (BrowseError for an unknown index)."""
    index, settings = index_of(ask.index), ask.settings
    prologue, where = sparql_prologue(settings.base), _where(index, ask.chosen)
    count_rows, _ = select(engine, executor, settings, prologue + _count_text(where))
    total = int(value(count_rows[0], "n") or 0) if count_rows else 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(ask.page, pages)
    member_rows, _ = select(engine, executor, settings, prologue + _listing_text(where, (page - 1) * PAGE_SIZE))
    names = _labels(member_rows, "s")
    order = list(dict.fromkeys(row["s"]["value"] for row in member_rows))
    members = tuple(Member(iri, names.get(iri, compact(iri, prefixes(settings.base)))) for iri in order)
    counted = tuple(
        (facet, _counts(select(engine, executor, settings, prologue + _facet_text(where, facet))[0], facet, ask))
        for facet in index.facets
    )
    chosen_names = {(f.name, c.value): c.label for f, counts in counted for c in counts}
    chosen = tuple((name, given, chosen_names.get((name, given), given)) for name, given in ask.chosen)
    return Browsed(index.name, index.title, members, total, page, pages, counted, chosen)


def check_page(given: str | None) -> int:
    """A page number from the URL (default 1); BrowseError unless 1 … MAX_PAGE."""
    if given is None:
        return 1
    if not given.isdigit() or not 1 <= int(given) <= MAX_PAGE:
        raise BrowseError(f"page {given!r} is not a page number: give 1 to {MAX_PAGE}")
    return int(given)


def chosen_values(index: Index, arguments: Mapping[str, list[str]], base: str) -> tuple[tuple[str, str], ...]:
    """Every facet value of the URL's arguments (all but `page` and `format`), checked (read_choice)."""
    return tuple(
        read_choice(index, name, given, base)
        for name, values in arguments.items() if name not in ("page", "format")
        for given in values
    )  # fmt: skip
