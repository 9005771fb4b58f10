"""Every constraint of shapes/links-shapes.ttl: a violating example each, plus data that gives no result.

Like tests/test_shapes.py (whose tables it reuses): each case takes BASE, removes and adds a few triples
and expects a result from exactly that shape, constraint component (or SPARQL constraint) and severity;
test_every_constraint_has_a_case walks links-shapes.ttl and fails when a constraint has no case here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from test_shapes import PARAMETERS, TARGETS, Case, c

from graph.shacl.validate import ValidationReport, validate_graph

REPO = Path(__file__).resolve().parent.parent
SHAPES_FILE = REPO / "shapes" / "links-shapes.ttl"
MGSH = "https://w3id.org/mgkg/shapes#"

PREFIXES = """
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix p: <http://www.wikidata.org/prop/> .
@prefix ps: <http://www.wikidata.org/prop/statement/> .
@prefix pq: <http://www.wikidata.org/prop/qualifier/> .
@prefix eu: <http://publications.europa.eu/resource/authority/country/> .
@prefix mgkg: <https://w3id.org/mgkg/ontology#> .
@prefix orgs: <https://w3id.org/mgkg/id/organization/> .
@prefix place: <https://w3id.org/mgkg/id/place/> .
@prefix doc: <https://w3id.org/mgkg/id/document/> .
@prefix link: <https://w3id.org/mgkg/id/link/> .
@prefix st: <http://www.wikidata.org/entity/statement/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix gn: <http://www.geonames.org/ontology#> .
@prefix wgs84: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix mgg: <https://w3id.org/mgkg/graph/> .
@prefix entry: <https://w3id.org/mgkg/id/entry/> .
"""

BASE = PREFIXES + """
mgkg:IntergovernmentalOrganization rdfs:subClassOf mgkg:Organization .
orgs:iom a mgkg:IntergovernmentalOrganization ; org:identifier "XM-DAC-47066" ; owl:sameAs wd:Q472311 .
place:me a mgkg:Country ;
    owl:sameAs wd:Q236 , <https://sws.geonames.org/3194884/> , <http://dbpedia.org/resource/Montenegro> ;
    skos:exactMatch eu:MNE ;
    wdt:P297 "ME" ; wdt:P298 "MNE" ; wdt:P299 "499" .
link:me a rdf:Statement ; rdf:subject place:me ; rdf:predicate owl:sameAs ; rdf:object wd:Q236 ;
    prov:wasDerivedFrom doc:ref ; rdfs:comment "Reference row."@en .
link:iom a rdf:Statement ; rdf:subject orgs:iom ; rdf:predicate owl:sameAs ; rdf:object wd:Q472311 ;
    prov:wasDerivedFrom <https://query.wikidata.org/sparql> ; rdfs:comment "Accepted in review."@en ;
    dcterms:created "2026-01-02"^^xsd:date ; dcterms:creator "A Reviewer" .
wd:Q236 wdt:P297 "ME" ; wdt:P625 "Point(19.0 42.5)"^^geo:wktLiteral ; p:P1082 st:s1 .
st:s1 ps:P1082 "1000"^^xsd:decimal ; pq:P585 "2020-01-01T00:00:00Z"^^xsd:dateTime .
mgg:gn a void:Dataset ; dcterms:license <https://creativecommons.org/licenses/by/4.0/> .
entry:me a prov:Entity ; dcterms:identifier "3194884" ; prov:wasDerivedFrom mgg:gn ; prov:wasInfluencedBy link:me ;
    foaf:primaryTopic place:me ; gn:population 622345 ; wgs84:lat 42.5 ; wgs84:long 19.3 .
