"""The stored-query library: every .rq file's metadata, and a golden answer for every query.

The fixture graph is ``lifecycle_events`` (tests/conftest.py) plus three workflows captured here
through the capture API: a second training run of the same experiment (a weaker model), a
production workflow that predicts with the first model, and a training run still running (its
spool as it stands mid-run). Expected rows are derived from what those workflows did, not
copied from query output.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, Store, Variable

from provml_kg import capture
from provml_kg.errors import InputError, ParameterError, QueryError, UnknownQueryError
from provml_kg.queries import (
    Param, compact_iri, get_query, load_queries, load_query, parse_header, run_query,
    term_to_python,
)
from provml_kg.store import KnowledgeGraph

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/provml/id/"
QUERIES = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
# stored queries of other areas (the demo's domain queries) have their own golden tests
OWN = ["best_model", "data_preparation", "execution_profile", "experiment_runs",
       "failed_executions", "impact_of_data", "lineage", "metric_per_epoch", "model_agents",
       "model_evaluations", "model_hyperparameters", "raw_domain_data", "running_latest_metrics",
       "top_runs_hyperparameters"]


def entity(key: str) -> str:
    return f"{ID}entity/{key}"


def execution(wf: str, key: str) -> str:
    return f"{ID}execution/{wf}/{key}"


# ---------------------------------------------------------------- the fixture graph
def captured_extra_events() -> list[dict[str, Any]]:
    """Three more workflows, written through the capture API into a list."""
    got: list[dict[str, Any]] = []
    dataset, test_set, model = "ds-" + "a1" * 16, "ds-" + "b2" * 16, "model-mlp-1"
    with capture.workflow("train-classifier", id="wf-train-2", study="fault-detection",
                          experiment="mlp-baseline", persona={"name": "ana", "role": "ML engineer"},
                          sink=got.extend, mpi=False, device="cpu") as wf:
        with wf.training("train-mlp", id="train-2", algorithm="multilayer perceptron") as tr:
            tr.log_params({"learning_rate": 0.01, "epochs": 1})
            tr.log_params({"hidden_layer_sizes": "16", "activation": "tanh"}, scope="model")
            tr.used(name="faults-normalised", id=dataset)
            for ep in tr.epochs(1):
                ep.log_metric("accuracy", 0.7, step=0)
            tr.log_model(name="mlp-small", id="model-mlp-2")
        with wf.evaluation("evaluate-mlp", id="eval-2") as ev:
            ev.used(name="mlp-small", type="model", id="model-mlp-2")
            ev.used(name="faults-test", type="feature_set", id=test_set)
            ev.log_metric("f1", 0.70, model="model-mlp-2", data=[test_set], procedure="holdout")
    with capture.workflow("predict-faults", id="wf-predict", study="fault-detection",
                          persona={"name": "carla", "role": "domain scientist"},
                          sink=got.extend, mpi=False) as wf:
        with wf.task("predict", id="predict-1", params={"threshold": 0.5}) as task:
            task.used(name="mlp", type="model", id=model)
            task.generated(name="fault-map", id="ds-fault-map", derived_from=[model])
    live: list[dict[str, Any]] = []
    with capture.workflow("train-classifier", id="wf-live", study="fault-detection",
                          experiment="mlp-baseline", persona={"name": "ana", "role": "ML engineer"},
                          sink=live.extend, mpi=False) as wf:
        with wf.training("train-mlp", id="train-live") as tr:
            for index, ep in enumerate(tr.epochs(3)):
                time.sleep(0.002)  # distinct prov:generatedAtTime for "the latest"
                ep.log_metric("loss", [0.8, 0.6, 0.4][index], step=index)
    # the spool of a run still going: everything before its training stage ended
    ends = [i for i, e in enumerate(live) if e["k"] == "stage_end"]
    return got + live[: ends[0]]


@pytest.fixture
def all_events(lifecycle_events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return lifecycle_events + captured_extra_events()


@pytest.fixture
def kg(tmp_path: Path, all_events: list[dict[str, Any]]) -> Iterator[KnowledgeGraph]:
    graph = KnowledgeGraph(tmp_path / "store")
    graph.ingest_events(all_events)
    yield graph
    graph.close()


def rows(kg: KnowledgeGraph, name: str, **params: Any) -> list[dict[str, Any]]:
    return get_query(name).rows(kg, **params)


def column(result: list[dict[str, Any]], name: str) -> list[Any]:
    return [row.get(name) for row in result]


# ---------------------------------------------------------------- metadata of every .rq file
@pytest.mark.parametrize("name", QUERIES)
def test_every_query_parses_and_declares_its_parameters(name: str) -> None:
    query = get_query(name)
    assert query.title and query.description and query.area
    text = query.text
    used = set(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", text))
    projected = {v.value for v in Store().query(text).variables}
    for param in query.params:
        assert param.name in used, f"{name}: parameter {param.name} is not a query variable"
        assert param.name in projected, f"{name}: parameter {param.name} is not projected"
        assert param.kind in ("iri", "string", "integer", "double", "boolean", "datetime")
    # a parameter is declared once per variable; nothing undeclared looks like one
    declared = re.findall(r"^# param: (\w+)", text, re.M)
    assert sorted(declared) == sorted(query.param_names)
    # parameters are bound, never pasted: no format placeholders in the text
    assert "{" + "}" not in text and "%s" not in text and not re.search(r"\{[a-z_]+\}", text)


@pytest.mark.parametrize("name", QUERIES)
def test_every_query_runs_on_an_empty_store_with_parameters_unbound(name: str) -> None:
    # what a SPARQL tool does with the file as is: it must parse and run
    assert list(Store().query(get_query(name).text, use_default_graph_as_union=True)) == []


def test_the_readme_catalogue_lists_every_query() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_query_catalogue.py"),
                           "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- queries:begin -->")[1].split("<!-- queries:end -->")[0]
    if not block.strip():  # pragma: no cover - the lead's README without markers
        block = (ROOT / "docs" / "queries.md").read_text()
    for name in QUERIES:
        assert f"`{name}`" in block, f"{name} missing from the catalogue"


def test_header_parsing_and_its_errors() -> None:
    title, description, area, params = parse_header(
        "# title: T\n# description: first\n#   second\n# area: learning\n"
        "# param: model (iri)  IRI of a model\n# param: k (integer, optional)  how many\n"
        "SELECT ?model ?k WHERE {}")
    assert (title, description, area) == ("T", "first second", "learning")
    assert params == (Param("model", "iri", "IRI of a model"),
                      Param("k", "integer", "how many", optional=True))
    with pytest.raises(QueryError, match="title"):
        parse_header("# description: d\nSELECT * {}")
    with pytest.raises(QueryError, match="KIND"):
        parse_header("# title: t\n# description: d\n# param: x  no kind\nSELECT ?x {}")
    with pytest.raises(QueryError, match="one of iri"):
        parse_header("# title: t\n# description: d\n# param: x (node)  bad kind\nSELECT ?x {}")
    with pytest.raises(QueryError, match="unknown header key"):
        parse_header("# title: t\n# description: d\n# parm: x (iri) typo\nSELECT ?x {}")


def test_a_parameter_that_is_not_projected_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.rq").write_text("# title: t\n# description: d\n# param: x (iri)  thing\n"
                                     "SELECT ?y WHERE { ?x ?p ?y }\n")
    with pytest.raises(QueryError, match="SELECT projection"):
        load_queries(tmp_path)


def test_binding_errors_list_the_expected_parameters() -> None:
    query = get_query("metric_per_epoch")
    with pytest.raises(ParameterError, match=r"missing parameter 'execution'.*measure \(string, optional\)"):
        query.bind(measure="loss")
    with pytest.raises(ParameterError, match=r"unknown parameter 'epoch'.*expected: execution \(iri"):
        query.bind(execution="https://example.org/x", epoch=1)
    with pytest.raises(InputError, match="not an absolute IRI"):
        query.bind(execution="train 1")
    with pytest.raises(InputError, match="expected an integer"):
        get_query("top_runs_hyperparameters").bind(study="https://e.org/s", measure="f1", k="three")
    with pytest.raises(UnknownQueryError, match="known queries: .*lineage"):
        get_query("lineages")


def test_binding_converts_values_to_typed_terms() -> None:
    bound = get_query("top_runs_hyperparameters").bind(
        study="id:study/fault-detection", measure="f1", k="2", higher_is_better="false")
    assert bound == {Variable("study"): NamedNode(ID + "study/fault-detection"),
                     Variable("measure"): Literal("f1"), Variable("k"): Literal(2),
                     Variable("higher_is_better"): Literal(False)}
    assert get_query("lineage").bind(entity="provml:Model") == {
        Variable("entity"): NamedNode("https://w3id.org/provml#Model")}
    assert compact_iri(ID + "entity/x") == "id:entity/x"
    assert term_to_python(Literal("0.5", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#double"))) == 0.5


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_every_sub_query_writes_the_where_keyword(name: str) -> None:
    # bound_text opens each WHERE group with the parameters' VALUES block
    code = "\n".join(line for line in get_query(name).text.splitlines()
                     if not line.lstrip().startswith("#"))
    assert len(re.findall(r"\bSELECT\b", code, re.I)) == len(re.findall(r"\bWHERE\s*\{", code, re.I))


def test_bound_text_opens_every_where_group_with_the_terms() -> None:
    stored = get_query("experiment_runs")
    text = stored.bound_text(stored.bind(experiment="id:experiment/x", measure="acc"))
    block = f'VALUES (?experiment ?measure) {{ (<{ID}experiment/x> "acc") }}'
    assert text.count(block) == 2 and text.replace(" " + block, "") == stored.text
    assert stored.bound_text({}) == stored.text


def test_bind_mode_comes_from_the_header(tmp_path: Path) -> None:
    assert get_query("best_model").bind_mode == "substitutions"
    assert get_query("lineage").bind_mode == "values"
    stored = get_query("best_model")
    bound = stored.bind(study="id:study/s", measure="f1")
    assert stored.prepare(bound) == (stored.text, bound)
    lineage = get_query("lineage")
    text, subs = lineage.prepare(lineage.bind(entity="id:entity/m"))
    assert subs == {} and "VALUES (?entity)" in text
    bad = tmp_path / "bad_mode.rq"
    bad.write_text("# title: t\n# description: d\n# bind: pasted\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(QueryError, match="pasted.*values, substitutions"):
        load_query(bad)


def test_a_hostile_string_stays_one_literal(kg) -> None:
    hostile = 'accuracy" ) } } DELETE WHERE { ?s ?p ?o } #'
    before = len(kg)
    assert rows(kg, "experiment_runs", experiment=ID + "experiment/fault-detection/mlp-baseline",
                measure=hostile) == []
    stored = get_query("experiment_runs")
    text = stored.bound_text(stored.bind(experiment="id:experiment/x", measure=hostile))
    assert str(Literal(hostile)) in text and len(kg) == before


# ---------------------------------------------------------------- golden answers
def test_lineage_of_the_model_reaches_both_raw_files_across_workflows(kg, lifecycle_ids) -> None:
    ids = lifecycle_ids
    result = rows(kg, "lineage", entity=entity(ids["model"]))
    found = {(row["ancestor"], row["kind"]) for row in result}
    assert found == {(entity(ids["dataset"]), "dataset"),
                     (entity(ids["raw_a"]), "domain data"),
                     (entity(ids["raw_b"]), "domain data")}
    by_ancestor = {row["ancestor"]: row for row in result}
    curated = by_ancestor[entity(ids["dataset"])]
    assert curated["generatedBy"] == execution("wf-curation", ids["normalise"])
    assert curated["workflowExecution"] == ID + "workflow-execution/wf-curation"
    assert curated["label"] == "faults-normalised"
    assert by_ancestor[entity(ids["raw_a"])]["label"] == "raw/f3_a.segy"


def test_raw_domain_data_with_store_class_attributes_and_related_records(kg, lifecycle_ids) -> None:
    ids = lifecycle_ids
    result = rows(kg, "raw_domain_data", entity=entity(ids["model"]))
    seismic = "https://w3id.org/provml/domains/seismic#"
    direct = {row["reference"]: row for row in result if "relatedTo" not in row}
    assert set(direct) == {entity(ids["raw_a"]), entity(ids["raw_b"])}
    raw_a = direct[entity(ids["raw_a"])]
    assert raw_a["identifier"] == "raw/f3_a.segy"
    assert raw_a["store"] == ID + "store/seismic-fs" and raw_a["storeType"] == "filesystem"
    assert raw_a["domainClass"] == seismic + "SeismicCube"
    assert set(raw_a["attributes"].split(", ")) == {
        "inline_min=100", f"{seismic}inlineMax=400", f"{seismic}surveyName=F3"}
    assert direct[entity(ids["raw_b"])]["identifier"] == "raw/f3_b.segy"
    # raw B has a data relationship with raw A: A is listed again as a record related to B
    related = [(row["reference"], row["relatedTo"]) for row in result if "relatedTo" in row]
    assert related == [(entity(ids["raw_a"]), entity(ids["raw_b"]))]


def test_data_preparation_lists_transformations_and_parameters_upstream(kg, lifecycle_ids) -> None:
    ids = lifecycle_ids
    result = rows(kg, "data_preparation", data=entity(ids["test_set"]))
    found = {(row["transformation"], row.get("parameter"), row.get("value")) for row in result}
    assert found == {("split", "test_fraction", 0.2), ("normalise", "method", "zscore"),
                     ("normalise", "clip", 3.0)}
    assert column(result, "transformation")[0] == "normalise"  # in start order
    assert {row["workflowExecution"] for row in result} == {ID + "workflow-execution/wf-curation"}


def test_model_hyperparameters(kg, lifecycle_ids) -> None:
    result = rows(kg, "model_hyperparameters", model=entity(lifecycle_ids["model"]))
    assert {(r["algorithm"], r["implementation"], r["version"], r["task"]) for r in result} == {
        ("multilayer perceptron", "sklearn.neural_network.MLPClassifier", "1.5.2", "classification")}
    assert {(r["scope"], r["hyperparameter"], r["value"]) for r in result} == {
        ("learning", "learning_rate", 0.001), ("learning", "epochs", 2),
        ("learning", "optimizer", "adam"), ("learning", "early_stopping", False),
        ("model", "hidden_layer_sizes", "64,32"), ("model", "activation", "relu")}


def test_metric_per_epoch(kg, lifecycle_ids) -> None:
    train = execution("wf-training", lifecycle_ids["train"])
    result = rows(kg, "metric_per_epoch", execution=train, measure="loss")
    assert [(r["section"], r["index"], r["value"]) for r in result] == [("epoch", 0, 0.9),
                                                                       ("epoch", 1, 0.5)]
    every = rows(kg, "metric_per_epoch", execution=train)
    assert [(r["measure"], r["index"], r["value"]) for r in every] == [
        ("accuracy", 0, 0.6), ("accuracy", 1, 0.8), ("loss", 0, 0.9), ("loss", 1, 0.5)]


def test_experiment_runs_compared_by_a_metric(kg) -> None:
    result = rows(kg, "experiment_runs", experiment=ID + "experiment/fault-detection/mlp-baseline",
                  measure="accuracy")
    # wf-training logged accuracy 0.6, 0.8 per epoch then 0.85 in its evaluation; wf-train-2
    # logged 0.7 once; the running wf-live logged no accuracy
    assert [(r["run"], r["values"], r["last"], r["minimum"], r["maximum"], r["status"],
             r["persona"]) for r in result] == [
        (ID + "workflow-execution/wf-training", 3, 0.85, 0.6, 0.85, "finished", "ana"),
        (ID + "workflow-execution/wf-train-2", 1, 0.7, 0.7, 0.7, "finished", "ana")]


def test_best_model_of_a_study_either_direction(kg, lifecycle_ids) -> None:
    study = ID + "study/fault-detection"
    best = rows(kg, "best_model", study=study, measure="f1")
    assert [(r["model"], r["value"], r["procedure"], r["run"], r["experiment"]) for r in best] == [
        (entity(lifecycle_ids["model"]), 0.83, "holdout", ID + "workflow-execution/wf-training",
         ID + "experiment/fault-detection/mlp-baseline")]
    worst = rows(kg, "best_model", study=study, measure="f1", higher_is_better=False)
    assert [(r["model"], r["value"]) for r in worst] == [(entity("model-mlp-2"), 0.7)]


def test_top_k_models_hyperparameters(kg, lifecycle_ids) -> None:
    study = ID + "study/fault-detection"
    top1 = rows(kg, "top_runs_hyperparameters", study=study, measure="f1", k=1)
    assert {(r["rank"], r["model"], r["value"]) for r in top1} == {
        (1, entity(lifecycle_ids["model"]), 0.83)}
    assert len(top1) == 6  # its six hyperparameters
    top2 = rows(kg, "top_runs_hyperparameters", study=study, measure="f1", k=2)
    assert {(r["rank"], r["model"]) for r in top2} == {(1, entity(lifecycle_ids["model"])),
                                                       (2, entity("model-mlp-2"))}
    assert {(r["hyperparameter"], r["setting"]) for r in top2 if r["rank"] == 2} == {
        ("learning_rate", 0.01), ("epochs", 1), ("hidden_layer_sizes", "16"),
        ("activation", "tanh")}


def test_model_evaluations(kg, lifecycle_ids) -> None:
    ids = lifecycle_ids
    result = rows(kg, "model_evaluations", model=entity(ids["model"]))
    assert {(r["measure"], r["value"], r["procedure"], r["data"], r["dataLabel"], r["execution"],
             r["stage"]) for r in result} == {
        (m, v, "holdout", entity(ids["test_set"]), "faults-test",
         execution("wf-training", ids["eval"]), "evaluate-mlp")
        for m, v in (("accuracy", 0.85), ("f1", 0.83))}


def test_impact_of_a_raw_file(kg, lifecycle_ids) -> None:
    ids = lifecycle_ids
    result = rows(kg, "impact_of_data", data=entity(ids["raw_a"]))
    assert {(r["derived"], r["kind"]) for r in result} == {
        (entity(ids["model"]), "model"), (entity("model-mlp-2"), "model"),
        (entity("ds-fault-map"), "prediction")}
    prediction = next(r for r in result if r["kind"] == "prediction")
    assert prediction["model"] == entity(ids["model"])
    assert prediction["workflowExecution"] == ID + "workflow-execution/wf-predict"
    # the quality-control value derived from raw A is neither a model nor a prediction
    assert rows(kg, "impact_of_data", data=entity(ids["value"])) == []


def test_model_agents(kg, lifecycle_ids) -> None:
    result = rows(kg, "model_agents", model=entity(lifecycle_ids["model"]))
    assert [(r["persona"], r["role"], r["ranks"], r["rank"], r["host"], r["device"]) for r in result] == [
        ("ana", "ML engineer", 2, 0, "n01", "cuda:0"), ("ana", "ML engineer", 2, 1, "n02", "cuda:1")]
    assert {r["duration"] for r in result} == {"PT11.5S"}  # trained from t+101 to t+112.5


def test_execution_profile(kg, lifecycle_ids) -> None:
    ids = lifecycle_ids
    result = rows(kg, "execution_profile", workflow_execution=ID + "workflow-execution/wf-training")
    assert [(r["execution"], r["kind"], r["rank"], r["host"], r["device"], r["duration"],
             r["status"]) for r in result] == [
        (execution("wf-training", ids["load_shard"]), "transformation", 1, "n02", "cuda:1",
         "PT0.5S", "finished"),
        (execution("wf-training", ids["train"]), "training", 0, "n01", "cuda:0", "PT11.5S",
         "finished"),
        (execution("wf-training", ids["eval"]), "evaluation", 0, "n01", "cuda:0", "PT2S",
         "finished")]


def test_failed_executions(kg, lifecycle_ids) -> None:
    result = rows(kg, "failed_executions")
    assert [(r["execution"], r["plan"], r["status"], r["errorType"], r["errorMessage"],
             r["persona"], r["workflow_execution"]) for r in result] == [
        (execution("wf-curation", lifecycle_ids["dedup"]), "deduplicate", "failed", "ValueError",
         "duplicate trace ids", "bruno", ID + "workflow-execution/wf-curation")]
    assert rows(kg, "failed_executions",
                workflow_execution=ID + "workflow-execution/wf-training") == []


def test_running_latest_metrics(kg) -> None:
    result = rows(kg, "running_latest_metrics")
    assert [(r["workflowExecution"], r["execution"], r["measure"], r["value"], r["index"],
             r["persona"]) for r in result] == [
        (ID + "workflow-execution/wf-live", execution("wf-live", "train-live"), "loss", 0.4, 2,
         "ana")]


def test_every_own_query_has_a_golden_test() -> None:
    tested = set(re.findall(r'rows\(kg, "(\w+)"', Path(__file__).read_text()))
    assert set(OWN) <= tested
    assert set(OWN) <= set(QUERIES)


def test_run_query_on_a_plain_store_and_on_a_knowledge_graph(kg, all_events) -> None:
    from provml_kg.graph import build_graph

    store = build_graph(all_events)
    model = entity("model-mlp-1")
    on_store = {r["hyperparameter"].value for r in run_query(store, "model_hyperparameters",
                                                              model=model)}
    on_kg = {r["hyperparameter"].value for r in run_query(kg, "model_hyperparameters", model=model)}
    assert on_store == on_kg and "learning_rate" in on_kg
