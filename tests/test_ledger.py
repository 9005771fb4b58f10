"""The fact ledger: every fact of a document graph is anchored to the words of its page that state it.

An anchor (mgkg:Anchor, a W3C Web Annotation oa:SpecificResource) names its document (oa:hasSource) and an
oa:TextPositionSelector: oa:start / oa:end are offsets in Unicode code points into the seed file's text
decoded as UTF-8, whose SHA-256 the document records (mgkg:textSha256). It backs the triples of the
document's graph with one of its mgkg:anchorSubject values, one of its mgkg:anchorPredicate values (any
predicate but rdf:type when none is given) and one of its mgkg:anchorObject values (any when none is given).

Fact-bearing: every triple of a document graph except rdf:type and the ledger's own triples (those of
anchors and selectors). Each must be backed by an anchor, and each anchor's span must name what it backs:
- a literal value appears in the span (numbers and dates in the forms pages write them: 40,000, 441 million,
  21 May 2006, February 22, 2008, three, second);
- an IRI value: the document itself (a figure of the page), or one of its names appears — rdfs:label,
  skos:altLabel, skos:prefLabel, skos:hiddenLabel, mgkg:acronym or mgkg:projectsId in the document's graph or
  the ontology graph (the vocabularies' declared aliases), the
  number of a tel: IRI, the address of a mailto: IRI;
- where the value is the project's own words or a flag (rdfs:label, dcterms:description, skos:note,
  mgkg:unitText, booleans) or an unnamed node (participation, amount, contact point, address, observation,
  area of work, event), the span names something the statement is about instead: a name or value of the
  subject or of the object, or of what either of them points to in the document's graph. So is the role
  beneficiary: pages say what a project does for an institution (supports, trains, equips, strengthens its
  cooperation) in many words, and the span must name the institution.
Texts are compared case-folded, NFKC-normalised, with typographic quotes and dashes as ASCII and runs of
white space as one space.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from graph.core.namespaces import MGKG, graph_iri

SEEDS = next((p / "shared" / "seeds" for p in Path(__file__).resolve().parents if (p / "shared" / "seeds").is_dir()),
             Path(__file__).resolve().parent.parent.parent / "shared" / "seeds")
"""../shared/seeds beside the checkout (a worktree's checkout may sit deeper: the nearest one above is used)."""
OA = Namespace("http://www.w3.org/ns/oa#")
NAME_PREDICATES = (RDFS.label, SKOS.altLabel, SKOS.prefLabel, SKOS.hiddenLabel, MGKG.acronym, MGKG.projectsId)
OWN_WORDS = {RDFS.label, DCTERMS.description, SKOS.note, MGKG.unitText}
UNNAMED = {MGKG.Participation, MGKG.MonetaryAmount, MGKG.ContactPoint, MGKG.Address, MGKG.Observation,
           MGKG.AreaOfWork, MGKG.Event}
BENEFICIARY = URIRef("https://w3id.org/mgkg/vocab/role/beneficiary")
NUMBER_WORDS = {1: ("one", "first"), 2: ("two", "second"), 3: ("three", "third"), 4: ("four", "fourth")}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
TYPOGRAPHY = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})

Triple = tuple[Node, Node, Node]