"""

CASES = [
    # ---- link records
    c("LinkRecord-subject", "MinCount", "V", "link:me", remove="link:me rdf:subject place:me ."),
    c("LinkRecord-subject", "MaxCount", "V", "link:me", add="link:me rdf:subject orgs:iom ."),
    c("LinkRecord-subject", "NodeKind", "V", "link:me", remove="link:me rdf:subject place:me .",
      add='link:me rdf:subject "place:me" .'),
    c("LinkRecord-predicate", "MinCount", "V", "link:me", remove="link:me rdf:predicate owl:sameAs ."),
    c("LinkRecord-predicate", "MaxCount", "V", "link:me", add="link:me rdf:predicate skos:exactMatch ."),
    c("LinkRecord-predicate", "In", "V", "link:me", remove="link:me rdf:predicate owl:sameAs .",
      add="link:me rdf:predicate rdfs:seeAlso . place:me rdfs:seeAlso wd:Q236 ."),
    c("LinkRecord-object", "MinCount", "V", "link:me", remove="link:me rdf:object wd:Q236 ."),
    c("LinkRecord-object", "MaxCount", "V", "link:me", add="link:me rdf:object <https://sws.geonames.org/3194884/> ."),
    c("LinkRecord-source", "MinCount", "V", "link:me", remove="link:me prov:wasDerivedFrom doc:ref ."),
    c("LinkRecord-source", "MaxCount", "V", "link:me", add="link:me prov:wasDerivedFrom doc:other ."),
    c("LinkRecord-source", "NodeKind", "V", "link:me", remove="link:me prov:wasDerivedFrom doc:ref .",
      add='link:me prov:wasDerivedFrom "external-ids.tsv" .'),
    c("LinkRecord-comment", "MinCount", "V", "link:me", remove='link:me rdfs:comment "Reference row."@en .'),
    c("LinkRecord-comment", "Datatype", "V", "link:me", add='link:me rdfs:comment "plain" .'),
    c("LinkRecord-created", "MaxCount", "V", "link:iom", add='link:iom dcterms:created "2026-01-03"^^xsd:date .'),
    c("LinkRecord-created", "Datatype", "V", "link:iom", remove='link:iom dcterms:created "2026-01-02"^^xsd:date .',
      add='link:iom dcterms:created "2 January 2026" .'),
    c("LinkRecord-creator", "MaxCount", "V", "link:iom", add='link:iom dcterms:creator "Another Reviewer" .'),
    c("LinkRecord-creator", "Datatype", "V", "link:iom", remove='link:iom dcterms:creator "A Reviewer" .',
      add="link:iom dcterms:creator orgs:iom ."),
    c("LinkRecordShape", "RecordedLinkIsStated", "V", "link:me", remove="link:me rdf:object wd:Q236 .",
      add="link:me rdf:object wd:Q30 ."),
    # ---- owl:sameAs only for identity
    c("SameAsShape", "AuthorityEntriesAreConcepts", "V", "place:me", add="place:me owl:sameAs eu:MNE ."),
    c("SameAsShape", "OneItemPerDataset", "V", "place:me", add="place:me owl:sameAs wd:Q30 ."),
    # ---- ISO 3166-1 codes
    c("IsoCountryCodes-alpha2", "MaxCount", "V", "place:me", add='place:me wdt:P297 "MN" .'),
    c("IsoCountryCodes-alpha2", "Datatype", "V", "place:me", remove='place:me wdt:P297 "ME" .',
      add='place:me wdt:P297 "ME"@en .'),
    c("IsoCountryCodes-alpha2", "Pattern", "V", "wd:Q236", remove='wd:Q236 wdt:P297 "ME" .',
      add='wd:Q236 wdt:P297 "me" .'),
    c("IsoCountryCodes-alpha3", "MaxCount", "V", "place:me", add='place:me wdt:P298 "MNT" .'),
    c("IsoCountryCodes-alpha3", "Datatype", "V", "place:me", remove='place:me wdt:P298 "MNE" .',
      add="place:me wdt:P298 eu:MNE ."),
    c("IsoCountryCodes-alpha3", "Pattern", "V", "place:me", remove='place:me wdt:P298 "MNE" .',
      add='place:me wdt:P298 "ME" .'),
    c("IsoCountryCodes-numeric", "MaxCount", "V", "place:me", add='place:me wdt:P299 "498" .'),
    c("IsoCountryCodes-numeric", "Datatype", "V", "place:me", remove='place:me wdt:P299 "499" .',
      add="place:me wdt:P299 499 ."),
    c("IsoCountryCodes-numeric", "Pattern", "V", "place:me", remove='place:me wdt:P299 "499" .',
      add='place:me wdt:P299 "40" .'),
    # ---- IATI organisation identifiers
    c("IatiIdentifierShape", "Class", "V", "place:me", add='place:me org:identifier "XM-DAC-47066" .'),
    c("IatiIdentifier-identifier", "Datatype", "V", "orgs:iom", remove='orgs:iom org:identifier "XM-DAC-47066" .',
      add='orgs:iom org:identifier "XM-DAC-47066"@en .'),
    c("IatiIdentifier-identifier", "Pattern", "V", "orgs:iom", add='orgs:iom org:identifier "AT-8" .'),
    # ---- enrichment facts
    c("Coordinates-point", "Datatype", "V", "wd:Q236", add='wd:Q236 wdt:P625 "Point(19.0 42.5)" .'),
    c("Coordinates-point", "Pattern", "V", "wd:Q236", add='wd:Q236 wdt:P625 "42.5, 19.0"^^geo:wktLiteral .'),
    c("PopulationStatement-value", "MaxCount", "V", "st:s1", add='st:s1 ps:P1082 "1001"^^xsd:decimal .'),
    c("PopulationStatement-value", "MinInclusive", "V", "st:s1", remove='st:s1 ps:P1082 "1000"^^xsd:decimal .',
      add='st:s1 ps:P1082 "-1"^^xsd:decimal .'),
    c("PopulationStatement-value", "Or", "V", "st:s1", remove='st:s1 ps:P1082 "1000"^^xsd:decimal .',
      add='st:s1 ps:P1082 "about 1000" .'),
    c("PopulationStatement-date", "MaxCount", "V", "st:s1", add='st:s1 pq:P585 "2021-01-01T00:00:00Z"^^xsd:dateTime .'),
    c("PopulationStatement-date", "Datatype", "V", "st:s1",
      remove='st:s1 pq:P585 "2020-01-01T00:00:00Z"^^xsd:dateTime .', add='st:s1 pq:P585 "2020"^^xsd:gYear .'),
    # ---- offline enrichment entries
    c("EnrichmentEntry-identifier", "MinCount", "V", "entry:me", remove='entry:me dcterms:identifier "3194884" .'),
    c("EnrichmentEntry-identifier", "MaxCount", "V", "entry:me", add='entry:me dcterms:identifier "3194885" .'),
    c("EnrichmentEntry-identifier", "Datatype", "V", "entry:me", remove='entry:me dcterms:identifier "3194884" .',
      add="entry:me dcterms:identifier 3194884 ."),
    c("EnrichmentEntry-dataset", "MinCount", "V", "entry:me", remove="entry:me prov:wasDerivedFrom mgg:gn ."),
    c("EnrichmentEntry-dataset", "MaxCount", "V", "entry:me",
      add="entry:me prov:wasDerivedFrom mgg:other . mgg:other a void:Dataset ; dcterms:license mgg:l ."),
    c("EnrichmentEntry-dataset", "Class", "V", "entry:me", remove="entry:me prov:wasDerivedFrom mgg:gn .",
      add="entry:me prov:wasDerivedFrom doc:ref . doc:ref dcterms:license mgg:l ."),
    c("EnrichmentEntry-basis", "NodeKind", "V", "entry:me", add='entry:me prov:wasInfluencedBy "link:me" .'),
    c("EnrichmentEntry-topic", "MaxCount", "V", "entry:me", add="entry:me foaf:primaryTopic orgs:iom ."),
    c("EnrichmentEntry-topic", "NodeKind", "V", "entry:me", add='entry:me foaf:primaryTopic "Montenegro" .'),
    c("EnrichmentEntryShape", "EntryDatasetHasLicence", "V", "entry:me",
      remove="mgg:gn dcterms:license <https://creativecommons.org/licenses/by/4.0/> ."),
    c("EnrichmentEntryShape", "EntryTopicIsVerified", "V", "entry:me", remove="entry:me prov:wasInfluencedBy link:me .",
      add="entry:me prov:wasInfluencedBy link:iom ."),
    c("GeoNamesFigures-population", "MaxCount", "V", "entry:me", add="entry:me gn:population 1 ."),
    c("GeoNamesFigures-population", "Datatype", "V", "entry:me", remove="entry:me gn:population 622345 .",
      add='entry:me gn:population "622345" .'),
    c("GeoNamesFigures-population", "MinInclusive", "V", "entry:me", remove="entry:me gn:population 622345 .",
      add="entry:me gn:population -1 ."),
    c("GeoNamesFigures-lat", "MaxCount", "V", "entry:me", add="entry:me wgs84:lat 42.6 ."),
    c("GeoNamesFigures-lat", "Datatype", "V", "entry:me", remove="entry:me wgs84:lat 42.5 .",
      add='entry:me wgs84:lat "42.5" .'),
    c("GeoNamesFigures-lat", "MinInclusive", "V", "entry:me", remove="entry:me wgs84:lat 42.5 .",
      add="entry:me wgs84:lat -90.5 ."),
    c("GeoNamesFigures-lat", "MaxInclusive", "V", "entry:me", remove="entry:me wgs84:lat 42.5 .",
      add="entry:me wgs84:lat 90.5 ."),
    c("GeoNamesFigures-long", "MaxCount", "V", "entry:me", add="entry:me wgs84:long 19.4 ."),
    c("GeoNamesFigures-long", "Datatype", "V", "entry:me", remove="entry:me wgs84:long 19.3 .",
      add='entry:me wgs84:long "19.3" .'),
    c("GeoNamesFigures-long", "MinInclusive", "V", "entry:me", remove="entry:me wgs84:long 19.3 .",
      add="entry:me wgs84:long -180.5 ."),
    c("GeoNamesFigures-long", "MaxInclusive", "V", "entry:me", remove="entry:me wgs84:long 19.3 .",
      add="entry:me wgs84:long 180.5 ."),
]


def _graph(snippet: str) -> Graph:
    return Graph().parse(data=PREFIXES + snippet, format="turtle")


NAMESPACES = dict(_graph("").namespaces())


def _expand(name: str) -> URIRef:
    prefix, local = name.split(":", 1)
    return URIRef(str(NAMESPACES[prefix]) + local)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The links shapes alone."""
    return Graph().parse(SHAPES_FILE)


