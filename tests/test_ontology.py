"""provml_kg.ontology and the ontology files: parsing, offline imports, HermiT, structural checks."""

from __future__ import annotations

import doctest
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import rdflib

import provml_kg.ontology as ontology
from provml_kg.errors import OntologyError, UnknownFormatError
from provml_kg.resources import ontology_dir, ontology_file
from provml_kg.vocab import MLS, PROV, PROVML

DATA = Path(__file__).parent / "data"
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java on the PATH")

ALL_RDF_FILES = sorted(
    p.relative_to(ontology_dir()).as_posix()
    for p in ontology_dir().rglob("*")
    if p.suffix in {".ttl", ".owl"}
)


@pytest.mark.parametrize("name", ALL_RDF_FILES)
def test_every_ontology_file_parses_with_rdflib_and_pyoxigraph(name: str) -> None:
    path = ontology_file(name)
    fmt = "turtle" if path.suffix == ".ttl" else "xml"
    graph = rdflib.Graph().parse(path, format=fmt)
    assert len(graph) > 0
    assert len(set(ontology.read_triples(path))) == len(graph)


def test_catalog_maps_every_import_to_a_shipped_file() -> None:
    catalog = ontology.read_catalog(ontology_dir() / "catalog-v001.xml")
    for iri in ("http://www.w3.org/ns/prov-o#", "http://www.w3.org/ns/mls#", "https://w3id.org/provml"):
        assert catalog[iri].is_file(), iri


def test_import_closure_is_offline_and_ordered() -> None:
    closure = ontology.import_closure()
    assert [iri for iri, _ in closure] == [
        "http://www.w3.org/ns/prov-o#", "http://www.w3.org/ns/mls#", "https://w3id.org/provml"]
    assert all(path.is_relative_to(ontology_dir()) for _, path in closure)


def test_owl_rendition_holds_the_same_triples_as_the_turtle_source() -> None:
    assert ontology.same_graph(ontology_file("provml.ttl"), ontology_file("provml.owl"))
    assert ontology.same_graph(ontology_file("imports/mls.ttl"), ontology_file("imports/mls.owl"))
    assert not ontology.same_graph(ontology_file("imports/mls.ttl"), ontology_file("provml.owl"))


def test_vendored_imports_are_unmodified_copies() -> None:
    reference = Path(__file__).resolve().parents[2] / "shared" / "reference"
    if not reference.is_dir():
        pytest.skip("../shared/reference is not beside this checkout")
    for name in ("prov-o.ttl", "prov-o.owl", "mls.ttl"):
        assert ontology_file(f"imports/{name}").read_bytes() == (reference / name).read_bytes(), name


def test_header_has_iri_version_imports_and_metadata() -> None:
    g = rdflib.Graph().parse(ontology_file("provml.ttl"))
    onto = rdflib.URIRef("https://w3id.org/provml")
    owl, dct = rdflib.OWL, rdflib.namespace.DCTERMS
    assert (onto, rdflib.RDF.type, owl.Ontology) in g
    assert g.value(onto, owl.versionIRI) is not None
    assert set(g.objects(onto, owl.imports)) == {
        rdflib.URIRef("http://www.w3.org/ns/prov-o#"), rdflib.URIRef("http://www.w3.org/ns/mls#")}
    for prop in (dct.title, dct.description, dct.license, dct.creator, dct.hasVersion):
        assert g.value(onto, prop) is not None, prop