def norm(text: str) -> str:
    """Text as the ledger compares it: NFKC, ASCII quotes and dashes, one space, case-folded."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(TYPOGRAPHY).split()).casefold()


def renderings(term: Node) -> set[str]:
    """The forms a page may write a literal or a tel:/mailto: IRI in."""
    if isinstance(term, URIRef):
        for scheme in ("tel:", "mailto:"):
            if str(term).startswith(scheme):
                return {str(term)[len(scheme):]}
        return set()
    if not isinstance(term, Literal):
        return set()
    text, value = str(term), term.toPython()
    forms = {text}
    if term.datatype == XSD.date:
        day, month, year = value.day, MONTHS[value.month - 1], value.year
        forms |= {f"{day} {month} {year}", f"{month} {day}, {year}"}
    elif isinstance(value, (int, Decimal, float)) and not isinstance(value, bool):
        number = Decimal(str(value))
        if number == number.to_integral_value():
            whole = int(number)
            forms |= {str(whole), f"{whole:,}", f"{whole}.00", f"{whole:,}.00", *NUMBER_WORDS.get(whole, ())}
            if whole and whole % 1_000_000 == 0:
                forms.add(f"{whole // 1_000_000} million")
        else:
            forms.add(format(number.normalize(), "f"))
    return forms


def found(name: str, span: str) -> bool:
    """Whether the span contains the name (a telephone number also as the page spaces it)."""
    if not name.strip():
        return False
    if name.startswith("+"):
        return name in re.sub(r"\s", "", span)
    return norm(name) in norm(span)


@dataclass(frozen=True)
class Document:
    """One source document: its graph, its text and its anchors."""

    iri: URIRef
    graph: Graph
    text: str
    sha256: str
    recorded_sha256: str | None


def documents(built: Dataset) -> Iterator[Document]:
    """Each source document with its graph and its seed text."""
    provenance = built.graph(graph_iri("provenance"))
    for source_graph, document in provenance.subject_objects(PROV.wasDerivedFrom):
        seed = provenance.value(document, MGKG.seedFile)
        if seed is None or not isinstance(source_graph, URIRef) or not isinstance(document, URIRef):
            continue
        data = (SEEDS / str(seed)).read_bytes()
        recorded = provenance.value(document, MGKG.textSha256)
        yield Document(document, built.graph(source_graph), data.decode("utf-8"), hashlib.sha256(data).hexdigest(),
                       None if recorded is None else str(recorded))


@pytest.fixture(scope="module")
def docs(built: Dataset) -> list[Document]:
    """The five documents (the tests that read the seed texts are skipped where they are not beside us)."""
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds not beside the checkout")
    found = sorted(documents(built), key=lambda d: str(d.iri))
    assert len(found) == 5
    return found


class Ledger:
    """The anchors of one document graph and what they back."""

    def __init__(self, doc: Document, ontology: Graph) -> None:
        """Read the anchors of `doc`'s graph."""
        self.doc, self.graph, self.ontology = doc, doc.graph, ontology
        self.anchors = set(self.graph.subjects(RDF.type, MGKG.Anchor))
        self.selectors = {s for a in self.anchors for s in self.graph.objects(a, OA.hasSelector)}

    def facts(self) -> set[Triple]:
        """The fact-bearing triples: all but rdf:type and the ledger's own."""
        ledger = self.anchors | self.selectors
        return {(s, p, o) for s, p, o in self.graph if p != RDF.type and s not in ledger}

    def span(self, anchor: Node) -> str:
        """The text the anchor's selector selects."""
        selector = self.graph.value(anchor, OA.hasSelector)
        start, end = self.graph.value(selector, OA.start), self.graph.value(selector, OA.end)
        assert isinstance(start, Literal) and isinstance(end, Literal), anchor
        return self.doc.text[int(start):int(end)]

    def backs(self, anchor: Node) -> set[Triple]:
        """The triples of the graph the anchor backs."""
        predicates = set(self.graph.objects(anchor, MGKG.anchorPredicate))
        objects = set(self.graph.objects(anchor, MGKG.anchorObject))
        found = set()
        for subject in self.graph.objects(anchor, MGKG.anchorSubject):
            for _, p, o in self.graph.triples((subject, None, None)):
                if p != RDF.type and (not predicates or p in predicates) and (not objects or o in objects):
                    found.add((subject, p, o))
        return found

    def names(self, term: Node) -> set[str]:
        """What a page may call the term: its names in this graph or the ontology, or its written forms."""
        found = renderings(term)
        for graph in (self.graph, self.ontology):
            found |= {str(n) for p in NAME_PREDICATES for n in graph.objects(term, p)}
        return found

    def evidence(self, term: Node) -> set[str]:
        """Names of the term and of everything it points to in this graph."""
        found = self.names(term)
        for p, o in self.graph.predicate_objects(term):
            if p != RDF.type:
                found |= self.names(o)
        return found

    def unnamed(self, term: Node) -> bool:
        """Whether the term is a node the pages give no name (a participation, an event, ...)."""
        kinds = set(self.graph.objects(term, RDF.type))
        closure = {c for k in kinds for c in self.ontology.transitive_objects(k, RDFS.subClassOf)}
        return bool(closure & UNNAMED)

    def says(self, triple: Triple, span: str) -> bool:
        """Whether the span names the triple's value, or for own words and unnamed nodes what it is about."""
        s, p, o = triple
        if o == self.doc.iri or any(found(n, span) for n in self.names(o)):
            return True
        loose = (p in OWN_WORDS or o == BENEFICIARY or (isinstance(o, Literal) and o.datatype == XSD.boolean)
                 or self.unnamed(o))
        return loose and any(found(n, span) for n in self.evidence(s) | self.evidence(o))


@pytest.fixture(scope="module")
def ledgers(built: Dataset, docs: list[Document]) -> list[Ledger]:
    """The ledger of each document."""
    ontology = built.graph(graph_iri("ontology"))
    return [Ledger(doc, ontology) for doc in docs]


def test_each_document_records_the_sha256_of_its_text(docs: list[Document]) -> None:
    for doc in docs:
        assert doc.recorded_sha256 == doc.sha256, f"{doc.iri}: the seed text changed, or no mgkg:textSha256"