def run(shapes: Graph, remove: str = "", add: str = "") -> ValidationReport:
    """Validate a changed copy of BASE against the links shapes."""
    data = Graph().parse(data=BASE, format="turtle")
    removed = _graph(remove)
    assert all(t in data for t in removed), f"BASE lacks triples to remove: {remove}"
    data -= removed
    data += _graph(add)
    return validate_graph(data, shapes=shapes, ontology=Graph())


def test_base_gives_no_result(shapes: Graph) -> None:
    report = run(shapes)
    assert report.results == [], report.text()


@pytest.mark.parametrize("case", CASES, ids=[f"{k.shape}-{k.component}-{i}" for i, k in enumerate(CASES)])
def test_case_is_reported(shapes: Graph, case: Case) -> None:
    report = run(shapes, case.remove, case.add)
    shape = URIRef(MGSH + case.shape)
    constraint = URIRef(MGSH + case.component)
    if (constraint, RDF.type, SH.SPARQLConstraint) in shapes:
        hits = [r for r in report.results if r.shape == shape and r.constraint == constraint]
    else:
        component = URIRef(f"{SH}{case.component}ConstraintComponent")
        hits = [r for r in report.results if r.shape == shape and r.component == component]
    assert hits, f"no {case.key} result:\n{report.text()}"
    assert any(r.focus_node == _expand(case.focus) for r in hits), report.text()
    assert {r.severity for r in hits} == {case.severity}
    assert not report.conforms


