"""The build: one named graph per document, provenance, conformance, rebasing, located errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from graph.build import NonConformingError, build_dataset, load_dataset, source_files, write_store
from graph.core.files import DataFileError
from graph.core.namespaces import MGKG, graph_iri
from graph.core.resources import sources_dir
from graph.store import StoreError, open_store, spec_kind

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
STEMS = [
    "000_b68a0693b93220c3", "001_92490fab1da5f5ad", "002_7533f10130e28a2e",
    "003_cfcd86acf525643f", "004_81297e5f5f16a297",
]
PRJ = "https://w3id.org/mgkg/id/project/"


def graph_names(dataset: Dataset) -> set[str]:
    """Names of the non-empty named graphs."""
    return {str(g.identifier) for g in dataset.graphs() if isinstance(g.identifier, URIRef) and len(g)}


def test_one_named_graph_per_document_plus_provenance_curation_ontology(built: Dataset) -> None:
    sources = ("coco", "countryinfo", "geonames", "iati", "pycountry")  # test_enrich_offline
    enrichment = [f"enrichment/{source}" for source in sources]
    special = ["provenance", "curation", "links", "enrichment", *enrichment, "ontology", "derived"]
    expected = {str(graph_iri(s)) for s in [*STEMS, *special]}
    assert graph_names(built) == expected


def test_every_document_graph_is_described_with_prov_and_dcterms(built: Dataset) -> None:
    provenance = built.graph(graph_iri("provenance"))
    for stem in STEMS:
        source_graph = graph_iri(stem)
        assert (source_graph, RDF.type, MGKG.SourceGraph) in provenance
        document = provenance.value(source_graph, PROV.wasDerivedFrom)
        assert document is not None, stem
        assert (document, RDF.type, MGKG.SourceDocument) in provenance
        for prop in (DCTERMS.title, DCTERMS.publisher, DCTERMS.language):
            assert provenance.value(document, prop) is not None, (stem, prop)
        seed = provenance.value(document, MGKG.seedFile)
        assert seed == Literal(f"{stem}.txt")


def test_seed_files_named_in_provenance_exist() -> None:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds not beside the checkout")
    assert sorted(p.stem for p in SEEDS.glob("*.txt")) == STEMS


def test_built_graph_conforms() -> None:
    _, report = build_dataset()
    assert report.no_violations, report.text()


def test_at_least_13_projects_and_no_blank_node_entities(built: Dataset) -> None:
    rows = built.query(
        """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {
             GRAPH ?o { ?c rdfs:subClassOf* mgkg:Project } GRAPH ?g { ?p a ?c } }""",
        initNs={"mgkg": MGKG, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
    )
    assert int(next(iter(rows))[0]) >= 13  # type: ignore[index]
    ontology = graph_iri("ontology")
    for s, _, _, g in built.quads((None, None, None, None)):
        if g != ontology:
            assert not isinstance(s, BNode), f"blank node subject in {g}"


def test_disagreeing_addresses_are_both_kept_with_their_source(built: Dataset) -> None:
    older = built.graph(graph_iri(STEMS[0]))
    newer = built.graph(graph_iri(STEMS[1]))
    street = URIRef("http://www.w3.org/2006/vcard/ns#street-address")
    assert "Bulevar Dzordza Vasingtona 3/45" in {str(o) for o in older.objects(None, street)}
    assert "Stanka Dragojevica bb" in {str(o) for o in newer.objects(None, street)}


def test_tc0287_budget_and_dates_with_their_precision(built: Dataset) -> None:
    page = built.graph(graph_iri(STEMS[3]))
    project = URIRef(PRJ + "tc-0287")
    assert page.value(project, MGKG.projectsId) == Literal("TC.0287")
    assert page.value(project, MGKG.startDate) == Literal("2009", datatype=XSD.gYear)
    assert page.value(project, MGKG.endDate) == Literal("2010", datatype=XSD.gYear)
    budget = page.value(project, MGKG.budget)
    assert page.value(budget, MGKG.currency) == Literal("USD")
    assert float(page.value(budget, MGKG.amountValue)) == 40000.0  # type: ignore[arg-type]


def test_rebase_moves_data_and_graph_iris_only() -> None:
    base = "http://example.org/kg/"
    dataset, report = build_dataset(base)
    assert report.no_violations, report.text()
    assert graph_names(dataset) >= {base + "graph/" + s for s in STEMS}
    terms = {t for q in dataset.quads((None, None, None, None)) for t in q[:3] if isinstance(t, URIRef)}
    assert not [t for t in terms if t.startswith(("https://w3id.org/mgkg/id/", "https://w3id.org/mgkg/graph/"))]
    assert URIRef(base + "id/project/tc-0287") in terms
    assert MGKG.Project in terms  # the ontology is not rebased


def copy_sources(tmp_path: Path) -> Path:
    """A writable copy of the curated sources."""
    folder = tmp_path / "sources"
    shutil.copytree(sources_dir(), folder, ignore=shutil.ignore_patterns(".*"))
    return folder


def test_malformed_source_names_file_and_line(tmp_path: Path) -> None:
    folder = copy_sources(tmp_path)
    target = folder / f"{STEMS[2]}.ttl"
    lines = target.read_text(encoding="utf-8").splitlines()
    lines.insert(40, 'prj:broken mgkg:acronym "no closing quote .')
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_dataset(folder=folder)
    message = str(caught.value)
    assert message.startswith(f"{target}:41:"), message
    assert "\n" not in message


def test_non_conforming_source_is_refused_with_file_and_entity(tmp_path: Path) -> None:
    folder = copy_sources(tmp_path)
    target = folder / f"{STEMS[3]}.ttl"
    text = target.read_text(encoding="utf-8").replace('"TC.0287"', '"TC-287"')
    target.write_text(text, encoding="utf-8")
    with pytest.raises(NonConformingError) as caught:
        build_dataset(folder=folder)
    assert any(
        line.startswith(str(target)) and "prj:tc-0287" in line and "mgkg:projectsId" in line
        for line in caught.value.located
    ), caught.value.located


def test_source_files_map_documents_to_their_graphs() -> None:
    mapping = {s.path.name: str(s.graph) for s in source_files()}
    assert mapping["documents.ttl"].endswith("/graph/provenance")
    assert mapping["curation.ttl"].endswith("/graph/curation")
    for stem in STEMS:
        assert mapping[f"{stem}.ttl"] == str(graph_iri(stem))


def test_write_store_replaces_an_on_disk_store_whole(tmp_path: Path, built: Dataset) -> None:
    spec = f"oxigraph:{tmp_path / 'store'}"
    small = Dataset()
    small.graph(graph_iri("curation")).add((URIRef(PRJ + "x"), MGKG.acronym, Literal("X")))
    write_store(small, spec)
    write_store(built, spec)
    store = open_store(spec)
    try:
        assert len(store) == len(list(built.quads((None, None, None, None))))
        assert not store.select(f"SELECT * WHERE {{ <{PRJ}x> ?p ?o }}")
    finally:
        store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".store.build-lock", "generations", "store"]
    assert (tmp_path / "store").is_symlink() and len(list((tmp_path / "generations").iterdir())) == 2


@pytest.mark.parametrize(
    ("spec", "kind"),
    [("memory", ("memory", "")), ("oxigraph:data/store", ("oxigraph", "data/store")),
     ("sparql:http://h/q;http://h/u", ("sparql", "http://h/q;http://h/u"))],
)
def test_spec_kind_names_the_store_a_spec_opens(spec: str, kind: tuple[str, str]) -> None:
    assert spec_kind(spec) == kind


@pytest.mark.parametrize("spec", ["oxigraph:", "sparql:", "postgres:x", "memory:x", ""])
def test_a_spec_of_no_known_kind_is_a_store_error(spec: str) -> None:
    with pytest.raises(StoreError, match="unknown store"):
        spec_kind(spec)
    with pytest.raises(StoreError, match="unknown store"):
        open_store(spec)
