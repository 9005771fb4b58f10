"""The Oxigraph engine (shapes compiled to SPARQL) gives what pySHACL gives.

Compared for every case of tests/test_shapes.py and tests/test_link_shapes.py, for the built graph and for
200 synthetic projects with violations put in: the set of results as (focus node, result path, value,
constraint component, SPARQL constraint, severity), and their messages. Then what the compiler refuses, the
fallback of engine="auto", and the two known differences (pattern `$` before a final newline; literals
Oxigraph stores differently, which make "auto" use pySHACL).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import test_link_shapes as links
import test_shapes as core
from click.testing import CliRunner
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH, NamespaceManager

from graph.cli.commands import cli
from graph.core.namespaces import MGKG
from graph.shacl.compile import compile_shapes
from graph.shacl.report import ValidationReport, path_text
from graph.shacl.validate import UnsupportedShapes, load_shapes, validate_dataset, validate_graph, validate_store
from graph.store import EmbeddedStore
from graph.synth.generate import Synthesizer
from graph.synth.write import write

MGSH = Namespace("https://w3id.org/mgkg/shapes#")
Key = tuple[object, str, object, object, object, str, str]


def keys(report: ValidationReport) -> set[Key]:
    """Each result as (focus, path as text, value, component, constraint, severity, message).

    Blank nodes compare as "_:" (pySHACL copies blank focus nodes and values into its report graph).
    """
    nsm = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")

    def term(node: object) -> object:
        return "_:" if isinstance(node, BNode) else node

    return {
        (term(r.focus_node), path_text(report.graph, r.path, nsm), term(r.value), r.component, r.constraint,
         r.severity, r.message)
        for r in report.results
    }


def same(fast: ValidationReport, slow: ValidationReport) -> None:
    """Assert the two engines found the same results with the same messages, and agree on conformance."""
    assert keys(fast) - keys(slow) == set(), "only the Oxigraph engine reports these"
    assert keys(slow) - keys(fast) == set(), "only pySHACL reports these"
    assert fast.conforms == slow.conforms


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """mgkg's shapes."""
    return load_shapes()


@pytest.fixture(scope="module")
def base() -> Graph:
    """tests/test_shapes.py's valid fixture with its ontology."""
    g = Graph().parse(core.DATA / "valid.ttl")
    g.parse(core.DATA / "ontology-min.ttl")
    return g


def changed(base: Graph, case: core.Case, parse: object) -> Graph:
    """A copy of `base` with the case's triples removed and added (`parse` reads a Turtle snippet)."""
    g = Graph()
    g += base
    g -= parse(case.remove)  # type: ignore[operator]
    g += parse(case.add)  # type: ignore[operator]
    return g


@pytest.mark.parametrize("case", core.CASES, ids=[f"{c.shape}-{c.component}-{i}" for i, c in enumerate(core.CASES)])
def test_shape_cases_agree(shapes: Graph, base: Graph, case: core.Case) -> None:
    data = changed(base, case, core._triples)
    fast = validate_graph(data, shapes=shapes, ontology=Graph(), engine="oxigraph")
    same(fast, validate_graph(data, shapes=shapes, ontology=Graph(), engine="pyshacl"))
    assert fast.results, "the case is reported"


@pytest.mark.parametrize("case", links.CASES, ids=[f"{c.shape}-{c.component}-{i}" for i, c in enumerate(links.CASES)])
def test_link_cases_agree(case: core.Case) -> None:
    shapes = Graph().parse(links.SHAPES_FILE)
    data = changed(Graph().parse(data=links.BASE, format="turtle"), case, links._graph)
    fast = validate_graph(data, shapes=shapes, ontology=Graph(), engine="oxigraph")
    same(fast, validate_graph(data, shapes=shapes, ontology=Graph(), engine="pyshacl"))
    assert fast.results


def test_valid_data_agree(shapes: Graph, base: Graph) -> None:
    fast = validate_graph(base, shapes=shapes, ontology=Graph(), engine="oxigraph")
    same(fast, validate_graph(base, shapes=shapes, ontology=Graph(), engine="pyshacl"))
    assert fast.results == []


def test_built_graph_agrees(built: Dataset) -> None:
    fast = validate_dataset(built, engine="oxigraph")
    same(fast, validate_dataset(built, engine="pyshacl"))
    assert fast.no_violations and fast.warnings and not fast.conforms


def test_store_is_validated_as_its_dataset(store: EmbeddedStore, built: Dataset) -> None:
    assert keys(validate_store(store.raw, engine="oxigraph")) == keys(validate_dataset(built, engine="oxigraph"))


# ------------------------------------------------------------------ synthetic data with violations


