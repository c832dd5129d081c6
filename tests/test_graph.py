"""Golden tests of provml_kg.graph on the lifecycle fixture: IRIs, literals, both views, rules."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Store

from provml_kg import graph
from provml_kg.errors import EventValidationError, InputError
from provml_kg.graph import DATA_BASE, entity, execution, mint, workflow_graph
from provml_kg.resources import ontology_dir
from provml_kg.vocab import MLS, PROV, PROVML, RDF, RDFS, XSD, sparql_prefixes

ID = DATA_BASE
SEISMIC = "PREFIX seismic: <https://w3id.org/provml/domains/seismic#>\n"


@pytest.fixture
def kg(lifecycle_events: list[dict[str, Any]]) -> Store:
    return graph.build_graph(lifecycle_events)


def ask(store: Store, body: str) -> bool:
    return bool(store.query(sparql_prefixes() + SEISMIC + "ASK { " + body + " }",
                            use_default_graph_as_union=True))


def select(store: Store, query: str) -> list[tuple[Any, ...]]:
    rows = store.query(sparql_prefixes() + query, use_default_graph_as_union=True)
    return [tuple(None if term is None else term.value for term in row) for row in rows]


def metric(value: Any = 0.25, **extra: Any) -> dict[str, Any]:
    return {"v": 1, "k": "metric", "wf": "run1", "t": 1732262400.0, "r": 0, "seq": 3,
            "exec": "ep0", "name": "loss", "value": value, **extra}


# ---------------------------------------------------------------- IRIs and literals
def test_mint_keeps_ids_and_encodes_free_text() -> None:
    assert mint("execution", "run1", "c0de-1.2:x~y").value == ID + "execution/run1/c0de-1.2:x~y"
    assert mint("measure", "F1 score").value == ID + "measure/F1%20score"
    assert mint("measure", "a/b").value == ID + "measure/a%2Fb"
    assert mint("measure", "é").value == ID + "measure/%C3%A9"


def test_mint_is_injective_over_key_tuples() -> None:
    keys = [("a/b",), ("a", "b"), ("a%2Fb",), (".",), ("..",), ("",), ("a b",), ("a%20b",)]
    iris = {mint("x", *k).value for k in keys}
    assert len(iris) == len(keys)


@pytest.mark.parametrize("kind", ["Execution", "", "a/b", "1x"])
def test_mint_refuses_bad_kinds(kind: str) -> None:
    with pytest.raises(InputError, match="kind"):
        mint(kind, "x")


def test_workflow_execution_and_graph_iris() -> None:
    assert workflow_graph("wf1").value == ID + "graph/wf1"
    assert execution("wf1", "wf1").value == ID + "workflow-execution/wf1"
    assert execution("wf1", "t1").value == ID + "execution/wf1/t1"
    assert entity("ds-1").value == ID + "entity/ds-1"
    assert graph.ONTOLOGY_GRAPH.value == "https://w3id.org/provml"


def test_literals_carry_datatypes() -> None:
    assert graph.datetime_literal(1732262400.0) == Literal("2024-11-22T08:00:00Z",
                                                           datatype=XSD.dateTime)
    assert graph.datetime_literal(0.5).value == "1970-01-01T00:00:00.5Z"
    assert graph.scalar_literal(True) == Literal("true", datatype=XSD.boolean)
    assert graph.scalar_literal(3) == Literal("3", datatype=XSD.integer)
    assert graph.scalar_literal(0.1) == Literal("0.1", datatype=XSD.double)
    assert graph.scalar_literal("adam") == Literal("adam", datatype=XSD.string)
    with pytest.raises(InputError, match="expected str, int, float or bool"):
        graph.scalar_literal([1])  # type: ignore[arg-type]


# ---------------------------------------------------------------- event_quads
def test_metric_event_golden_quads() -> None:
    g = workflow_graph("run1")
    me = NamedNode(ID + "evaluation/run1/0/3")
    measure = NamedNode(ID + "measure/loss")
    run = NamedNode(ID + "execution/run1/ep0")
    expected = {
        Quad(me, RDF.type, PROVML.ModelEvaluation, g),
        Quad(me, RDF.type, MLS.ModelEvaluation, g),
        Quad(me, RDF.type, MLS.InformationEntity, g),
        Quad(me, RDF.type, PROV.Entity, g),
        Quad(measure, RDF.type, PROVML.EvaluationMeasure, g),
        Quad(measure, RDF.type, MLS.EvaluationMeasure, g),
        Quad(measure, RDF.type, MLS.InformationEntity, g),
        Quad(measure, RDF.type, PROV.Entity, g),
        Quad(measure, RDFS.label, Literal("loss"), g),
        Quad(me, MLS.specifiedBy, measure, g),
        Quad(me, MLS.hasValue, Literal("0.25", datatype=XSD.double), g),
        Quad(me, PROV.wasGeneratedBy, run, g),
        Quad(me, PROV.generatedAtTime, Literal("2024-11-22T08:00:00Z", datatype=XSD.dateTime), g),
        Quad(run, MLS.hasOutput, me, g),
        Quad(me, PROVML.step, Literal("7", datatype=XSD.integer), g),
    }
    quads = graph.event_quads(metric(step=7))
    assert set(quads) == expected
    assert len(quads) == len(expected)


@pytest.mark.parametrize("value, lexical", [("NaN", "NaN"), ("INF", "INF"), ("-INF", "-INF"),
                                            (1, "1.0"), (math.inf, "INF")])
def test_metric_values_are_doubles_including_non_finite(value: Any, lexical: str) -> None:
    values = [q.object for q in graph.event_quads(metric(value)) if q.predicate == MLS.hasValue]
    assert values == [Literal(lexical, datatype=XSD.double)]


def test_event_quads_are_deterministic_and_in_the_workflow_graph(
        lifecycle_events: list[dict[str, Any]]) -> None:
    for event in lifecycle_events:
        first, second = graph.event_quads(event), graph.event_quads(dict(event))
        assert first == second
        assert {q.graph_name for q in first} == {workflow_graph(event["wf"])}


def test_no_blank_nodes_and_every_term_is_known(lifecycle_events: list[dict[str, Any]]) -> None:
    seismic = "https://w3id.org/provml/domains/seismic#"
    domain_terms = {seismic + "SeismicCube", seismic + "surveyName", seismic + "inlineMax"}
    for q in graph.events_to_quads(lifecycle_events):
        for term in (q.subject, q.predicate, q.object):
            assert not isinstance(term, BlankNode)
        assert q.subject.value.startswith(ID)
        assert q.predicate in PROVML or q.predicate in PROV or q.predicate in MLS or \
            q.predicate in (RDF.type, RDFS.label) or q.predicate.value in domain_terms
        if isinstance(q.object, NamedNode) and q.predicate != RDF.type:
            assert q.object.value.startswith(ID), q
        if isinstance(q.object, Literal):
            assert q.object.datatype.value.startswith(str(XSD.iri)), q


def test_types_match_the_ontology_closure() -> None:
    onto = Store()
    for path in ("provml.ttl", "imports/prov-o.ttl", "imports/mls.ttl"):
        onto.load(path=str(ontology_dir() / path), format=RdfFormat.TURTLE)
    for cls, types in graph.TYPES.items():
        rows = onto.query(f"SELECT ?s WHERE {{ {cls} rdfs:subClassOf+ ?s FILTER(isIRI(?s)) }}",
                          prefixes={"rdfs": RDFS.iri})
        closure = {row["s"] for row in rows} | {cls}
        assert set(types) == closure, cls


@pytest.mark.parametrize("bad, field", [
    ({"k": "metric", "wf": "run1", "t": 0.0, "seq": 0, "exec": "e", "name": "m"}, "v"),
    ({"v": 1, "k": "nope", "wf": "run1", "t": 0.0}, "event.k"),
    ({"v": 1, "k": "metric", "wf": "run1", "t": 0.0, "r": 0, "seq": 0, "name": "m",
      "value": 1.0}, "metric.exec"),
    ({"v": 1, "k": "metric", "wf": "run1", "t": 0.0, "r": 0, "seq": 0, "exec": "e",
      "name": "m", "value": "high"}, "metric.value"),
])
def test_malformed_events_raise_precise_errors(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(EventValidationError, match=field):
        graph.event_quads(bad)


def test_domain_class_must_be_an_iri() -> None:
    event = {"v": 1, "k": "domain_ref", "wf": "w", "t": 0.0, "r": 0, "seq": 0, "id": "dr-1",
             "store": {"id": "fs", "type": "filesystem"}, "identifier": "a", "class": "not an iri"}
    with pytest.raises(EventValidationError, match="domain_ref.class"):
        graph.event_quads(event)


# ---------------------------------------------------------------- PROV-O view
def test_prov_usage_generation_and_qualified_roles(kg: Store, lifecycle_ids: dict[str, str]) -> None:
    ds, model = entity(lifecycle_ids["dataset"]), entity(lifecycle_ids["model"])
    train = execution("wf-training", "train-1")
    assert ask(kg, f"{train} prov:used {ds} . {model} prov:wasGeneratedBy {train}")
    assert ask(kg, f"{train} prov:qualifiedUsage ?u . ?u a prov:Usage ; prov:entity {ds} ; "
                   "prov:hadRole ?r ; prov:atTime ?t . ?r a prov:Role ; rdfs:label 'dataset'")
    assert ask(kg, f"{model} prov:qualifiedGeneration ?g . ?g prov:activity {train} ; "
                   "prov:hadRole/rdfs:label 'model'")


def test_every_execution_has_times_and_plan(kg: Store) -> None:
    rows = select(kg, """SELECT ?x WHERE { ?x a prov:Activity .
        FILTER NOT EXISTS { ?x prov:startedAtTime ?s ; prov:endedAtTime ?e ;
                              prov:qualifiedAssociation/prov:hadPlan ?p } }""")
    assert rows == []
    assert len(select(kg, "SELECT ?x WHERE { ?x a prov:Activity }")) == 16


def test_associations_persona_machine_software_with_plan(kg: Store) -> None:
    w = execution("wf-training", "wf-training")
    assert ask(kg, f"{w} prov:wasAssociatedWith ?p . ?p a prov:Person, provml:Persona ; "
                   "rdfs:label 'ana' ; provml:personaRole 'ML engineer'")
    assert ask(kg, f"{w} prov:qualifiedAssociation [ prov:agent ?p ; prov:hadPlan ?plan ] . "
                   "?p a provml:Persona . ?plan a provml:Workflow, prov:Plan ; "
                   "rdfs:label 'train-classifier'")
    assert ask(kg, f"{w} prov:wasAssociatedWith ?s . ?s a prov:SoftwareAgent ; "
                   "provml:softwareVersion '3.11.7'")
    train = execution("wf-training", "train-1")
    assert ask(kg, f"{train} provml:ranOn ?m ; prov:wasAssociatedWith ?m ; "
                   "prov:wasAssociatedWith/rdfs:label 'ana' . ?m provml:hostName 'n01'")
    shard = execution("wf-training", "load-shard-1")
    assert ask(kg, f"{shard} provml:ranOn/provml:hostName 'n02'")


def test_model_lineage_reaches_raw_domain_files(kg: Store, lifecycle_ids: dict[str, str]) -> None:
    rows = select(kg, f"""SELECT DISTINCT ?a WHERE {{
        {entity(lifecycle_ids['model'])} prov:wasDerivedFrom+ ?a . ?a a provml:DataReference }}""")
    assert {r[0] for r in rows} == {entity(lifecycle_ids["raw_a"]).value,
                                    entity(lifecycle_ids["raw_b"]).value}
    # parameters configure executions; they are not derivation sources
    assert not ask(kg, "?e prov:wasDerivedFrom ?v . ?v a mls:HyperParameterSetting")
    assert not ask(kg, "?e prov:wasDerivedFrom ?v . ?v a provml:AttributeValue")


def test_was_informed_by_between_executions_and_workflows(kg: Store) -> None:
    assert ask(kg, f"{execution('wf-training', 'train-1')} prov:wasInformedBy "
                   f"{execution('wf-curation', 'norm-1')}")
    assert ask(kg, f"{execution('wf-training', 'eval-1')} prov:wasInformedBy "
                   f"{execution('wf-training', 'train-1')}")
    assert ask(kg, f"{execution('wf-training', 'wf-training')} prov:wasInformedBy "
                   f"{execution('wf-curation', 'wf-curation')}")
    assert not ask(kg, f"{execution('wf-qc', 'wf-qc')} prov:wasInformedBy ?x")


# ---------------------------------------------------------------- ML Schema view
def test_mls_run_executes_realizes_achieves(kg: Store) -> None:
    rows = select(kg, """SELECT ?run ?impl ?alg ?task WHERE { ?run a mls:Run ;
        mls:executes ?i ; mls:realizes ?a ; mls:achieves ?t .
        ?i a mls:Implementation ; rdfs:label ?impl ; mls:implements ?a .
        ?a a mls:Algorithm ; rdfs:label ?alg . ?t a mls:Task ; rdfs:label ?task }""")
    assert rows == [(execution("wf-training", "train-1").value,
                     "sklearn.neural_network.MLPClassifier", "multilayer perceptron",
                     "classification")]


def test_mls_hyperparameter_settings(kg: Store) -> None:
    rows = select(kg, """SELECT ?name ?value ?cls WHERE { ?run a mls:Run ; mls:hasInput ?s .
        ?s a mls:HyperParameterSetting, ?cls ; mls:specifiedBy ?h ; mls:hasValue ?value .
        ?h a mls:HyperParameter ; rdfs:label ?name .
        ?i mls:hasHyperParameter ?h . ?run mls:executes ?i .
        FILTER (?cls IN (provml:LearningHyperparameterValue, provml:ModelHyperparameterValue)) }
        ORDER BY ?name""")
    assert rows == [
        ("activation", "relu", PROVML.ModelHyperparameterValue.value),
        ("early_stopping", "false", PROVML.LearningHyperparameterValue.value),
        ("epochs", "2", PROVML.LearningHyperparameterValue.value),
        ("hidden_layer_sizes", "64,32", PROVML.ModelHyperparameterValue.value),
        ("learning_rate", "0.001", PROVML.LearningHyperparameterValue.value),
        ("optimizer", "adam", PROVML.LearningHyperparameterValue.value),
    ]  # seed=None is left out


def test_mls_model_evaluations(kg: Store, lifecycle_ids: dict[str, str]) -> None:
    rows = select(kg, """SELECT ?measure ?value ?proc WHERE {
        ?run a provml:EvaluationExecution ; mls:hasOutput ?e .
        ?e a mls:ModelEvaluation ; mls:specifiedBy ?m ; mls:hasValue ?value ;
           provml:hadProcedure/rdfs:label ?proc ; provml:evaluatedModel ?model ;
           provml:evaluatedOn ?data .
        ?m a mls:EvaluationMeasure ; rdfs:label ?measure .
        FILTER (datatype(?value) = xsd:double) } ORDER BY ?measure""")
    assert rows == [("accuracy", "0.85", "holdout"), ("f1", "0.83", "holdout")]
    epochs = select(kg, """SELECT ?i ?measure ?value WHERE {
        ?run a provml:TrainingExecution ; mls:hasOutput ?e .
        ?e mls:specifiedBy/rdfs:label ?measure ; mls:hasValue ?value ;
           prov:wasGeneratedBy ?sec . ?sec provml:sectionIndex ?i ;
           provml:partOfExecution ?run } ORDER BY ?i ?measure""")
    assert epochs == [("0", "accuracy", "0.6"), ("0", "loss", "0.9"),
                      ("1", "accuracy", "0.8"), ("1", "loss", "0.5")]


def test_feature_set_and_characteristics(kg: Store, lifecycle_ids: dict[str, str]) -> None:
    test = entity(lifecycle_ids["test_set"])
    assert ask(kg, f"{test} a provml:FeatureSetData, mls:Dataset ; provml:numberOfInstances 200 ;"
                   " mls:specifiedBy ?fs . ?fs a provml:FeatureSet ; provml:hasFeature ?f1, ?f2 ."
                   " ?f1 rdfs:label 'amplitude' . ?f2 rdfs:label 'frequency'")
    assert ask(kg, f"{test} provml:hasCharacteristic ?c ; mls:hasQuality ?c . "
                   "?c a mls:DatasetCharacteristic ; rdfs:label 'class_balance' ; "
                   "mls:hasValue 0.5e0")


# ---------------------------------------------------------------- plans and domain data
def test_plan_structure(kg: Store) -> None:
    assert ask(kg, "?e a provml:LearningExperiment ; provml:experimentOf ?s . "
                   "?s a provml:Study ; rdfs:label 'fault-detection' . "
                   "?st provml:stageOf ?e ; a provml:Training . "
                   "?sec provml:sectionOf ?st ; a provml:LearningStageSection ; rdfs:label 'epoch'")
    assert ask(kg, "?t a provml:DataTransformation ; rdfs:label 'normalise' ; "
                   "provml:transformationOf/rdfs:label 'curate-seismic' ; "
                   "provml:hasAttribute ?a . ?a rdfs:label 'method' . "
                   "?v mls:specifiedBy ?a ; mls:hasValue 'zscore' . ?x prov:used ?v")


def test_domain_references_meet_across_workflows(kg: Store, lifecycle_ids: dict[str, str]) -> None:
    raw_a = entity(lifecycle_ids["raw_a"])
    graphs = select(kg, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?x prov:used {raw_a} }} }}")
    assert {g for (g,) in graphs} == {workflow_graph("wf-curation").value,
                                      workflow_graph("wf-qc").value}
    assert ask(kg, f"{raw_a} a provml:DataReference, seismic:SeismicCube ; "
                   "provml:hadStore ?s ; prov:atLocation ?s ; provml:dataIdentifier "
                   "'raw/f3_a.segy' ; seismic:surveyName 'F3' ; seismic:inlineMax 400 ; "
                   "provml:dataAttribute 'F3', 400 . "
                   "?s a provml:DataStore ; provml:storeType 'filesystem' ; "
                   "provml:storeUri 'file:///data/seismic'^^xsd:anyURI")
    assert ask(kg, f"?v a provml:AttributeValue ; provml:hadDataRelationship {raw_a} ; "
                   "mls:specifiedBy/rdfs:label 'inline_min' ; mls:hasValue 100")
    assert ask(kg, f"{entity(lifecycle_ids['raw_b'])} provml:hadDataRelationship {raw_a} ; "
                   f"prov:wasInfluencedBy {raw_a}")


# ---------------------------------------------------------------- workflow summary over ranks
def test_workflow_times_and_status_over_ranks(kg: Store) -> None:
    rows = select(kg, """SELECT ?w ?s ?e ?status WHERE { ?w a provml:WorkflowExecution ;
        prov:startedAtTime ?s ; prov:endedAtTime ?e ; provml:status ?status } ORDER BY ?w""")
    w = {r[0]: r[1:] for r in rows}
    assert w[execution("wf-training", "wf-training").value] == (
        "2024-11-22T08:01:39.5Z", "2024-11-22T08:02:10Z", "finished")  # rank 1 first and last
    assert w[execution("wf-curation", "wf-curation").value][2] == "finished"
    assert ask(kg, f"{execution('wf-curation', 'dedup-1')} provml:status 'failed' ; "
                   "provml:errorType 'ValueError' ; provml:errorMessage 'duplicate trace ids'")
    assert ask(kg, f"?r provml:partOfExecution {execution('wf-training', 'wf-training')} ; "
                   "provml:mpiRank 1 ; provml:device 'cuda:1' ; provml:hostName 'n02'")


def _training_rank_events(lifecycle_events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in lifecycle_events
            if e["wf"] == "wf-training" and e["k"] in ("workflow_start", "workflow_end")]


def test_running_then_partly_ended_then_failed(lifecycle_events: list[dict[str, Any]]) -> None:
    start0, start1, end0, end1 = sorted(_training_rank_events(lifecycle_events),
                                        key=lambda e: (e["k"] != "workflow_start", e["r"]))
    w = execution("wf-training", "wf-training")
    store = graph.build_graph([start0, start1])
    assert ask(store, f"{w} prov:startedAtTime ?s")
    assert not ask(store, f"{w} prov:endedAtTime ?e")
    assert not ask(store, f"{w} provml:status ?s")  # running: no status triple at all
    store.extend(graph.event_quads(end0))
    graph.materialise(store)
    assert not ask(store, f"{w} prov:endedAtTime ?e")  # rank 1 still running
    store.extend(graph.event_quads({**end1, "status": "failed",
                                    "error": {"type": "MemoryError", "message": "oom"}}))
    graph.materialise(store)
    assert ask(store, f"{w} provml:status 'failed' ; provml:errorType 'MemoryError' ; "
                      "prov:endedAtTime '2024-11-22T08:02:10Z'^^xsd:dateTime")
    assert len(select(store, f"SELECT ?s WHERE {{ {w} provml:status ?s }}")) == 1


# ---------------------------------------------------------------- idempotence
def test_materialisation_is_idempotent(kg: Store) -> None:
    before = set(kg)
    graph.materialise(kg)
    for text, subs in graph.materialisation_updates(workflow_graph("wf-training")):
        assert subs == {}
        kg.update(text)
    assert set(kg) == before


def test_a_rule_selects_only_rows_whose_quads_are_missing(kg: Store) -> None:
    # on a materialised store no insert rule finds anything left to add
    assert [graph.run_step(kg, step) for step in graph.materialisation_steps()] == [0] * len(
        graph.materialisation_steps())
    removed = [q for q in kg if q.predicate == MLS.hasOutput][:3]
    for q in removed:
        kg.remove(q)
    assert sum(graph.run_step(kg, step) for step in graph.materialisation_steps()) == 3
    assert all(q in kg for q in removed)


def test_replay_and_batching_give_the_same_graph(lifecycle_events: list[dict[str, Any]]) -> None:
    reference = set(graph.build_graph(lifecycle_events))
    store = Store()
    shuffled = list(lifecycle_events)
    random.Random(4).shuffle(shuffled)
    for start in range(0, len(shuffled), 7):  # out of order, in batches, scoped per graph
        batch = shuffled[start:start + 7]
        store.extend(graph.events_to_quads(batch))
        for g in {workflow_graph(e["wf"]) for e in batch}:
            for text, _ in graph.materialisation_updates(g):
                store.update(text)
    store.extend(graph.events_to_quads(lifecycle_events))  # replay everything
    graph.materialise(store)
    assert set(store) == reference


def test_select_route_adds_what_the_updates_add(lifecycle_events: list[dict[str, Any]]) -> None:
    by_update, by_select = Store(), Store()
    for store in (by_update, by_select):
        store.extend(graph.events_to_quads(lifecycle_events))
    for text, _ in graph.materialisation_updates():
        by_update.update(text)
    added = 0
    for step in graph.materialisation_steps():
        added += graph.run_step(by_select, step)
    assert added > 0 and set(by_select) == set(by_update)
    selects = [s for s in graph.materialisation_steps(workflow_graph("wf-training")) if s.select]
    assert len(selects) >= 10 and all(s.template for s in selects)
    assert all(f"GRAPH {workflow_graph('wf-training')}" in s.select for s in selects
               if "across workflows" not in s.select and "another one" not in s.select)


def test_scoped_updates_refuse_foreign_graphs() -> None:
    with pytest.raises(InputError, match="workflow_graph"):
        graph.materialisation_updates(NamedNode("http://example.org/g"))


# ---------------------------------------------------------------- events from the capture API
def test_capture_api_events_give_lineage_across_workflows(
        captured_events: list[dict[str, Any]]) -> None:
    store = graph.build_graph(captured_events)
    rows = select(store, """SELECT DISTINCT ?id WHERE { ?m a provml:Model ;
        prov:wasDerivedFrom+ ?raw . ?raw a provml:DataReference ; provml:dataIdentifier ?id }""")
    assert rows == [("raw/f3_a.segy",)]
    assert ask(store, f"{execution('cap-training', 'cap-training')} prov:wasInformedBy "
                      f"{execution('cap-curation', 'cap-curation')}")
    assert ask(store, "?x a provml:DataTransformationExecution ; provml:status 'failed' ; "
                      "provml:errorType 'ValueError'")
    assert ask(store, "?e a mls:ModelEvaluation ; mls:hasValue 'NaN'^^xsd:double")


def test_scoped_updates_stay_in_their_graph(lifecycle_events: list[dict[str, Any]]) -> None:
    store = Store()
    store.extend(graph.events_to_quads(lifecycle_events))
    before = set(store)
    for text, _ in graph.materialisation_updates(workflow_graph("wf-curation")):
        store.update(text)
    added = set(store) - before
    assert any(q.predicate == PROVML.transformationOf for q in added)
    outside = {q for q in added if q.graph_name != workflow_graph("wf-curation")}
    assert outside and {q.predicate for q in outside} == {PROV.wasInformedBy}  # cross-graph op
    assert not any(q.predicate == PROV.startedAtTime for q in outside)


def test_null_optional_fields_are_left_out() -> None:
    start = {"v": 1, "k": "workflow_start", "wf": "w1", "t": 0.0, "r": None, "seq": 0,
             "name": "wf", "study": None, "persona": None,
             "env": {"host": "h", "rank": 0, "size": None, "device": None}}
    quads = graph.event_quads(start)
    literals = [q.object for q in quads if isinstance(q.object, Literal)]
    assert all(lit.value != "None" for lit in literals)
    assert Literal("1", datatype=XSD.integer) in literals  # mpiSize defaults to 1
    assert graph.event_quads(metric(step=None, model=None)) == graph.event_quads(metric())


# ---------------------------------------------------------------- the N-Quads text form
AWKWARD = ['say "hi"', "back\\slash", "two\nlines", "carriage\rreturn", "tab\there", "é ∑ 🙂",
           '"', "\\", "\\n", "ends with \\"]


@pytest.mark.parametrize("text", AWKWARD)
def test_strings_survive_the_text_form(text: str) -> None:
    event = {"v": 1, "k": "workflow_start", "wf": "w1", "t": 0.0, "r": 0, "seq": 0,
             "name": text, "persona": {"name": text, "role": text},
             "params": {text: text}, "env": {"host": text, "rank": 0, "size": 1}}
    labels = {q.object.value for q in graph.event_quads(event) if q.predicate == RDFS.label}
    assert text in labels
    values = [q.object for q in graph.event_quads(event) if q.predicate == MLS.hasValue]
    assert values == [Literal(text)]
    hosts = {q.object for q in graph.event_quads(event) if q.predicate == PROVML.hostName}
    assert hosts == {Literal(text)}


def test_event_nquads_parse_to_event_quads(lifecycle_events: list[dict[str, Any]]) -> None:
    from pyoxigraph import parse

    for event in lifecycle_events:
        lines = graph.event_nquads(event)
        assert all(line.endswith(" .\n") and line.count("\n") == 1 for line in lines)
        parsed = list(parse("".join(lines).encode(), format=RdfFormat.N_QUADS))
        assert parsed == graph.event_quads(event)
        assert len(parsed) == len(lines)


def test_a_lone_surrogate_is_refused_not_written() -> None:
    bad = metric()
    bad["name"] = "loss\ud800"
    with pytest.raises(EventValidationError, match="cannot be mapped"):
        graph.event_nquads(bad)


def test_datetime_lexical_equals_the_datetime_module() -> None:
    from datetime import datetime, timezone

    from provml_kg.graph.nquads import datetime_lexical

    def reference(t: float) -> str:
        stamp = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
        return stamp.rstrip("0").rstrip(".") + "Z"

    rng = random.Random(7)
    values = [rng.uniform(0, 4e9) for _ in range(20_000)]
    values += [rng.randrange(2**32) + rng.randrange(10**7) / 1e7 for _ in range(20_000)]
    values += [0.0, 1e-7, 0.9999995, 1.0000005, 1699999999.9999996, 1700000000.1299999, -1.5]
    assert [datetime_lexical(t) for t in values] == [reference(t) for t in values]


def test_pack_keeps_each_line_once_in_first_order() -> None:
    from provml_kg.store.ingest import pack

    lines = graph.event_nquads(metric()) + graph.event_nquads(dict(metric(), seq=4))
    data, count = pack(lines)
    assert count == len(set(lines)) < len(lines)
    assert data.decode().splitlines(keepends=True) == list(dict.fromkeys(lines))
