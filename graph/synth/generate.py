"""Synthetic graphs in mgkg's shape for scale tests: projects, donors, institutions, places, money, sources.

One seeded random stream makes everything, so a seed always gives the same statements. They are made as
N-Triples text, one synthetic source document at a time (Synthesizer.chunks), for graph/synth/write.py to
write as they come: memory stays flat however many projects are asked for.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from graph.core import resources
from graph.core.errors import MgkgError
from graph.core.namespaces import DEFAULT_BASE, MGKG, STANDARD, VOCABULARIES, graph_iri, normalize_base, prefixes
from graph.synth.pool import INSTITUTIONS, Country, build_pool
from graph.synth.terms import date_term, literal, typed

REFERENCE_DAY = date(2026, 1, 1)
"""'Today' for project statuses (fixed, so that a seed always gives the same graph)."""

Statement = tuple[str, str, bool]
"""One quad: "<s> <p> o" in N-Triples syntax, the graph term, and whether the triple is new to the output."""

_NEEDED = {
    "status": ("pipeline", "implementation", "finalisation", "completed", "closed", "cancelled", "suspended"),
    "role": ("funding", "implementing", "beneficiary", "partner", "accountable", "extending"),
    "scope": ("national", "regional", "multi-national"), "ptype": ("tcmmcb",),
    "indicator": ("avrr-returns", "reintegration-grants", "net-migration-rate"),
}
_VERBS = ("Strengthening", "Enhancing", "Supporting", "Improving", "Promoting", "Reinforcing", "Expanding")
_NO_MINOR_UNIT = {"JPY", "KRW", "XOF", "HUF"}
_RATES = {"JPY": 150, "KRW": 1300, "SEK": 10, "NOK": 10, "DKK": 7, "CZK": 23, "HUF": 360, "PLN": 4, "RON": 5}

# ---------------------------------------------------------------------- terms


class SynthError(MgkgError, ValueError):
    """Bad synth input (size, base, format, vocabulary) or an unwritable file; the message is one line."""


def load_concepts() -> dict[str, dict[str, tuple[str, str]]]:
    """Vocabulary prefix → local name → (concept IRI, English label), read from ontology/*.ttl."""
    graph = Graph()
    for path in resources.ontology_files():
        graph.parse(path, format="turtle")
    names = prefixes()
    concepts: dict[str, dict[str, tuple[str, str]]] = {p: {} for p in VOCABULARIES}
    for concept in sorted(set(graph.subjects(RDF.type, SKOS.Concept)), key=str):
        labels = [str(x) for x in graph.objects(concept, SKOS.prefLabel) if getattr(x, "language", None) == "en"]
        for prefix in VOCABULARIES:
            if isinstance(concept, URIRef) and concept.startswith(names[prefix]):
                concepts[prefix][concept[len(names[prefix]) :]] = (str(concept), min(labels, default=""))
    missing = [f"{p}:{local}" for p, locals_ in _NEEDED.items() for local in locals_ if local not in concepts[p]]
    if missing or not concepts["theme"]:
        raise SynthError(f"the vocabularies lack concepts synth needs: {', '.join(missing) or 'any theme'}")
    return concepts


def _p(prefix: str, local: str) -> str:
    return f"<{STANDARD[prefix]}{local}>"


def _m(local: str) -> str:
    return f"<{MGKG}{local}>"


A, LABEL, ALT, TITLE = _p("rdf", "type"), _p("rdfs", "label"), _p("skos", "altLabel"), _p("dcterms", "title")
PUBLISHER, LANGUAGE, DESCRIPTION = _p("dcterms", "publisher"), _p("dcterms", "language"), _p("dcterms", "description")
DERIVED, SUB_ORG = _p("prov", "wasDerivedFrom"), _p("org", "subOrganizationOf")


@dataclass
class Chunk:
    """The statements of one source document (its graph and its provenance) and how many projects it adds."""

    statements: list[Statement]
    projects: int


@dataclass(frozen=True)
class _Record:
    subject: str
    kind: str
    label: str
    end: str | None
    country: Country


# ---------------------------------------------------------------------- generation


class Synthesizer:
    """Makes the synthetic dataset, one source document at a time (see chunks())."""

    def __init__(self, projects: int, seed: int, base: str = DEFAULT_BASE) -> None:
        """Check the input, load the vocabularies, build the pool and seed the random stream."""
        if projects < 1:
            raise SynthError(f"--projects {projects}: give at least 1 project")
        self.projects, self.seed, self.base = projects, seed, normalize_base(base)
        if any(c in self.base for c in '<>"{}|^`\\ '):
            raise SynthError(f"base {self.base!r} cannot be written in N-Triples")
        self.rng = random.Random(seed)
        self.ns = prefixes(self.base)
        self.concepts = load_concepts()
        self.themes = [self.concepts["theme"][k] for k in sorted(self.concepts["theme"])]
        self.pool = build_pool()
        self.width = max(6, len(str(projects - 1)))
        self.provenance = f"<{graph_iri('provenance', self.base)}>"
        self.used: set[str] = set()
        self.stated: set[str] = set()
        self.out: list[Statement] = []
        self.graph = ""

    def chunks(self) -> Iterator[Chunk]:
        """One chunk per synthetic document of 2–14 projects, then document 0: the organisations and places used."""
        done, doc, previous = 0, 1, list[_Record]()
        while done < self.projects:
            size = min(self.rng.randint(2, 14), self.projects - done)
            previous = self._document(doc, range(done, done + size), previous)
            yield Chunk(self._take(), size)
            done, doc = done + size, doc + 1
        self._directory()
        yield Chunk(self._take(), 0)

    def _take(self) -> list[Statement]:
        out, self.out = self.out, []
        return out

    def _add(self, s: str, p: str, o: str, new: bool = True) -> None:
        self.out.append((f"{s} {p} {o}", self.graph, new))

    def _add_reference(self, s: str, p: str, o: str) -> None:
        """A fact about a pool entity, which several graphs may state: new only the first time."""
        spo = f"{s} {p} {o}"
        self.out.append((spo, self.graph, spo not in self.stated))
        self.stated.add(spo)

    def _concept(self, prefix: str, local: str) -> str:
        return f"<{self.concepts[prefix][local][0]}>"

    def _iri(self, prefix: str, local: str) -> str:
        return f"<{self.ns[prefix]}synth-{local}>"

    def _use(self, key: str) -> str:
        """Term of a pool entity, recorded as used (for the directory)."""
        self.used.add(key)
        return self._iri(self.pool.entities[key].folder, key)

    def _number(self, n: int) -> str:
        return f"{n:0{self.width}d}"

    def _start_document(self, doc: int, publisher: str, what: str) -> None:
        """State the document and its graph in the provenance graph, then make the document's graph current."""
        local = self._number(doc)
        doc_term, graph = self._iri("doc", local), f"<{graph_iri('synth-' + local, self.base)}>"
        title = f"Synthetic document {doc}"
        self.graph = self.provenance
        self._add(doc_term, A, _m("SourceDocument"))
        self._add(doc_term, LABEL, literal(f"{title} ({what})", "en"))
        self._add(doc_term, TITLE, literal(title))
        self._add(doc_term, PUBLISHER, self._use(publisher))
        self._add(doc_term, LANGUAGE, literal("en"))
        self._add(doc_term, _m("seedFile"), literal(f"synth-{local}.txt"))
        self._add(graph, A, _m("SourceGraph"))
        self._add(graph, LABEL, literal(f"Facts from: {title}", "en"))
        self._add(graph, DERIVED, doc_term)
        self.graph = graph

    def _document(self, doc: int, numbers: range, previous: list[_Record]) -> list[_Record]:
        """Projects `numbers`, some grouped under a programme; some projects of the previous document again."""
        rng, pool = self.rng, self.pool
        country = rng.choice(pool.countries)
        roll = rng.random()
        publisher = "iom" if roll < 0.2 else rng.choice(pool.funders) if roll < 0.3 else f"iom-{country.key}"
        publisher = pool.entities[publisher].instrument_of or publisher  # a fund's organisation publishes
        self._start_document(doc, publisher, f"{len(numbers)} projects")
        self._add_reference(self._use(publisher), A, _m(pool.entities[publisher].kind))
        self._add_reference(self._use(publisher), LABEL, literal(pool.entities[publisher].label, "en"))
        for record in previous:
            if rng.random() < 0.2:
                self._restate(record)
        records: list[_Record] = []
        components = rng.randint(1, min(3, len(numbers) - 1)) if len(numbers) >= 3 and rng.random() < 0.25 else 0
        tranches = rng.random() < 0.5
        whole = self._iri("prj", self._number(numbers[0]))
        for position, n in enumerate(numbers):
            if position == 0 and components:
                parts = [(_m("hasComponent"), self._iri("prj", self._number(n + k))) for k in range(1, components + 1)]
                records.append(self._project(n, "Programme", country, parts))
            elif 0 < position <= components:
                links = [(_m("componentOf"), whole)]
                if tranches:
                    links += [(_m("trancheNumber"), typed(str(position), "integer")),
                              (_m("isFinalTranche"), typed(str(position == components).lower(), "boolean"))]
                records.append(self._project(n, "FundingTranche" if tranches else "Project", country, links))
            else:
                records.append(self._project(n, "Project", rng.choice(pool.countries), []))
        if rng.random() < 0.2:
            self._country_observation(doc, country)
        return records

    def _restate(self, record: _Record) -> None:
        """A second document names a project again and adds one fact of its own."""
        roll = self.rng.random()
        self._add(record.subject, A, record.kind, new=False)
        self._add(record.subject, LABEL, record.label, new=False)
        if roll < 0.5:
            self._add(record.subject, _m("activityLocation"), self._use(record.country.capital))
        elif roll < 0.7 and record.end is not None:
            later = date(int(record.end[1:5]) + 1, self.rng.randint(1, 12), 1)
            self._add(record.subject, _m("endDate"), date_term(later, self.rng.randint(0, 2)))
        else:
            text = f"Synthetic project, summarised again by a second synthetic document ({record.country.name})."
            self._add(record.subject, DESCRIPTION, literal(text, "en"))

    def _country_observation(self, doc: int, country: Country) -> None:
        s = self._iri("obs", f"doc-{self._number(doc)}--net-migration-rate")
        year = str(self.rng.randint(2000, 2025))
        self._add(s, A, _m("Observation"))
        self._add(s, LABEL, literal(f"Net migration rate of {country.name}, {year}", "en"))
        self._add(s, _m("observedEntity"), self._use(country.key))
        self._add(s, _m("indicator"), self._concept("indicator", "net-migration-rate"))
        self._add(s, _m("value"), typed(f"{self.rng.uniform(-12, 6):.1f}", "decimal"))
        self._add(s, _m("unitText"), literal("migrants per 1,000 population"))
        self._add(s, _m("referenceYear"), typed(year, "gYear"))

    def _project(self, n: int, kind: str, country: Country, links: list[tuple[str, str]]) -> _Record:
        """One project: identifiers, dates, classification, places, participations and money."""
        rng, s = self.rng, self._iri("prj", self._number(n))
        region = self.pool.entities[country.region]
        regional = rng.random() < 0.25
        themes = rng.sample(self.themes, 1 if rng.random() < 0.7 else 2)
        title = f"{rng.choice(_VERBS)} {themes[0][1].lower()} in {region.label if regional else country.name}"
        roll = rng.random()
        title += f" – phase {rng.choice(('II', 'III'))}" if roll < 0.1 else ' ("Safe Pathways")' if roll < 0.13 else ""
        label = literal(title, "en")
        self._add(s, A, _m(kind))
        self._add(s, LABEL, label)
        for p, o in links:
            self._add(s, p, o)
        project_id = self._projects_id(n) if rng.random() < 0.8 else None
        if project_id:
            self._add(s, _m("projectsId"), literal(project_id))
        end = self._dates(s, country)
        if rng.random() < 0.1:
            self._add(s, _m("acronym"), literal("".join(w[0] for w in title.split() if w[0].isupper())))
        if rng.random() < 0.12:
            self._add(s, _m("projectType"), self._concept("ptype", "tcmmcb"))
        scope = "regional" if regional else "multi-national" if rng.random() < 0.05 else "national"
        self._add(s, _m("coverage"), self._concept("scope", scope))
        if rng.random() < 0.15:
            self._add(s, _m("idfRegion"), self._use(region.parent or region.key))
        for iri, _ in themes:
            self._add(s, _m("theme"), f"<{iri}>")
        self._add(s, _m("geographicFocus"), self._use(region.key if regional else country.key))
        if not regional and rng.random() < 0.4:
            self._add(s, _m("benefitingCountry"), self._use(country.key))
        self._participations(s, self._number(n), project_id or f"synthetic project {n}", country)
        if rng.random() < 0.04:
            self._project_observation(s, n)
        return _Record(s, _m(kind), label, end, country)

    def _projects_id(self, n: int) -> str | None:
        """IOM Projects ID (two letters, dot, four digits): an affine permutation, unique below 6.76M projects."""
        space = 26 * 26 * 10000
        if n >= space:
            return None
        letters, digits = divmod((n * 2_718_281 + 314_159 + self.seed * 7_919) % space, 10000)
        return f"{chr(65 + letters // 26)}{chr(65 + letters % 26)}.{digits:04d}"

    def _dates(self, s: str, country: Country) -> str | None:
        """Start and end (mixed precisions, end never before start), status, PRIMA ID; return the end term."""
        rng = self.rng
        start = date(2000, 1, 1) + timedelta(days=rng.randrange(27 * 365))
        end = start + timedelta(days=rng.randrange(120, 1800)) if rng.random() < 0.85 else None
        end_term = date_term(end, rng.choice((0, 0, 1, 2))) if end else None
        self._add(s, _m("startDate"), date_term(start, rng.choice((0, 0, 1, 2))))
        if end_term:
            self._add(s, _m("endDate"), end_term)
        if start > REFERENCE_DAY:
            status = "pipeline"
        elif end is not None and end < REFERENCE_DAY:
            status = rng.choice(("completed", "completed", "closed", "closed", "cancelled", "finalisation"))
        else:
            status = "implementation" if rng.random() < 0.9 else "suspended"
        if rng.random() < 0.8:
            self._add(s, _m("status"), self._concept("status", status))
        if rng.random() < 0.1:
            self._add(s, _m("listedYear"), typed(str(start.year - rng.randint(0, 1)), "gYear"))
        if rng.random() < 0.25:
            self._add(s, _m("primaId"), literal(f"{country.iso2}{start.year % 100:02d}P{rng.randrange(10000):04d}"))
        return end_term

    def _amount(self, s: str, currency: str, label: str, share: float = 1.0, year: int = 0) -> None:
        """A monetary amount: log-normal, a few hundred thousand euros' worth."""
        value = round(self.rng.lognormvariate(12.4, 1.0) * _RATES.get(currency, 1) * share, -2)
        decimals = 0 if currency in _NO_MINOR_UNIT else 2
        self._add(s, A, _m("MonetaryAmount"))
        self._add(s, LABEL, literal(f"{currency} {value:,.{decimals}f} ({label})", "en"))
        self._add(s, _m("amountValue"), typed(f"{value:.{decimals}f}", "decimal"))
        self._add(s, _m("currency"), literal(currency))
        if year:
            self._add(s, _m("toBeConsideredIn"), typed(str(year), "gYear"))

    def _participations(self, s: str, local: str, ref: str, country: Country) -> None:
        """Who implements, funds and benefits from the project, with funding amounts and a budget."""
        rng, pool = self.rng, self.pool
        funders = rng.sample(pool.funders, 2 if rng.random() < 0.08 else 1) if rng.random() < 0.95 else []
        if rng.random() < 0.04:
            funders.append(f"government-of-{country.key}")
        cast = [("implementing", f"iom-{country.key}" if rng.random() < 0.85 else "iom")]
        cast += [("funding", key) for key in funders]
        beneficiaries = [f"{body[0].format(country.key)}" for body in INSTITUTIONS[1:10]]
        cast += [("beneficiary", key) for key in rng.sample(beneficiaries, rng.choice((0, 0, 0, 0, 1, 1, 2)))]
        if rng.random() < 0.11:
            cast.append(rng.choice((("partner", rng.choice(pool.partners)), ("accountable", f"interior-{country.key}"),
                                    ("extending", f"eu-delegation-{country.key}"))))
        plan = [(role, key, role == "funding" and rng.random() < 0.3) for role, key in cast]
        budget, rest = self._iri("amount", f"{local}--budget"), self._iri("amount", f"{local}--remaining")
        budgeted = rng.random() < 0.5
        remaining = budgeted and rng.random() < 0.05
        for role, key, _ in plan:
            self._add(s, _m("hasParticipation"), self._iri("part", f"{local}--{role}--{key}"))
        if budgeted:
            self._add(s, _m("budget"), budget)
        if remaining:
            self._add(s, _m("remainingBudget"), rest)
        for role, key, paid in plan:
            org, part = pool.entities[key], self._iri("part", f"{local}--{role}--{key}")
            self._add(part, A, _m("Participation"))
            self._add(part, LABEL, literal(f"{org.alt or org.label} – {role} – {ref}", "en"))
            self._add(part, _m("participant"), self._use(key))
            self._add(part, _m("role"), self._concept("role", role))
            if paid:
                amount = self._iri("amount", f"{local}--funding--{key}")
                self._add(part, _m("amount"), amount)
                self._amount(amount, country.currency if key.startswith("government-of-") else org.currency,
                             f"from {org.label}")
        currency = pool.entities[funders[0]].currency if funders else "USD"
        if budgeted:
            self._amount(budget, currency, f"budget of {ref}")
        if remaining:
            self._amount(rest, currency, f"remaining budget of {ref}", 0.25, rng.randint(2000, 2026))

    def _project_observation(self, s: str, n: int) -> None:
        indicator = self.rng.choice(("avrr-returns", "reintegration-grants"))
        obs = self._iri("obs", f"{self._number(n)}--{indicator}")
        since = str(self.rng.randint(2005, 2024))
        self._add(obs, A, _m("Observation"))
        self._add(obs, LABEL, literal(f"{self.concepts['indicator'][indicator][1]} since {since}", "en"))
        self._add(obs, _m("observedEntity"), s)
        self._add(obs, _m("indicator"), self._concept("indicator", indicator))
        self._add(obs, _m("minExclusiveValue"), typed(f"{self.rng.randint(1, 400) * 10}.0", "decimal"))
        self._add(obs, _m("periodStart"), typed(since, "gYear"))
        self._add(obs, _m("unitText"), literal("migrants" if indicator == "avrr-returns" else "grants"))

    def _directory(self) -> None:
        """Document 0: every organisation and place used, with the parents and countries they need."""
        self._start_document(0, "iom", "directory of organisations and places")
        entities, used = self.pool.entities, self.used
        while True:
            size = len(used)
            used.update(k for key in list(used) for k in (entities[key].parent, entities[key].instrument_of,
                                                          entities[key].country) if k)
            if len(used) == size:
                break
        for entity in entities.values():
            if entity.key not in used:
                continue
            s, folder = self._iri(entity.folder, entity.key), entity.folder
            facts = (
                (A, _m(entity.kind)), (LABEL, literal(entity.label, "en")),
                (ALT, entity.alt and literal(entity.alt, "en")),
                (SUB_ORG if folder == "orgs" else _m("locatedIn"), entity.parent and self._iri(folder, entity.parent)),
                (_m("instrumentOf"), entity.instrument_of and self._iri("orgs", entity.instrument_of)),
                (_m("basedIn"), entity.country and self._iri("place", entity.country)),
                (_m("formerName"), entity.former and literal(entity.former, "en")),
            )
            for p, o in facts:
                if o:
                    self._add_reference(s, p, o)
