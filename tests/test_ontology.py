"""The OWL ontology (ontology/mgkg.ttl) and the SKOS vocabularies (ontology/vocabularies.ttl).

Checks that both files parse, that every mgkg: term and vocabulary concept used anywhere in the
project (sources, shapes, named queries) is declared, that every class and property is labelled,
defined and aligned with an external vocabulary, and that the vocabularies satisfy the SHACL shapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from graph.core.namespaces import ONTOLOGY_IRI, VOCABULARIES
from graph.shacl.validate import validate_graph

REPO = Path(__file__).resolve().parent.parent
ONTOLOGY_FILE = REPO / "ontology" / "mgkg.ttl"
VOCABULARIES_FILE = REPO / "ontology" / "vocabularies.ttl"
SOURCES = sorted((REPO / "graph" / "sources").glob("*.ttl"))
SHAPES = sorted((REPO / "shapes").glob("*.ttl"))
QUERIES = sorted((REPO / "queries").glob("*.rq"))

MGKG = "https://w3id.org/mgkg/ontology#"
VOCAB = "https://w3id.org/mgkg/vocab/"
SCHEMES = VOCABULARIES
"""Prefix → folder of each concept scheme (docs/design.md, "Namespaces")."""

CLASS_TYPES = {OWL.Class}
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
TERM_TYPES = CLASS_TYPES | PROPERTY_TYPES | {RDFS.Datatype}
ALIGNMENT = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)

UNALIGNED = {
    "isFinalTranche": "no external vocabulary has a 'last instalment' flag",
    "valueNotGiven": "no external vocabulary has a 'document names the figure but gives no value' flag",
    "unlabeled": "no external vocabulary has a 'document gives no label for the figure' flag",
    "partOfYear": "no external vocabulary qualifies a year by the part of it a text names ('late 2008')",
    "anchorSubject": "rdf:subject has the domain rdf:Statement and one value; an anchor names several",
    "anchorPredicate": "rdf:predicate has the domain rdf:Statement and one value; an anchor names several",
    "anchorObject": "rdf:object has the domain rdf:Statement and one value; an anchor names several",
}
"""Terms without any sensible external alignment (each has a comment saying so in mgkg.ttl)."""

# Design contract (docs/design.md): scheme contents and the IATI codes they carry.
IATI_CODES = {
    "status": {"pipeline": "1", "implementation": "2", "finalisation": "3", "closed": "4", "cancelled": "5",
               "suspended": "6"},
    "scope": {"global": "1", "regional": "2", "multi-national": "3", "national": "4",
              "sub-national-multi-first-level": "5", "sub-national-single-first-level": "6",
              "sub-national-single-second-level": "7", "single-location": "8"},
    "role": {"funding": "1", "accountable": "2", "extending": "3", "implementing": "4"},
}
DESIGN_CONCEPTS = {
    "status": set(IATI_CODES["status"]) | {"completed"},
    "ptype": {"tcmmcb"},
    "scope": set(IATI_CODES["scope"]),
    "role": set(IATI_CODES["role"]) | {"beneficiary", "partner"},
    "theme": {"counter-trafficking", "counter-smuggling", "border-management", "avrr", "asylum", "readmission",
              "legal-migration", "youth", "data-exchange", "protection-of-vulnerable-migrants",
              "cross-border-cooperation", "organized-crime", "migration-management",
              "advance-passenger-information", "capacity-building", "awareness-raising", "visa-regime",
              "legal-framework"},
    "indicator": {"net-migration-rate", "member-states", "countries-of-operation", "staff", "avrr-returns",
                  "reintegration-grants", "women-share-of-immigrants", "visa-free-schengen-states",
                  "visa-free-non-eu-states"},
}


# ---------------------------------------------------------------------------------- helpers


def scheme_iri(prefix: str) -> URIRef:
    """IRI of the concept scheme of a vocabulary prefix (the namespace without its trailing slash)."""
    return URIRef(VOCAB + SCHEMES[prefix])


def concept_iri(prefix: str, local: str) -> URIRef:
    """IRI of a concept given as prefix:local."""
    return URIRef(f"{VOCAB}{SCHEMES[prefix]}/{local}")


def mgkg_terms_in_text(text: str) -> set[URIRef]:
    """mgkg terms written as mgkg:Local or <…ontology#Local> in Turtle or SPARQL text (comments included)."""
    short = re.findall(r"(?<![\w/#:-])mgkg:([A-Za-z_][\w-]*)", text)
    full = re.findall(r"<https://w3id\.org/mgkg/ontology#([A-Za-z_][\w-]*)>", text)
    return {URIRef(MGKG + local) for local in [*short, *full]}