def test_every_provml_class_specialises_prov_and_mls_where_it_has_a_counterpart() -> None:
    store = ontology.load_ontology()
    counterparts = {"Study": "Study", "LearningExperiment": "Experiment", "Algorithm": "Algorithm",
                    "LearningTask": "Task", "Model": "Model", "ModelEvaluation": "ModelEvaluation",
                    "EvaluationMeasure": "EvaluationMeasure", "EvaluationProcedure": "EvaluationProcedure",
                    "Feature": "Feature", "FeatureSetData": "Dataset",
                    "DatasetCharacteristic": "DatasetCharacteristic",
                    "LearningHyperparameter": "HyperParameter", "ModelHyperparameter": "HyperParameter",
                    "LearningHyperparameterValue": "HyperParameterSetting",
                    "ModelHyperparameterValue": "HyperParameterSetting", "LearningStageExecution": "Run"}
    for local, mls_local in counterparts.items():
        ask = f"ASK {{ <{PROVML[local].value}> <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ <{MLS[mls_local].value}> }}"
        assert store.query(ask, use_default_graph_as_union=True), local
    for plan in ("Workflow", "DataTransformation", "Study", "LearningExperiment", "Training", "LearningStageSection"):
        ask = f"ASK {{ <{PROVML[plan].value}> <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ <{PROV.Plan.value}> }}"
        assert store.query(ask, use_default_graph_as_union=True), plan


def test_structural_checks_pass_on_provml() -> None:
    report = ontology.check(reasoner=False)
    assert report.problems == []
    assert report.counts["classes"] == sum(1 for t in PROVML.terms if t[0].isupper())