def _expected_keys(shapes: Graph) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for node_shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
        if not any((node_shape, t, None) in shapes for t in TARGETS):
            continue
        for shape in [node_shape, *shapes.objects(node_shape, SH.property)]:
            local = str(shape).removeprefix(MGSH)
            keys |= {(local, name) for parameter, name in PARAMETERS.items() if (shape, parameter, None) in shapes}
            keys |= {(local, str(s).removeprefix(MGSH)) for s in shapes.objects(shape, SH.sparql)}
    return keys


def test_every_constraint_has_a_case(shapes: Graph) -> None:
    expected = _expected_keys(shapes)
    tested = {case.key for case in CASES}
    assert expected - tested == set(), "constraints without a violating example"
    assert tested - expected == set(), "cases for constraints that do not exist"


def test_shapes_are_documented_valid_shacl_and_free_of_data_iris(shapes: Graph) -> None:
    import pyshacl

    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
        assert (shape, RDFS.comment, None) in shapes and (shape, SH.name, None) in shapes, shape
        assert shapes.value(shape, SH.severity) == SH.Violation, shape
    for shape in set(shapes.subjects(RDF.type, SH.PropertyShape)):
        assert (shape, SH.name, None) in shapes and (shape, SH.description, None) in shapes, shape
        assert (shape, SH.message, None) in shapes, shape
    for constraint in set(shapes.subjects(RDF.type, SH.SPARQLConstraint)):
        assert (constraint, SH.message, None) in shapes and (constraint, RDFS.comment, None) in shapes
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=shapes, meta_shacl=True, advanced=True)
    assert conforms, text
    body = SHAPES_FILE.read_text(encoding="utf-8")
    assert "w3id.org/mgkg/id/" not in body and "w3id.org/mgkg/graph/" not in body


@pytest.mark.parametrize(
    "extra",
    [
        "place:me owl:sameAs <http://www.wikidata.org/entity/Q236> .",  # the same item twice is one triple
        "place:me skos:closeMatch wd:Q30 .",  # a near match to a second item is allowed
        "orgs:iom org:identifier \"US-GOV-11\" .",  # several IATI identifiers are allowed
        "st:s1 ps:P1082 \"1000\"^^xsd:decimal .",
        "wd:Q30 wdt:P625 \"Point(-77.0 38.9)\"^^geo:wktLiteral .",
    ],
)
def test_what_is_allowed(shapes: Graph, extra: str) -> None:
    assert run(shapes, add=extra).results == []