def concepts_in_text(text: str) -> set[tuple[str, str]]:
    """(prefix, local) of every vocabulary concept written as prefix:local or as a full IRI."""
    found: set[tuple[str, str]] = set()
    alternatives = "|".join(SCHEMES)
    for prefix, local in re.findall(rf"(?<![\w/#:-])({alternatives}):([A-Za-z0-9][\w-]*)", text):
        found.add((prefix, local))
    folders = {folder: prefix for prefix, folder in SCHEMES.items()}
    for folder, local in re.findall(r"<https://w3id\.org/mgkg/vocab/([a-z-]+)/([A-Za-z0-9][\w-]*)>", text):
        if folder in folders:
            found.add((folders[folder], local))
    return found


def read_all(paths: Iterable[Path]) -> str:
    """Concatenated text of some files."""
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


def terms_of_type(graph: Graph, types: set[URIRef]) -> set[URIRef]:
    """mgkg IRIs typed with one of `types`."""
    return {
        s for t in types for s in graph.subjects(RDF.type, t) if isinstance(s, URIRef) and str(s).startswith(MGKG)
    }


def english(graph: Graph, subject: Node, predicate: URIRef) -> list[str]:
    """Non-empty English (@en) literal values of subject/predicate."""
    return [
        str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal) and o.language == "en" and str(o)
    ]


def is_aligned(graph: Graph, term: URIRef, seen: frozenset[URIRef] = frozenset()) -> bool:
    """True if the term is a sub-class/-property of (or equivalent to) a non-mgkg term, directly or via mgkg parents."""
    for predicate in ALIGNMENT:
        for parent in graph.objects(term, predicate):
            if not isinstance(parent, URIRef):
                continue  # anonymous class expressions are no alignment
            if not str(parent).startswith(MGKG):
                return True
            if parent not in seen and parent != term and is_aligned(graph, parent, seen | {term}):
                return True
    return False


def local(term: URIRef) -> str:
    """Local name of an mgkg term."""
    return str(term)[len(MGKG):]


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    return Graph().parse(VOCABULARIES_FILE, format="turtle")


@pytest.fixture(scope="module")
def combined(ontology: Graph, vocabularies: Graph) -> Graph:
    graph = Graph()
    graph += ontology
    graph += vocabularies
    return graph


# ---------------------------------------------------------------------------------- parsing and header


def test_files_parse_and_are_not_empty(ontology: Graph, vocabularies: Graph) -> None:
    assert len(ontology) > 100
    assert len(vocabularies) > 100