def test_every_selector_lies_within_its_documents_text(ledgers: list[Ledger]) -> None:
    problems = []
    for ledger in ledgers:
        for anchor in ledger.anchors:
            if ledger.graph.value(anchor, OA.hasSource) != ledger.doc.iri:
                problems.append(f"{anchor}: oa:hasSource is not {ledger.doc.iri}")
            selectors = list(ledger.graph.objects(anchor, OA.hasSelector))
            if len(selectors) != 1 or (selectors[0], RDF.type, OA.TextPositionSelector) not in ledger.graph:
                problems.append(f"{anchor}: not exactly one oa:TextPositionSelector")
                continue
            start = ledger.graph.value(selectors[0], OA.start)
            end = ledger.graph.value(selectors[0], OA.end)
            if not (isinstance(start, Literal) and isinstance(end, Literal)
                    and 0 <= int(start) < int(end) <= len(ledger.doc.text)):
                problems.append(f"{anchor}: offsets {start}..{end} outside 0..{len(ledger.doc.text)}")
    assert not problems, "\n".join(problems)


def test_every_fact_of_a_document_graph_has_an_anchor(ledgers: list[Ledger]) -> None:
    missing = []
    for ledger in ledgers:
        backed = {t for a in ledger.anchors for t in ledger.backs(a)}
        missing += [f"{ledger.doc.iri}: {s.n3()} {p.n3()} {o.n3()}" for s, p, o in ledger.facts() - backed]
    assert not missing, f"{len(missing)} facts without an anchor:\n" + "\n".join(sorted(missing))


def test_every_span_names_what_its_anchor_backs(ledgers: list[Ledger]) -> None:
    wrong = []
    for ledger in ledgers:
        for anchor in ledger.anchors:
            span = ledger.span(anchor)
            wrong += [f"{anchor} [{span!r}]: {s.n3()} {p.n3()} {o.n3()}"
                      for s, p, o in ledger.backs(anchor) if not ledger.says((s, p, o), span)]
    assert not wrong, f"{len(wrong)} spans that do not name their fact:\n" + "\n".join(sorted(wrong))


def test_every_anchor_backs_facts_or_says_why_not(ledgers: list[Ledger]) -> None:
    problems = []
    for ledger in ledgers:
        for anchor in ledger.anchors:
            reasons = list(ledger.graph.objects(anchor, MGKG.notEncodedBecause))
            subjects = list(ledger.graph.objects(anchor, MGKG.anchorSubject))
            if reasons and subjects:
                problems.append(f"{anchor}: both a reason for not encoding and statements")
            elif reasons:
                continue
            backed = ledger.backs(anchor)
            if not backed:
                problems.append(f"{anchor}: backs no triple of {ledger.doc.iri}'s graph")
            for predicate in ledger.graph.objects(anchor, MGKG.anchorPredicate):
                if not any(p == predicate for _, p, _ in backed):
                    problems.append(f"{anchor}: anchorPredicate {predicate.n3()} backs nothing")
            for value in ledger.graph.objects(anchor, MGKG.anchorObject):
                if not any(o == value for *_, o in backed):
                    problems.append(f"{anchor}: anchorObject {value.n3()} backs nothing")
    assert not problems, "\n".join(problems)


def test_statements_left_out_are_listed_with_their_reason(ledgers: list[Ledger]) -> None:
    left_out = {a for ledger in ledgers for a in ledger.anchors if (a, MGKG.notEncodedBecause, None) in ledger.graph}
    assert left_out, "the ledger lists no statement that is deliberately not encoded"
    for ledger in ledgers:
        for anchor in left_out & ledger.anchors:
            reason = ledger.graph.value(anchor, MGKG.notEncodedBecause)
            assert isinstance(reason, Literal) and reason.language == "en" and len(str(reason)) > 20, anchor


# ---------------------------------------------------------------- the check itself

def test_the_span_check_refuses_a_value_the_span_does_not_give(ledgers: list[Ledger]) -> None:
    ledger = next(ledger for ledger in ledgers if "003_" in str(ledger.doc.iri))
    budget = URIRef("https://w3id.org/mgkg/id/amount/tc-0287--budget")
    assert ledger.says((budget, MGKG.amountValue, Literal(Decimal("40000.00"))), "Budget Amount (USD)\n-\n40000.00")
    assert not ledger.says((budget, MGKG.amountValue, Literal(Decimal("41000.00"))), "Budget Amount (USD)\n40000.00")
    assert not ledger.says((budget, MGKG.currency, Literal("EUR")), "Budget Amount (USD)")


@pytest.mark.parametrize(
    ("literal", "written"),
    [(Literal("2006-05-21", datatype=XSD.date), "21 May 2006"),
     (Literal("2008-02-22", datatype=XSD.date), "February 22, 2008"),
     (Literal(Decimal("441000000.0")), "USD 441 million"), (Literal(Decimal("7000.0")), "more than 7,000"),
     (Literal(Decimal("-0.8")), "-0.8 migrants"), (Literal(3), "three states"), (Literal(2), "second and final")],
)
def test_values_are_found_in_the_forms_pages_write_them(literal: Literal, written: str) -> None:
    assert any(norm(form) in norm(written) for form in renderings(literal)), (literal, written)