def inject(data: Dataset) -> None:
    """Put a violation of many kinds into synthetic data (in place)."""

    def first(predicate: URIRef, obj: object = None) -> URIRef:
        return sorted(s for s, _, _, _ in data.quads((None, predicate, obj, None)))[0]  # type: ignore[arg-type]

    def graph_of(node: URIRef) -> URIRef:
        return sorted(g for _, _, _, g in data.quads((node, None, None, None)))[0]  # type: ignore[arg-type]

    def add(s: object, p: object, o: object, g: object = None) -> None:
        data.add((s, p, o, data.graph(g or graph_of(s))))  # type: ignore[arg-type]

    def drop(s: object, p: object, o: object = None) -> None:
        assert s is not None
        for quad in list(data.quads((s, p, o, None))):  # type: ignore[arg-type]
            data.remove(quad)

    project, participation = first(RDF.type, MGKG.Project), first(RDF.type, MGKG.Participation)
    amount, place = first(RDF.type, MGKG.MonetaryAmount), first(RDF.type, MGKG.Country)
    ministry = first(RDF.type, MGKG.Ministry)
    drop(project, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))  # MinCount
    add(project, MGKG.benefitingCountry, Literal("Montenegro"))  # Class on a literal
    add(project, MGKG.endDate, Literal("1990", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear")))  # SPARQL
    drop(participation, MGKG.participant)
    add(participation, MGKG.participant, place)  # Or
    drop(amount, MGKG.currency)
    add(amount, MGKG.currency, Literal("usd"))  # Pattern, In
    add(amount, MGKG.amountValue, Literal("-3.50", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")))
    add(ministry, RDF.type, MGKG.GovernmentAgency)  # Not
    add(place, URIRef("http://www.w3.org/2002/07/owl#sameAs"), URIRef("https://www.wikidata.org/wiki/Q236"))
    source_graphs = sorted(s for s, _, _, _ in data.quads((None, RDF.type, MGKG.SourceGraph, None)))
    drop(source_graphs[1], RDF.type, MGKG.SourceGraph)  # its entities are stated in no source graph
    derived = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
    document = next(o for _, _, o, _ in data.quads((source_graphs[2], derived, None, None)))
    drop(document, RDF.type)  # a source graph not derived from a source document: two hops away
    orphan = URIRef(str(project) + "-orphan")
    add(orphan, RDF.type, MGKG.Project, URIRef("https://w3id.org/mgkg/graph/not-a-source"))  # statedIn nothing


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """200 synthetic projects with violations of many kinds."""
    path = tmp_path_factory.mktemp("engine") / "synth.nq"
    write(Synthesizer(200, 5), path)
    data = Dataset()
    data.parse(path, format="nquads")
    inject(data)
    return data


def test_synthetic_data_with_violations_agree(synthetic: Dataset) -> None:
    fast = validate_dataset(synthetic, engine="oxigraph")
    same(fast, validate_dataset(synthetic, engine="pyshacl"))
    found = {(str(r.shape).rsplit("#", 1)[-1], str(r.component).rsplit("#", 1)[-1]) for r in fast.violations}
    for expected in [
        ("Labelled", "MinCountConstraintComponent"), ("Project-benefitingCountry", "ClassConstraintComponent"),
        ("TimeSpanShape", "SPARQLConstraintComponent"), ("Participation-participant", "OrConstraintComponent"),
        ("CurrencyCode", "PatternConstraintComponent"), ("MinistryShape", "NotConstraintComponent"),
        ("MonetaryAmount-amountValue", "MinInclusiveConstraintComponent"),
        ("ExternalLinkShape", "SPARQLConstraintComponent"),
        ("StatedInSource", "MinCountConstraintComponent"), ("StatedInSource", "QualifiedMinCountConstraintComponent"),
    ]:
        assert expected in found
    values = {r.value for r in fast.results if r.shape == MGSH["MonetaryAmount-amountValue"]}
    assert Literal("-3.50", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")) in values  # as written


# ------------------------------------------------------------------ refusals, fallback, differences

UNSUPPORTED = [
    "sh:closed true",
    "sh:property [ sh:path ex:p ; sh:equals ex:q ]",
    "sh:property [ sh:path ex:p ; sh:lessThan ex:q ]",
    "sh:property [ sh:path ex:p ; sh:pattern '(?=a)b' ]",
    "sh:target [ a sh:SPARQLTarget ; sh:select 'SELECT ?this WHERE { ?this ?p ?o }' ]",
    "sh:sparql [ sh:select 'SELECT $this WHERE { $this ?p ?o } GROUP BY $this HAVING (COUNT(?o) > 1)' ]",
]


@pytest.mark.parametrize("extra", UNSUPPORTED)
def test_unsupported_features_are_refused_and_auto_uses_pyshacl(extra: str) -> None:
    shapes = Graph().parse(
        data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:Self a sh:NodeShape ; sh:targetClass ex:C ; {extra} .""",
        format="turtle",
    )
    with pytest.raises(UnsupportedShapes):
        compile_shapes(shapes)
    data = Graph().parse(data="<http://example.org/a> a <http://example.org/C> .", format="turtle")
    with pytest.raises(UnsupportedShapes):
        validate_graph(data, shapes=shapes, ontology=Graph(), engine="oxigraph")
    report = validate_graph(data, shapes=shapes, ontology=Graph())  # auto: pySHACL
    assert (None, RDF.type, SH.ValidationReport) in report.graph


def test_recursive_shapes_are_refused() -> None:
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:node ex:S ] .""",
        format="turtle",
    )
    with pytest.raises(UnsupportedShapes, match="recursive"):
        compile_shapes(shapes)


def test_supported_components_beyond_mgkg_shapes_agree() -> None:
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:targetNode ex:absent ;
            sh:xone ( [ sh:path ex:p ; sh:minCount 2 ] [ sh:path ex:q ; sh:minCount 1 ] ) ;
            sh:property [ sh:path ex:p ; sh:maxLength 3 ; sh:minLength 2 ; sh:maxExclusive 100 ] ,
                [ sh:path ( ex:r ex:p ) ; sh:minCount 1 ; sh:hasValue "ab" ] ,
                [ sh:path [ sh:zeroOrMorePath ex:r ] ; sh:and ( [ sh:nodeKind sh:IRI ] [ sh:pattern "^http" ] ) ] ,
                [ sh:path ex:p ; sh:qualifiedValueShape [ sh:datatype xsd:string ] ; sh:qualifiedMaxCount 1 ] .
        ex:T a sh:NodeShape ; sh:targetObjectsOf ex:r ; sh:maxInclusive 5 ; sh:minExclusive 0 .""",
        format="turtle",
    )
    data = Graph().parse(
        data="""@prefix ex: <http://example.org/> .
        ex:a ex:p "ab", "abcd", 7 ; ex:r ex:b . ex:b ex:p "ab" ; ex:r _:x . _:x ex:p "z" .""",
        format="turtle",
    )
    fast = validate_graph(data, shapes=shapes, ontology=Graph(), engine="oxigraph")
    same(fast, validate_graph(data, shapes=shapes, ontology=Graph(), engine="pyshacl"))
    assert {str(r.component).rsplit("#", 1)[-1] for r in fast.results} >= {
        "XoneConstraintComponent", "MaxLengthConstraintComponent", "MinLengthConstraintComponent",
        "QualifiedMaxCountConstraintComponent", "MinCountConstraintComponent", "MaxInclusiveConstraintComponent",
    }
    assert any(isinstance(r.focus_node, BNode) for r in fast.results)


def test_pattern_end_anchor_is_xpath_not_python(shapes: Graph, base: Graph) -> None:
    """Known difference: Python's `$` also matches before a final newline, XPath's (SHACL's) does not."""
    data = Graph()
    data += base
    data += core._triples('prj:p2 mgkg:projectsId "TC.0287\\n" .')
    fast = validate_graph(data, shapes=shapes, ontology=Graph(), engine="oxigraph")
    slow = validate_graph(data, shapes=shapes, ontology=Graph(), engine="pyshacl")
    assert [r.component for r in fast.results] == [SH.PatternConstraintComponent]
    assert slow.results == []


@pytest.mark.parametrize(
    "triple",
    [
        'prj:tranche mgkg:trancheNumber "2"^^xsd:positiveInteger .',
        'prj:tranche mgkg:isFinalTranche "yes"^^xsd:boolean .',
    ],
)
def test_literals_oxigraph_stores_differently_make_auto_use_pyshacl(shapes: Graph, base: Graph, triple: str) -> None:
    data = Graph()
    data += base
    data -= core._triples("prj:tranche mgkg:trancheNumber 2 . prj:tranche mgkg:isFinalTranche true .")
    data += core._triples(triple)
    slow = validate_graph(data, shapes=shapes, ontology=Graph(), engine="pyshacl")
    assert [r.component for r in slow.results] == [SH.DatatypeConstraintComponent]
    assert keys(validate_graph(data, shapes=shapes, ontology=Graph())) == keys(slow)
    assert validate_graph(data, shapes=shapes, ontology=Graph(), engine="oxigraph").results == []


def test_unknown_engine_is_an_error(base: Graph) -> None:
    with pytest.raises(ValueError, match="unknown validation engine"):
        validate_graph(base, engine="fast")  # type: ignore[arg-type]


def test_the_report_graph_reads_back_as_the_results(synthetic: Dataset) -> None:
    fast = validate_dataset(synthetic, engine="oxigraph")
    again = Graph().parse(data=fast.serialize("turtle"), format="turtle")
    results = list(again.objects(None, SH.result))
    assert len(results) == len(fast.results)
    assert list(again.objects(None, SH.conforms)) == [Literal(False)]
    store = ox.Store()
    store.load(fast.serialize("nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == len(again)


def test_mgkg_validate_takes_an_engine(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        core.PREFIXES + 'prj:x a mgkg:Project ; mgkg:projectsId "TC0287" ; mgkg:endDate "2010"^^xsd:gYear .\n',
        encoding="utf-8",
    )
    outputs = []
    for engine in ("oxigraph", "pyshacl"):
        result = CliRunner().invoke(cli, ["validate", "--engine", engine, str(bad)], catch_exceptions=False)
        assert result.exit_code == 1, result.output
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith("conforms: false (") and "TC.0287" in outputs[0]
    refused = CliRunner().invoke(cli, ["validate", "--engine", "fast", str(bad)])
    assert refused.exit_code == 2