def test_ontology_header(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    dcterms = "http://purl.org/dc/terms/"
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    for field in ("title", "description", "created"):
        assert ontology.value(ONTOLOGY_IRI, URIRef(dcterms + field)) is not None, field
    assert english(ontology, ONTOLOGY_IRI, URIRef(dcterms + "title"))
    cc_by = URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert (ONTOLOGY_IRI, URIRef(dcterms + "license"), cc_by) in ontology


# ---------------------------------------------------------------------------------- every used term is declared


def test_every_mgkg_term_used_is_declared(ontology: Graph) -> None:
    used = mgkg_terms_in_text(read_all([*SOURCES, *SHAPES, *QUERIES]))
    assert len(used) > 50, "expected the sources and shapes to use many mgkg terms"
    declared = terms_of_type(ontology, TERM_TYPES)
    missing = sorted(local(t) for t in used - declared)
    assert not missing, f"used but not declared in ontology/mgkg.ttl: {missing}"


def test_every_mgkg_subject_is_a_typed_term(ontology: Graph) -> None:
    """No stray mgkg IRI in the ontology: everything it says something about is a declared term."""
    declared = terms_of_type(ontology, TERM_TYPES)
    subjects = {s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(MGKG)}
    assert not sorted(local(s) for s in subjects - declared)


def test_no_term_is_both_class_and_property(ontology: Graph) -> None:
    both = terms_of_type(ontology, CLASS_TYPES) & terms_of_type(ontology, PROPERTY_TYPES)
    assert not both
    object_properties = terms_of_type(ontology, {OWL.ObjectProperty})
    assert not object_properties & terms_of_type(ontology, {OWL.DatatypeProperty})


# ---------------------------------------------------------------------------------- labels, definitions, alignment


def test_every_term_has_english_label_and_definition(ontology: Graph) -> None:
    problems = []
    for term in sorted(terms_of_type(ontology, CLASS_TYPES | PROPERTY_TYPES)):
        if not english(ontology, term, RDFS.label):
            problems.append(f"{local(term)}: no @en rdfs:label")
        if not english(ontology, term, SKOS.definition):
            problems.append(f"{local(term)}: no @en skos:definition")
        if len(english(ontology, term, RDFS.label)) > 1:
            problems.append(f"{local(term)}: several @en rdfs:label")
    assert not problems, "\n".join(problems)


def test_every_term_is_aligned_with_an_external_vocabulary(ontology: Graph) -> None:
    unaligned = sorted(
        local(t)
        for t in terms_of_type(ontology, CLASS_TYPES | PROPERTY_TYPES)
        if not is_aligned(ontology, t) and local(t) not in UNALIGNED
    )
    assert not unaligned, f"no external alignment (directly or through an mgkg parent): {unaligned}"


@pytest.mark.parametrize("name", sorted(UNALIGNED))
def test_unaligned_exceptions_are_declared_and_still_unaligned(ontology: Graph, name: str) -> None:
    """Keep the exception list honest: drop a term from UNALIGNED once it gets an alignment."""
    term = URIRef(MGKG + name)
    assert terms_of_type(ontology, PROPERTY_TYPES | CLASS_TYPES) >= {term}
    assert not is_aligned(ontology, term), f"{name} is aligned now; remove it from UNALIGNED"


def test_properties_have_domain_and_range(ontology: Graph) -> None:
    """Every property has a domain, and a range where its values have a fixed kind (statedIn: any subject)."""
    problems = []
    for prop in sorted(terms_of_type(ontology, {OWL.ObjectProperty, OWL.DatatypeProperty})):
        if ontology.value(prop, RDFS.domain) is None and local(prop) != "statedIn":
            problems.append(f"{local(prop)}: no rdfs:domain")
        if ontology.value(prop, RDFS.range) is None and local(prop) not in {"telephone", "fax"}:
            problems.append(f"{local(prop)}: no rdfs:range")
    assert not problems, "\n".join(problems)


def test_key_axioms(ontology: Graph) -> None:
    m = {name: URIRef(MGKG + name) for name in ("componentOf", "hasComponent", "possiblySameAs", "Programme",
                                                 "FundingTranche", "Project", "PoliceUnit", "GovernmentBody")}
    assert (m["componentOf"], OWL.inverseOf, m["hasComponent"]) in ontology
    assert (m["possiblySameAs"], RDF.type, OWL.SymmetricProperty) in ontology
    for sub in ("Programme", "FundingTranche"):
        assert (m[sub], RDFS.subClassOf, m["Project"]) in ontology
    assert m["GovernmentBody"] in set(ontology.transitive_objects(m["PoliceUnit"], RDFS.subClassOf))


def test_date_properties_allow_three_precisions(ontology: Graph) -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    precisions = {URIRef(xsd + "date"), URIRef(xsd + "gYearMonth"), URIRef(xsd + "gYear")}
    for name in ("startDate", "endDate", "date", "foundingDate", "activeSince"):
        datatype = ontology.value(URIRef(MGKG + name), RDFS.range)
        assert datatype is not None, name
        members = ontology.value(datatype, OWL.unionOf)
        assert members is not None, f"{name}: range is not a datatype union"
        assert set(ontology.items(members)) == precisions, name


# ---------------------------------------------------------------------------------- vocabularies


def test_every_concept_used_is_declared_in_its_scheme(vocabularies: Graph) -> None:
    used = concepts_in_text(read_all([*SOURCES, *QUERIES]))
    assert used, "expected the sources to use vocabulary concepts"
    problems = []
    for prefix, name in sorted(used):
        concept = concept_iri(prefix, name)
        if (concept, RDF.type, SKOS.Concept) not in vocabularies:
            problems.append(f"{prefix}:{name} is not a skos:Concept")
        elif (concept, SKOS.inScheme, scheme_iri(prefix)) not in vocabularies:
            problems.append(f"{prefix}:{name} is not in scheme {scheme_iri(prefix)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("prefix", sorted(SCHEMES))
def test_scheme_holds_the_design_concepts(vocabularies: Graph, prefix: str) -> None:
    scheme = scheme_iri(prefix)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in vocabularies
    assert english(vocabularies, scheme, SKOS.prefLabel)
    assert english(vocabularies, scheme, URIRef("http://purl.org/dc/terms/title"))
    members = {c for c in vocabularies.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)}
    expected = {concept_iri(prefix, name) for name in DESIGN_CONCEPTS[prefix]}
    assert members == expected
    for concept in members:
        # each concept is in exactly one scheme, the one of its namespace
        assert set(vocabularies.objects(concept, SKOS.inScheme)) == {scheme}, concept
        assert str(concept).startswith(str(scheme) + "/"), concept


@pytest.mark.parametrize("prefix", sorted(SCHEMES))
def test_top_concepts_and_hierarchy(vocabularies: Graph, prefix: str) -> None:
    """A concept is top concept of its scheme exactly when it has no broader concept; no cycles."""
    scheme = scheme_iri(prefix)
    for name in DESIGN_CONCEPTS[prefix]:
        concept = concept_iri(prefix, name)
        broader = set(vocabularies.objects(concept, SKOS.broader))
        is_top = (concept, SKOS.topConceptOf, scheme) in vocabularies
        assert is_top == (not broader), concept
        assert is_top == ((scheme, SKOS.hasTopConcept, concept) in vocabularies), concept
        for parent in broader:
            assert (parent, SKOS.inScheme, scheme) in vocabularies, (concept, parent)
        assert concept not in set(vocabularies.transitive_objects(concept, SKOS.broader)) - {concept}


@pytest.mark.parametrize("prefix", sorted(IATI_CODES))
def test_iati_codes(vocabularies: Graph, prefix: str) -> None:
    string = URIRef("http://www.w3.org/2001/XMLSchema#string")
    iati_code = URIRef(MGKG + "iatiCode")
    for name in DESIGN_CONCEPTS[prefix]:
        concept = concept_iri(prefix, name)
        codes = list(vocabularies.objects(concept, iati_code))
        expected = IATI_CODES[prefix].get(name)
        if expected is None:
            assert not codes, f"{concept} has no IATI code"
            continue
        assert codes == [Literal(expected, datatype=string)] or codes == [Literal(expected)], (concept, codes)
        assert expected in {str(n) for n in vocabularies.objects(concept, SKOS.notation)}, concept


def test_completed_is_close_to_closed(vocabularies: Graph) -> None:
    assert (concept_iri("status", "completed"), SKOS.closeMatch, concept_iri("status", "closed")) in vocabularies


def test_vocabularies_conform_to_the_shapes(combined: Graph) -> None:
    # ontology=Graph(): validate exactly these two files, without validate_graph mixing in ontology/*.ttl again
    report = validate_graph(combined, ontology=Graph())
    if not report.conforms:
        print(report.text())
    assert report.no_violations, report.text()
    assert not report.warnings, report.text()