def test_comparison_ignores_case_typography_and_line_breaks() -> None:
    assert norm("Montenegro’s  Police\n– Ministry Of") == norm("montenegro's police - ministry of")


def test_a_tel_iri_is_named_by_its_number() -> None:
    assert renderings(URIRef("tel:+38220234332")) == {"+38220234332"}
    assert found("+38220234332", "Tel: +382 20 234 332")
    assert not found("+38220234333", "Tel: +382 20 234 332")


# ---------------------------------------------------------------- shapes/ledger-shapes.ttl

LEDGER_DATA = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix mgkg: <https://w3id.org/mgkg/ontology#> .
@prefix theme: <https://w3id.org/mgkg/vocab/theme/> .
@prefix ex: <http://example.org/> .
ex:doc a mgkg:SourceDocument ; mgkg:textSha256 "%s" .
ex:org a mgkg:Organization ; rdfs:label "IOM"@en .
ex:a1 a mgkg:Anchor ; oa:hasSource ex:doc ; oa:hasSelector ex:s1 ; mgkg:anchorSubject ex:org .
ex:a2 a mgkg:Anchor ; oa:hasSource ex:doc ; oa:hasSelector ex:s2 ;
    mgkg:notEncodedBecause "A slogan; it states no fact."@en .
ex:s1 a oa:TextPositionSelector ; oa:start 0 ; oa:end 5 .
ex:s2 a oa:TextPositionSelector ; oa:start 5 ; oa:end 9 .
ex:w1 a mgkg:AreaOfWork ; rdfs:label "Asylum"@en ; mgkg:carriedOutBy ex:org ; mgkg:theme theme:asylum .
""" % ("0" * 64)


def ledger_results(remove: str = "", add: str = "") -> set[tuple[str, str, str]]:
    """(focus, shape, severity) of each result on the example, `remove` replaced by `add` (or `add` appended)."""
    from graph.shacl.validate import validate_graph

    text = LEDGER_DATA.replace(remove, add) if remove else LEDGER_DATA + add
    data = Graph().parse(data=text, format="turtle")
    report = validate_graph(data)
    own = set(Graph().parse(Path(__file__).resolve().parent.parent / "shapes" / "ledger-shapes.ttl").subjects())
    return {(str(r.focus_node).rsplit("/", 1)[-1], str(r.shape).rsplit("#", 1)[-1], r.severity)
            for r in report.results if r.shape in own}


def test_the_example_ledger_conforms_to_the_ledger_shapes() -> None:
    assert ledger_results() == set()


@pytest.mark.parametrize(
    ("remove", "add", "expected"),
    [
        ("oa:hasSelector ex:s1 ;", "", ("a1", "Anchor-selector", "Violation")),
        ("", "ex:a1 oa:hasSelector ex:s2 .", ("a1", "Anchor-selector", "Violation")),
        ("oa:hasSource ex:doc ; oa:hasSelector ex:s1", "oa:hasSelector ex:s1", ("a1", "Anchor-source", "Violation")),
        ("", 'ex:a1 mgkg:notEncodedBecause "Both a fact and left out."@en .', ("a1", "AnchorShape", "Violation")),
        ('mgkg:notEncodedBecause "A slogan; it states no fact."@en', 'rdfs:label "neither"@en',
         ("a2", "AnchorShape", "Violation")),
        ("oa:start 0 ;", "", ("s1", "TextPositionSelector-start", "Violation")),
        ("oa:start 0 ;", "oa:start -1 ;", ("s1", "TextPositionSelector-start", "Violation")),
        ("oa:end 5 .", 'oa:end "5" .', ("s1", "TextPositionSelector-end", "Violation")),
        ("mgkg:carriedOutBy ex:org ;", "", ("w1", "AreaOfWork-carriedOutBy", "Violation")),
        ("; mgkg:theme theme:asylum", "", ("w1", "AreaOfWork-hasTheme", "Warning")),
        ('"%s"' % ("0" * 64), '"ABC"', ("doc", "DocumentText-sha256", "Violation")),
        ("", 'ex:doc mgkg:retrievedFrom "http://example.org/page" .',
         ("doc", "DocumentText-retrievedFrom", "Violation")),
        ("", 'ex:e a mgkg:Event ; rdfs:label "x"@en ; mgkg:date "2008"^^xsd:gYear ; mgkg:partOfYear "autumn" .',
         ("e", "PartOfYear-value", "Violation")),
    ],
)
def test_the_ledger_shapes_catch(remove: str, add: str, expected: tuple[str, str, str]) -> None:
    assert expected in ledger_results(remove, add)