def write_broken(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "broken.ttl"
    path.write_text(textwrap.dedent("""\
        @prefix provml: <https://w3id.org/provml#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix ex: <https://example.org/x#> .
        <https://example.org/x> a owl:Ontology ; owl:imports <https://w3id.org/provml> .
        """) + textwrap.dedent(body))
    return path


def test_structural_checks_find_missing_labels_ancestors_and_undeclared_terms(tmp_path: Path) -> None:
    path = write_broken(tmp_path, """\
        ex:Orphan a owl:Class .
        ex:Cube a owl:Class ; rdfs:subClassOf provml:DataRefrence ;
            rdfs:label "cube" ; rdfs:comment "a seismic cube" .
        """)
    report = ontology.check(path, reasoner=False)
    found = {(p.check, p.subject) for p in report.problems}
    assert ("label", "https://example.org/x#Orphan") in found
    assert ("comment", "https://example.org/x#Orphan") in found
    assert ("prov-ancestor", "https://example.org/x#Orphan") in found
    assert ("undeclared", "https://w3id.org/provml#DataRefrence") in found
    assert not report.ok


def test_unresolvable_import_is_a_problem_not_a_network_call(tmp_path: Path) -> None:
    path = tmp_path / "lonely.ttl"
    path.write_text("<https://example.org/l> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
                    "  <http://www.w3.org/2002/07/owl#imports> <https://example.org/nowhere> .\n")
    report = ontology.check(path, reasoner=False)
    assert [p.check for p in report.problems] == ["imports"]
    assert "https://example.org/nowhere" in report.problems[0].message
    with pytest.raises(OntologyError, match="no catalog maps"):
        ontology.import_closure(path)


def test_serialize_ontology_formats_round_trip() -> None:
    triples = set(ontology.merged_triples())
    for fmt, rdflib_format in (("ttl", "turtle"), ("owl", "xml"), ("nt", "nt")):
        graph = rdflib.Graph().parse(data=ontology.serialize_ontology(fmt), format=rdflib_format)
        assert len(graph) == len(triples), fmt
    with pytest.raises(UnknownFormatError, match="'jsonld'.*ttl, owl, nt"):
        ontology.serialize_ontology("jsonld")


@needs_java
def test_hermit_finds_provml_consistent() -> None:
    report = ontology.check()
    assert report.consistent is True
    assert report.reasoner == "HermiT"
    assert report.ok, report.problems


@needs_java
def test_instance_graph_is_consistent_and_classified_under_prov_and_mls() -> None:
    world, onto = ontology.load_owlready(DATA / "instances.ttl")
    consistent, unsatisfiable, _ = ontology.run_hermit(world)
    assert consistent and unsatisfiable == []

    def types_of(local: str) -> set[str]:
        individual = world[f"https://example.org/run1/{local}"]
        return {c.iri for c in individual.INDIRECT_is_a if hasattr(c, "iri")}

    assert {PROV.Activity.value, MLS.Run.value, PROVML.LearningStageExecution.value} <= types_of("trainingRun")
    assert {PROV.Entity.value, MLS.Model.value} <= types_of("model")
    assert {PROV.Entity.value, MLS.ModelEvaluation.value} <= types_of("eval0")
    assert {PROV.Entity.value, MLS.HyperParameterSetting.value} <= types_of("lrValue")
    assert {PROV.Entity.value, MLS.Dataset.value, MLS.Data.value} <= types_of("trainSet")
    assert {PROV.Plan.value, MLS.Study.value} <= types_of("study")
    assert {PROV.Activity.value} <= types_of("epoch0")
    # the implementation a run executes is the plan it followed (alignment: mls:Implementation < prov:Plan)
    assert PROV.Plan.value in types_of("sklearnMLP")


@needs_java
def test_hermit_catches_an_entity_that_is_also_an_activity(tmp_path: Path) -> None:
    broken = tmp_path / "clash.ttl"
    broken.write_text((DATA / "instances.ttl").read_text()
                      + "\n:model a provml:TrainingExecution .\n")
    world, _ = ontology.load_owlready(broken)
    consistent, _, _ = ontology.run_hermit(world)
    assert consistent is False


@needs_java
def test_owlready2_loads_provml_owl_offline_from_the_local_folder(tmp_path: Path) -> None:
    """As Protégé would with the catalog: only the ontology folder on owlready2's path, no network."""
    script = tmp_path / "offline.py"
    script.write_text(textwrap.dedent("""\
        import socket, sys, urllib.request
        def refuse(*args, **kwargs):
            raise OSError("network disabled by the test")
        class NoNetwork(socket.socket):
            def connect(self, *args, **kwargs):
                refuse()
        socket.socket = NoNetwork
        socket.create_connection = refuse
        urllib.request.urlopen = refuse
        import owlready2
        folder = sys.argv[1]
        owlready2.onto_path[:] = [folder, folder + "/imports"]
        onto = owlready2.get_ontology("file://" + folder + "/provml.owl").load()
        print(sorted(o.base_iri for o in onto.imported_ontologies))
        ancestors = {c.iri for c in onto.TrainingExecution.ancestors() if hasattr(c, "iri")}
        print("http://www.w3.org/ns/mls#Run" in ancestors, "http://www.w3.org/ns/prov#Activity" in ancestors)
        owlready2.sync_reasoner_hermit(infer_property_values=False, debug=0)
        print("consistent")
        """))
    done = subprocess.run([sys.executable, str(script), str(ontology_dir())],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == ["['http://www.w3.org/ns/mls#', 'http://www.w3.org/ns/prov-o#']", "True True", "consistent"]


def test_docstring_examples() -> None:
    failures, tried = doctest.testmod(ontology)
    assert tried > 0 and failures == 0


@needs_java
def test_seismic_domain_ontology_passes_the_same_checks() -> None:
    seismic = ontology_file("domains/seismic.ttl")
    closure = [iri for iri, _ in ontology.import_closure(seismic)]
    assert closure[-2:] == ["https://w3id.org/provml", "https://w3id.org/provml/domains/seismic"]
    local_catalog = ontology.read_catalog(seismic.parent / "catalog-v001.xml")
    assert all(path.is_file() for path in local_catalog.values())
    report = ontology.check(seismic)
    assert report.ok, report.problems
    assert report.consistent is True


def test_seismic_classes_specialise_provml_domain_data() -> None:
    store = ontology.load_ontology(path=ontology_file("domains/seismic.ttl"))
    seismic = "https://w3id.org/provml/domains/seismic#"
    for local in ("SeismicCube", "SeismicSlice", "Survey", "StructureLabels"):
        assert store.query(
            f"ASK {{ <{seismic}{local}> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{PROVML.DataReference.value}> }}",
            use_default_graph_as_union=True), local
    assert store.query(
        f"ASK {{ <{seismic}inlineMin> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> <{PROVML.dataAttribute.value}> }}",
        use_default_graph_as_union=True)
