"""PROV interoperability: PROV-JSON / PROV-N export through `prov`, PROV-O RDF import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import prov.model as pm
import pytest
from pyoxigraph import BlankNode, NamedNode, Store

from provml_kg import graph, interop
from provml_kg.errors import EventValidationError, InputError, UnknownFormatError
from provml_kg.graph import DATA_BASE, workflow_graph
from provml_kg.vocab import sparql_prefixes

FOREIGN_TTL = """
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix ex:   <http://example.org/lab#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .

ex:survey-2019 a prov:Entity .
ex:cleaned prov:wasRevisionOf ex:survey-2019 .
ex:cleaning
    prov:startedAtTime "2019-05-01T10:00:00Z"^^xsd:dateTime ;
    prov:qualifiedUsage [ a prov:Usage ; prov:entity ex:cleaned ; prov:hadRole ex:input ] ;
    prov:generated ex:report ;
    prov:qualifiedAssociation [ a prov:Association ; prov:agent ex:carla ; prov:hadPlan ex:sop-7 ] .
ex:carla a prov:Person .
ex:figure prov:wasDerivedFrom ex:report ;
    prov:qualifiedGeneration [ a prov:Generation ; prov:activity ex:plotting ] .
"""


@pytest.fixture
def kg(lifecycle_events: list[dict[str, Any]]) -> Store:
    return graph.build_graph(lifecycle_events)


def rows(store: Store, query: str) -> list[tuple[str, ...]]:
    result = store.query(sparql_prefixes() + query, use_default_graph_as_union=True)
    return sorted(tuple(term.value for term in row) for row in result)


def records(doc: Any, cls: type) -> list[Any]:
    return list(doc.get_records(cls))


# ---------------------------------------------------------------- export
def test_prov_json_round_trip(kg: Store) -> None:
    doc = interop.to_prov_document(kg, "wf-training")
    text = interop.serialize(doc, "json")
    assert json.loads(text)["prefix"]["id"] == DATA_BASE
    back = pm.ProvDocument.deserialize(content=text, format="json")
    assert back == doc
    assert len(records(back, pm.ProvActivity)) == 8  # workflow, 2 ranks, task, 2 stages, 2 epochs
    assert len(records(back, pm.ProvAgent)) == 6  # ana, n01, n02, python, 2 packages
    names = {str(r.identifier) for r in records(back, pm.ProvEntity)}
    assert {"id:entity/model-mlp-1", "id:stage/training/train-mlp",
            "id:evaluation/wf-training/0/18"} <= names
    used = records(back, pm.ProvUsage)
    assert len(used) == 10  # 2x data + 1 model + 1 test set + 6 hyperparameter settings
    generations = {(str(g.formal_attributes[0][1]), str(g.formal_attributes[1][1]))
                   for g in records(back, pm.ProvGeneration)}
    assert ("id:entity/model-mlp-1", "id:execution/wf-training/train-1") in generations


def test_prov_n_text(kg: Store) -> None:
    text = interop.export_workflow(kg, "wf-training", "provn")
    assert text.startswith("document\n") and text.rstrip().endswith("endDocument")
    assert "prefix id <https://w3id.org/provml/id/>" in text
    assert ("activity(id:execution/wf-training/train-1, 2024-11-22T08:01:41+00:00, "
            "2024-11-22T08:01:52.500000+00:00") in text
    assert ("wasAssociatedWith(id:association/wf-training/wf-training/plan; "
            "id:workflow-execution/wf-training, id:persona/ana, id:workflow/train-classifier)"
            in text)
    assert ("used(id:usage/wf-training/eval-1/model-mlp-1; id:execution/wf-training/eval-1, "
            "id:entity/model-mlp-1, 2024-11-22T08:01:53.100000+00:00, "
            "[prov:role='id:role/model'])") in text
    assert "wasInformedBy(id:execution/wf-training/eval-1, id:execution/wf-training/train-1)" \
        in text
    assert text == interop.export_workflow(kg, "wf-training", "provn")  # deterministic


def test_export_from_quads_and_foreign_iris(lifecycle_events: list[dict[str, Any]]) -> None:
    quads = list(graph.events_to_quads(lifecycle_events))
    doc = interop.to_prov_document(quads, "wf-curation")
    text = interop.serialize(doc, "provn")
    assert "prefix ns1 <https://w3id.org/provml/domains/seismic#>" in text
    assert "ns1:surveyName=\"F3\"" in text
    assert len(records(doc, pm.ProvActivity)) == 5  # workflow, rank, 3 tasks


def test_export_errors(kg: Store) -> None:
    with pytest.raises(InputError, match="no workflow graph"):
        interop.to_prov_document(kg, "nope")
    with pytest.raises(UnknownFormatError, match="json, provn"):
        interop.export_workflow(kg, "wf-qc", "xml")
    with pytest.raises(InputError, match="cannot read quads"):
        interop.to_prov_document(42, "wf-qc")


# ---------------------------------------------------------------- import
def test_import_foreign_turtle_answers_standard_prov_queries(tmp_path: Path) -> None:
    path = tmp_path / "foreign.ttl"
    path.write_text(FOREIGN_TTL)
    quads = interop.import_prov_rdf(path.read_bytes(), "ttl", name="lab-notebook")
    assert {q.graph_name for q in quads} == {workflow_graph("lab-notebook")}
    assert not any(isinstance(t, BlankNode) for q in quads for t in (q.subject, q.object))
    store = Store()
    store.extend(quads)
    ex = "http://example.org/lab#"
    assert rows(store, "SELECT ?a ?e WHERE { ?a a prov:Activity ; prov:used ?e . "
                       "?e a prov:Entity }") == [(ex + "cleaning", ex + "cleaned")]
    assert rows(store, "SELECT ?e ?src WHERE { ?e prov:wasDerivedFrom+ ?src }") == [
        (ex + "cleaned", ex + "survey-2019"), (ex + "figure", ex + "report")]  # revision too
    assert rows(store, "SELECT ?e ?a WHERE { ?e prov:wasGeneratedBy ?a }") == [
        (ex + "figure", ex + "plotting"), (ex + "report", ex + "cleaning")]
    assert rows(store, "SELECT ?ag WHERE { ?act prov:wasAssociatedWith ?ag . "
                       "?ag a prov:Agent . ?act prov:qualifiedAssociation/prov:hadPlan ?p . "
                       "?p a prov:Plan }") == [(ex + "carla",)]
    assert rows(store, "SELECT ?u WHERE { ?u a prov:Usage ; prov:hadRole "
                       "<http://example.org/lab#input> }")[0][0].startswith(
        DATA_BASE + "import/lab-notebook/b")
    again = interop.import_prov_rdf(FOREIGN_TTL, "turtle", name="lab-notebook")
    assert again == quads  # blank nodes skolemised deterministically


def test_import_round_trips_the_prov_packages_rdf(kg: Store) -> None:
    doc = interop.to_prov_document(kg, "wf-training")
    turtle = doc.serialize(format="rdf", rdf_format="turtle")
    quads = interop.import_prov_rdf(turtle, "ttl")
    name = quads[0].graph_name.value[len(DATA_BASE + "graph/"):]
    assert name.startswith("import-") and len(name) == len("import-") + 16
    store = Store()
    store.extend(quads)
    query = ("SELECT ?a ?e WHERE { ?a a prov:Activity ; prov:used ?e . }")
    original = rows(kg, "SELECT ?a ?e WHERE { GRAPH <" + workflow_graph("wf-training").value
                    + "> { ?a a prov:Activity ; prov:used ?e } }")
    assert len(original) == 10
    assert rows(store, query) == original
    assert rows(store, "SELECT ?m WHERE { ?m prov:wasGeneratedBy "
                       f"<{DATA_BASE}execution/wf-training/train-1> ; a prov:Entity }}")


def test_import_errors() -> None:
    with pytest.raises(InputError, match="cannot parse"):
        interop.import_prov_rdf("<a> <b> .", "ttl")
    with pytest.raises(UnknownFormatError):
        interop.import_prov_rdf(FOREIGN_TTL, "docx")
    with pytest.raises(EventValidationError, match="name"):
        interop.import_prov_rdf(FOREIGN_TTL, "ttl", name="not an id")


def test_imported_graph_is_listed_like_a_workflow(tmp_path: Path) -> None:
    from provml_kg.store import KnowledgeGraph

    with KnowledgeGraph(tmp_path / "store") as kg:
        kg.store.extend(interop.import_prov_rdf(FOREIGN_TTL, "ttl", name="lab-notebook"))
        assert "lab-notebook" in kg.workflows()
        assert isinstance(next(iter(kg.store)).graph_name, NamedNode)


# ---------------------------------------------------------------- the CLI verb
def test_cli_prov_export_and_import(lifecycle_events: list[dict[str, Any]], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from provml_kg.cli import main
    from provml_kg.store import KnowledgeGraph

    path = tmp_path / "store"
    with KnowledgeGraph(path) as kg:
        kg.ingest_events(lifecycle_events)
    out = tmp_path / "training.json"
    assert main(["prov", "export", "wf-training", "--store", str(path), "-o", str(out)]) == 0
    doc = pm.ProvDocument.deserialize(content=out.read_text(), format="json")
    assert len(records(doc, pm.ProvActivity)) == 8
    assert main(["prov", "export", "wf-qc", "-f", "provn", "--store", str(path)]) == 0
    assert "activity(id:execution/wf-qc/stats-1" in capsys.readouterr().out
    assert main(["prov", "export", "nope", "--store", str(path)]) == 2
    foreign = tmp_path / "foreign.ttl"
    foreign.write_text(FOREIGN_TTL)
    assert main(["prov", "import", str(foreign), "--name", "lab", "--store", str(path)]) == 0
    assert "into https://w3id.org/provml/id/graph/lab" in capsys.readouterr().out
    with KnowledgeGraph(path, read_only=True) as kg:
        assert "lab" in kg.workflows()
        assert rows(kg.store, "SELECT ?a WHERE { ?a prov:used <http://example.org/lab#cleaned> }"
                    ) == [("http://example.org/lab#cleaning",)]
