"""The class groups a readable export writes its subjects in: documents first, then organisations, projects …

A subject goes to the first group one of its classes (or their superclasses in the packaged ontology) falls in;
a subject of no group's class goes last, under "other subjects".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from rdflib import RDFS, Graph, URIRef

from graph.core import resources
from graph.core.files import parse_graph
from graph.core.namespaces import MGKG, MORE_VOCABULARIES, STANDARD


def _iris(*names: str) -> frozenset[URIRef]:
    known = {**STANDARD, **MORE_VOCABULARIES, "mgkg": str(MGKG)}
    return frozenset(URIRef(known[name.split(":")[0]] + name.split(":")[1]) for name in names)


GROUPS: tuple[tuple[str, frozenset[URIRef]], ...] = (
    ("documents", _iris("mgkg:SourceDocument", "foaf:Document")),
    ("source graphs", _iris("mgkg:SourceGraph")),
    ("organisations", _iris("mgkg:Organization", "org:Organization", "foaf:Organization")),
    ("funding instruments", _iris("mgkg:FundingInstrument")),
    ("projects and programmes", _iris("mgkg:Project")),
    ("participations", _iris("mgkg:Participation")),
    ("places", _iris("mgkg:Place")),
    ("addresses and contact points", _iris("mgkg:Address", "mgkg:ContactPoint", "vcard:Address", "vcard:Kind")),
    ("events", _iris("mgkg:Event")),
    ("observations", _iris("mgkg:Observation")),
    ("amounts", _iris("mgkg:MonetaryAmount")),
    ("datasets and graphs", _iris("void:Dataset", "prov:Entity")),
    ("link records", _iris("rdf:Statement")),
    ("ontology", _iris("owl:Ontology")),
    ("classes", _iris("owl:Class", "rdfs:Class", "rdfs:Datatype")),
    ("properties", _iris("rdf:Property", "owl:ObjectProperty", "owl:DatatypeProperty", "owl:AnnotationProperty")),
    ("concept schemes", _iris("skos:ConceptScheme")),
    ("concepts", _iris("skos:Concept")),
    ("shapes", _iris("sh:NodeShape", "sh:PropertyShape")),
)
"""Group headings in writing order, each with the classes whose instances (and subclasses') it holds."""

OTHER = "other subjects"
"""The heading of the subjects of no group."""


@cache
def superclasses() -> Mapping[URIRef, frozenset[URIRef]]:
    """Each class of the packaged ontology → itself and all its superclasses (rdfs:subClassOf, transitively)."""
    ontology = Graph()
    for path in resources.ontology_files():
        ontology += parse_graph(path)
    direct: dict[URIRef, set[URIRef]] = {}
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct.setdefault(sub, set()).add(sup)
    closed: dict[URIRef, frozenset[URIRef]] = {}
    for cls in direct:
        seen, todo = {cls}, [cls]
        while todo:
            for sup in direct.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        closed[cls] = frozenset(seen)
    return closed


def group_of(types: Iterable[URIRef], classes: Mapping[URIRef, frozenset[URIRef]] | None = None) -> tuple[int, str]:
    """(rank, heading) of the group a subject with rdf:types `types` is written in."""
    table = superclasses() if classes is None else classes
    expanded: set[URIRef] = set()
    for cls in types:
        expanded |= table.get(cls, frozenset((cls,)))
    for rank, (heading, members) in enumerate(GROUPS):
        if expanded & members:
            return rank, heading
    return len(GROUPS), OTHER
