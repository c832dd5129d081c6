"""The demo lifecycle end to end at scale 0: capture -> spool -> store -> SHACL -> stored queries.

One small demo run (module fixture) into tmp dirs; golden results of the two domain queries
are derived from what the demo did (its cubes, basins, models and scores).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from provml_kg.cli import main
from provml_kg.demo.config import DemoConfig
from provml_kg.demo.learning import STRUCTURES
from provml_kg.demo.lifecycle import run_lifecycle
from provml_kg.demo.runner import DemoOutcome, run_demo
from provml_kg.graph import entity
from provml_kg.queries import load_queries, run_query, solutions_to_rows

SEISMIC = "https://w3id.org/provml/domains/seismic#"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoOutcome]:
    root = tmp_path_factory.mktemp("demo")
    console = Console(file=open(root / "out.txt", "w"), width=100)  # noqa: SIM115
    outcome = run_demo(root / "store", root / "data", scale=0, console=console)
    console.file.close()
    return root, outcome


@pytest.fixture()
def store(demo_run: tuple[Path, DemoOutcome]):  # type: ignore[no-untyped-def]
    from pyoxigraph import Store
    return Store.read_only(str(demo_run[0] / "store"))


def rows(store, name: str, **params):  # type: ignore[no-untyped-def]
    return solutions_to_rows(run_query(store, name, **params), python=True)


def test_store_validates_and_holds_every_workflow(demo_run, store) -> None:
    _, outcome = demo_run
    assert outcome.knowledge.conforms, outcome.knowledge.violations
    graphs = {g.value for g in store.named_graphs()}
    wf_ids = [run.workflow_id for run in outcome.result.runs] + [outcome.result.production.workflow_id]
    for wf in wf_ids:
        assert any(g.endswith("/" + wf) for g in graphs), wf
    # curation + preparation + one per run + production
    names = {str(s["name"].value) for s in store.query(
        "SELECT DISTINCT ?name WHERE { ?w a <https://w3id.org/provml#WorkflowExecution> ; "
        "<https://w3id.org/provml#executesPlan>/<http://www.w3.org/2000/01/rdf-schema#label> ?name }",
        use_default_graph_as_union=True)}
    assert names == {"seismic-data-curation", "seismic-learning-data-preparation",
                     "seismic-structure-training", "seismic-structure-inference"}


def test_best_model_lineage_reaches_the_raw_cubes_it_wrote(demo_run, store) -> None:
    _, outcome = demo_run
    result = outcome.result
    lineage = rows(store, "lineage", entity=entity(result.best.model_id).value)
    labels = {row["label"] for row in lineage if row["kind"] == "domain data"}
    train_set = result.feature_sets[result.best.variant.train_set]
    expected = {f"cubes/{name}.npy" for name in train_set.sources}
    assert expected <= labels
    assert all((result.cubes[0].cube_path.parent / Path(c).name).is_file() for c in expected)
    # the production interpretation descends from the selected model
    interpretation = rows(store, "lineage", entity=entity(result.production.labels_ref).value)
    assert entity(result.best.model_id).value in {row["ancestor"] for row in interpretation}


def test_models_by_basin_golden(demo_run, store) -> None:
    _, outcome = demo_run
    runs = outcome.result.runs
    names = {run.model_id: f"{run.variant.experiment}/{run.variant.name}" for run in runs}
    santos = rows(store, "models_by_basin", basin="Santos")
    expected = sorted((names[r.model_id], "cubes/santos-deep-a.npy", 1) for r in runs
                      if r.variant.train_set == "train-all-basins")
    assert sorted((row["modelName"], row["cubes"], row["cubeCount"]) for row in santos) == expected
    north_sea = rows(store, "models_by_basin", basin="North Sea")
    assert {row["modelName"] for row in north_sea} == set(names.values())
    assert {row["cubeCount"] for row in north_sea} == {2}
    box = rows(store, "models_by_basin", west=-46.0, east=-44.0, south=-26.0, north=-24.0)
    assert sorted((row["modelName"], row["basin"]) for row in box) == \
        sorted((name, "Santos") for name, _, _ in expected)
    assert rows(store, "models_by_basin", west=10.0, east=11.0, south=0.0, north=1.0) == []


def test_accuracy_per_structure_golden(demo_run, store) -> None:
    _, outcome = demo_run
    best = outcome.result.best
    model = entity(best.model_id).value
    every = rows(store, "accuracy_per_structure", model=model)
    assert len(every) == 3 * len(STRUCTURES)
    recall = rows(store, "accuracy_per_structure", model=model, kind="recall")
    got = {row["code"]: (row["structure"], row["measure"], row["value"], row["procedure"])
           for row in recall}
    individuals = {"background": "Background", "fault": "Fault", "channel": "Channel",
                   "salt": "SaltBody"}
    assert got == {code: (SEISMIC + individuals[code], f"recall/{code}",
                          pytest.approx(best.test[f"recall/{code}"]), "holdout-test")
                   for code in STRUCTURES}


def test_summary_answers_every_question(demo_run) -> None:
    root, outcome = demo_run
    assert [a.query for a in outcome.knowledge.answers] == [
        "lineage", "top_runs_hyperparameters", "models_by_basin", "accuracy_per_structure"]
    assert all(a.rows for a in outcome.knowledge.answers)
    printed = (root / "out.txt").read_text()
    assert "conforms" in printed and "models_by_basin" in printed


def test_domain_queries_are_in_the_library() -> None:
    library = load_queries()
    assert library["models_by_basin"].param_names == ("basin", "west", "east", "south", "north")
    assert library["accuracy_per_structure"].param_names == ("model", "kind")


def test_cli_rerun_on_the_same_store_adds_runs_and_still_validates(demo_run, capsys) -> None:
    root, outcome = demo_run
    before = {run.workflow_id for run in outcome.result.runs}
    code = main(["demo", "--scale", "0", "--store", str(root / "store"),
                 "--workdir", str(root / "data")])
    assert code == 0
    out = capsys.readouterr().out
    assert "SHACL validation conforms" in out
    from pyoxigraph import Store
    graphs = {g.value.rsplit("/", 1)[-1] for g in Store.read_only(str(root / "store")).named_graphs()}
    assert before < graphs and len(graphs - before) >= 4


def test_bad_scale_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--scale", "-1", "--store", str(tmp_path / "s")]) == 2
    assert "-1" in capsys.readouterr().err


def test_capture_off_runs_the_same_lifecycle_without_spools(tmp_path: Path) -> None:
    result = run_lifecycle(DemoConfig(tmp_path, scale=0, capture=False))
    assert len(result.runs) == 2 and result.production.labels_path.is_file()
    assert not list(tmp_path.glob("spool/**/*.jsonl"))


def test_serve_opens_the_endpoint_on_the_demo_store(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "provml_kg.demo", "--scale", "0", "--serve", "--port", str(port),
         "--store", str(tmp_path / "store"), "--workdir", str(tmp_path / "data")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        deadline = time.monotonic() + 90
        answer = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                answer = httpx.get(url, params={"query": f"ASK {{ ?cube a <{SEISMIC}SeismicCube> }}"},
                                   headers={"Accept": "application/sparql-results+json"}, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert answer is not None, process.stdout.read() if process.poll() is not None else "timeout"
        assert answer.status_code == 200 and answer.json()["boolean"] is True
    finally:
        process.terminate()
        process.wait(timeout=30)
        out = process.stdout.read()
    assert f"http://127.0.0.1:{port}/" in out
