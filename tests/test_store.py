"""KnowledgeGraph: ingest (events, spools, resume after SIGKILL), load/export, workflows, errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Variable

from provml_kg.capture.spool import TornLineWarning, spool_name
from provml_kg.errors import (EventValidationError, InputError, QueryError, StoreError,
                              StoreLockedError, UnknownFormatError)
from provml_kg.formats import FORMATS
from provml_kg.graph import ONTOLOGY_GRAPH, build_graph, workflow_graph
from provml_kg.store import DEFAULT_STORE_PATH, IngestReport, KnowledgeGraph
from provml_kg.store.checkpoint import CHECKPOINT_NAME

ROOT = Path(__file__).resolve().parent.parent
PROV = "http://www.w3.org/ns/prov#"
MLS = "http://www.w3.org/ns/mls#"


def write_spools(directory: Path, events: list[dict[str, Any]]) -> list[Path]:
    """Write events as capture does: one file per (workflow, rank)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[tuple[str, int], Path] = {}
    for event in events:
        path = paths.setdefault((event["wf"], event["r"]),
                                directory / spool_name(event["wf"], event["r"], 0))
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(event, separators=(",", ":")) + "\n")
    return sorted(paths.values())


def synthetic_events(wf: str, epochs: int) -> list[dict[str, Any]]:
    """A training run with ``epochs`` epochs, two metrics each (about 40 quads per epoch)."""
    out: list[dict[str, Any]] = []

    def emit(k: str, **fields: Any) -> None:
        out.append({"v": 1, "k": k, "wf": wf, "t": 1.7e9 + len(out), "r": 0, "seq": len(out), **fields})

    emit("workflow_start", name="synthetic", persona={"name": "ana"})
    emit("stage_start", id="train", stage="training", name="train-mlp", algorithm="mlp")
    for i in range(epochs):
        emit("section_start", id=f"e{i}", parent="train", section="epoch", index=i)
        emit("metric", exec=f"e{i}", name="loss", value=1.0 / (i + 1), step=i)
        emit("metric", exec=f"e{i}", name="accuracy", value=i / (epochs + 1), step=i)
        emit("section_end", id=f"e{i}", status="finished")
    emit("stage_end", id="train", status="finished")
    emit("workflow_end", status="finished")
    return out


def quads(kg: KnowledgeGraph) -> set[Quad]:
    return set(kg.store)


# ------------------------------------------------------------------ golden and idempotent
def test_ingest_events_gives_exactly_the_reference_graph(lifecycle_events: list[dict[str, Any]]) -> None:
    kg = KnowledgeGraph()
    report = kg.ingest_events(lifecycle_events)
    assert isinstance(report, IngestReport)
    assert report.events == len(lifecycle_events)
    assert report.workflows == ["wf-curation", "wf-qc", "wf-training"]
    assert quads(kg) == set(build_graph(lifecycle_events))
    assert kg.workflows() == ["wf-curation", "wf-qc", "wf-training"]


def test_standard_prov_and_mls_queries_need_no_reasoner(lifecycle_events: list[dict[str, Any]],
                                                        lifecycle_ids: dict[str, str]) -> None:
    kg = KnowledgeGraph()
    kg.ingest_events(lifecycle_events)
    model = kg.query(f"SELECT ?m ?run WHERE {{ ?m <{PROV}wasGeneratedBy> ?run . ?run a <{PROV}Activity> }}",
                     substitutions={Variable("m"): NamedNode(
                         f"https://w3id.org/provml/id/entity/{lifecycle_ids['model']}")})
    assert len(list(model)) == 1
    runs = kg.query(f"SELECT DISTINCT ?run WHERE {{ ?run a <{MLS}Run> ; <{MLS}executes> ?impl }}")
    assert len(list(runs)) >= 1
    informed = kg.query(f"ASK {{ ?a <{PROV}wasInformedBy> ?b }}")
    assert bool(informed)


def test_reingesting_events_and_batches_of_any_size_add_nothing(lifecycle_events: list[dict[str, Any]]) -> None:
    kg = KnowledgeGraph()
    kg.ingest_events(lifecycle_events)
    before = quads(kg)
    kg.ingest_events(lifecycle_events, batch_quads=7)
    kg.ingest_events(reversed(lifecycle_events), batch_quads=50)
    assert quads(kg) == before


def test_deferred_materialisation_runs_once_later_and_survives_reopening(
        tmp_path: Path, lifecycle_events: list[dict[str, Any]]) -> None:
    from pyoxigraph import Store

    from provml_kg.graph import events_to_quads

    unmaterialised = Store()
    unmaterialised.extend(events_to_quads(lifecycle_events))
    with KnowledgeGraph(tmp_path / "store") as kg:
        for wf in ("wf-curation", "wf-training", "wf-qc"):
            kg.ingest_events([e for e in lifecycle_events if e["wf"] == wf], materialise=False)
        # the events' quads and what the ingest derives on the way (provml_kg.graph.derive)
        assert set(unmaterialised) < quads(kg) < set(build_graph(lifecycle_events))
    with KnowledgeGraph(tmp_path / "store") as kg:
        assert kg.materialise() == ["wf-curation", "wf-qc", "wf-training"]
        assert kg.materialise() == []
        assert quads(kg) == set(build_graph(lifecycle_events))


def test_the_ingest_derives_what_the_three_costly_rules_add(
        lifecycle_events: list[dict[str, Any]]) -> None:
    from pyoxigraph import Store

    from provml_kg.graph import events_to_quads
    from provml_kg.vocab import MLS, PROV, PROVML

    base = Store()
    base.extend(events_to_quads(lifecycle_events))
    by_rules = set(build_graph(lifecycle_events)) - set(base)
    costly = {PROV.wasAssociatedWith, PROV.agent, PROVML.ranOn, MLS.hasOutput}
    expected = {q for q in by_rules if q.predicate in costly}
    assert len(expected) > 20
    with KnowledgeGraph() as kg:
        kg.ingest_events(lifecycle_events, materialise=False)
        assert quads(kg) - set(base) == expected  # all of it, and only it, before any rule


def _drop_persona(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "persona"}


def _orders(events: list[dict[str, Any]]) -> dict[str, list[list[dict[str, Any]]]]:
    """Ingest orders that leave the derivation unable to settle a workflow (as ingest lists)."""
    training = [e for e in events if e["wf"] == "wf-training"]
    starts = [e for e in training if e["k"] == "workflow_start"]
    rest = [e for e in training if e["k"] != "workflow_start"]
    sections = [e for e in rest if e["k"] == "section_start"]
    late_persona = [_drop_persona(starts[0])] + rest + [starts[1]]
    return {
        "in order": [events],
        "split in two ingests": [events[: len(events) // 2], events[len(events) // 2:]],
        "workflow starts last": [rest + starts],
        "persona on the rank read last": [late_persona],
        "metrics before their sections": [starts + [e for e in rest if e not in sections]
                                          + sections],
        "rank 1 first, then rank 0 in a later ingest": [[starts[1]] + rest, [starts[0]]],
    }


@pytest.mark.parametrize("order", ["in order", "split in two ingests", "workflow starts last",
                                   "persona on the rank read last",
                                   "metrics before their sections",
                                   "rank 1 first, then rank 0 in a later ingest"])
def test_any_ingest_order_ends_with_what_the_rules_give(
        order: str, lifecycle_events: list[dict[str, Any]]) -> None:
    ingests = _orders(lifecycle_events)[order]
    events = [e for part in ingests for e in part]
    with KnowledgeGraph() as kg:
        for part in ingests:
            kg.ingest_events(part)
        assert quads(kg) == set(build_graph(events))


def test_settled_workflows_skip_the_derived_rules(lifecycle_events: list[dict[str, Any]]) -> None:
    from provml_kg.graph import materialisation_steps
    from provml_kg.graph.derive import Derivation, derivation_record
    from provml_kg.store.ingest import materialisation_plan

    derivation = Derivation(lambda wf: True)
    derivation.lines(r for r in map(derivation_record, lifecycle_events) if r is not None)
    workflows = ["wf-curation", "wf-qc", "wf-training"]
    assert derivation.settled() == set(workflows)  # every start before what it concerns
    derived = sum(step.derived for step in materialisation_steps())
    assert derived == 3
    full = materialisation_plan(workflows)
    assert len(materialisation_plan(workflows, {"wf-curation", "wf-qc"})) == len(full) - 2 * derived
    assert not any(s.derived for s in materialisation_plan(workflows, workflows))
    known = Derivation(lambda wf: False)  # the store already held something of it
    known.lines([("w", "x", 0, None, None)])
    assert known.settled() == set()


def test_per_rank_spool_directory_matches_the_event_stream(tmp_path: Path,
                                                           lifecycle_events: list[dict[str, Any]]) -> None:
    files = write_spools(tmp_path / "spool", lifecycle_events)
    assert any(".r1." in f.name for f in files)
    with KnowledgeGraph(tmp_path / "store") as kg:
        report = kg.ingest_spool(tmp_path / "spool", progress=False, batch_quads=100)
        assert report.files == len(files)
        assert report.bytes == sum(f.stat().st_size for f in files)
        assert quads(kg) == set(build_graph(lifecycle_events))
        again = kg.ingest_spool(tmp_path / "spool", progress=False)
        assert (again.events, again.bytes) == (0, 0)  # resumed at the end of every file
        everything = kg.ingest_spool(files, progress=False, resume=False)
        assert everything.events == len(lifecycle_events)
        assert quads(kg) == set(build_graph(lifecycle_events))


def test_torn_last_line_is_left_for_later_and_bad_lines_are_skipped(tmp_path: Path) -> None:
    events = synthetic_events("torn", 3)
    spool = tmp_path / spool_name("torn", 0, 0)
    lines = [json.dumps(e) for e in events]
    spool.write_text("\n".join(lines[:-1]) + "\nnot json\n" + lines[-1][:20])
    kg = KnowledgeGraph(tmp_path / "store")
    with pytest.warns(TornLineWarning) as caught:
        report = kg.ingest_spool(spool, progress=False)
    assert report.events == len(events) - 1
    messages = " ".join(str(w.message) for w in caught)
    assert "unparseable" in messages and "unterminated" in messages
    with open(spool, "a") as f:
        f.write(lines[-1][20:] + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TornLineWarning)
        assert kg.ingest_spool(spool, progress=False).events == 1
    kg.close()
    assert quads(KnowledgeGraph(tmp_path / "store", read_only=True)) == set(build_graph(events))


def test_a_replaced_spool_file_is_read_again_from_the_start(tmp_path: Path) -> None:
    spool = write_spools(tmp_path, synthetic_events("first", 2))[0]
    kg = KnowledgeGraph(tmp_path / "store")
    kg.ingest_spool(spool, progress=False)
    spool.write_text("".join(json.dumps(e) + "\n" for e in synthetic_events("other", 1)))
    assert kg.ingest_spool(spool, progress=False).events == len(synthetic_events("other", 1))
    assert kg.workflows() == ["first", "other"]


def test_invalid_event_names_file_and_line_and_keeps_what_came_before(tmp_path: Path) -> None:
    events = synthetic_events("bad", 2)
    events[3] = {**events[3], "value": "high"}
    spool = write_spools(tmp_path, events)[0]
    kg = KnowledgeGraph(tmp_path / "store")
    with pytest.raises(EventValidationError, match=rf"{spool.name}:4: metric.value"):
        kg.ingest_spool(spool, progress=False)
    checkpoint = json.loads((tmp_path / "store" / CHECKPOINT_NAME).read_text())
    assert checkpoint["files"][str(spool.resolve())]["line"] == 3
    assert kg.workflows() == ["bad"]


# ------------------------------------------------------------------ crash and resume
_INGEST = """
import sys
from provml_kg.store import KnowledgeGraph
kg = KnowledgeGraph(sys.argv[1])
kg.ingest_spool(sys.argv[2], progress=False, batch_quads=int(sys.argv[3]))
print("done", flush=True)
"""


def test_ingest_killed_half_way_then_rerun_equals_an_uninterrupted_ingest(tmp_path: Path) -> None:
    spools = tmp_path / "spool"
    events = synthetic_events("big-a", 600) + synthetic_events("big-b", 600)
    write_spools(spools, events)
    total = sum(f.stat().st_size for f in spools.iterdir())
    store = tmp_path / "killed"
    child = subprocess.Popen([sys.executable, "-c", _INGEST, str(store), str(spools), "8000"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    checkpoint = store / CHECKPOINT_NAME
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline and child.poll() is None:
        try:
            done = sum(p["offset"] for p in json.loads(checkpoint.read_text())["files"].values())
        except (OSError, ValueError, KeyError):
            done = 0
        if done > 0:
            break
        time.sleep(0.005)
    assert child.poll() is None, "the ingest finished before it could be killed: make it bigger"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert 0 < done < total  # killed half-way: some but not all of the spool is checkpointed

    with KnowledgeGraph(store) as kg:
        resumed = kg.ingest_spool(spools, progress=False, batch_quads=8000)
        assert 0 < resumed.bytes < total
        killed_then_resumed = quads(kg)
    with KnowledgeGraph(tmp_path / "clean") as kg:
        kg.ingest_spool(spools, progress=False)
        uninterrupted = quads(kg)
    assert killed_then_resumed == uninterrupted


# ------------------------------------------------------------------ opening
def test_locked_store_names_the_process_that_holds_it(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time\nfrom provml_kg.store import KnowledgeGraph\n"
         "kg = KnowledgeGraph(sys.argv[1]); print('open', flush=True); time.sleep(60)",
         str(tmp_path / "store")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreLockedError, match=rf"process {holder.pid} .*read_only=True"):
            KnowledgeGraph(tmp_path / "store")
    finally:
        holder.kill()
        holder.wait()
    KnowledgeGraph(tmp_path / "store").close()  # the lock went with the process


def test_read_only_needs_an_existing_store_and_refuses_writes(tmp_path: Path,
                                                              lifecycle_events: list[dict[str, Any]]) -> None:
    with pytest.raises(InputError, match="no store at"):
        KnowledgeGraph(tmp_path / "missing", read_only=True)
    assert not (tmp_path / "missing").exists()
    with KnowledgeGraph(tmp_path / "store") as kg:
        kg.ingest_events(lifecycle_events)
    reader = KnowledgeGraph(tmp_path / "store", read_only=True)
    assert reader.workflows() == ["wf-curation", "wf-qc", "wf-training"]
    with pytest.raises(StoreError, match="read-only"):
        reader.ingest_events(lifecycle_events)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        KnowledgeGraph(tmp_path / "file")


def test_closed_graph_says_so_and_data_survives_reopening(tmp_path: Path,
                                                          lifecycle_events: list[dict[str, Any]]) -> None:
    kg = KnowledgeGraph(tmp_path / "store")
    kg.ingest_events(lifecycle_events)
    n = len(kg)
    kg.close()
    with pytest.raises(StoreError, match="closed"):
        len(kg)
    with KnowledgeGraph(tmp_path / "store") as again:
        assert len(again) == n
    assert DEFAULT_STORE_PATH == "provml-store"


# ------------------------------------------------------------------ RDF in and out
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_then_load_round_trips_in_every_format(fmt: str, lifecycle_events: list[dict[str, Any]]) -> None:
    kg = KnowledgeGraph()
    kg.ingest_events(lifecycle_events)
    data = kg.export(format=fmt)
    copy = KnowledgeGraph()
    copy.load(data, format=fmt)
    if FORMATS[fmt].supports_datasets:
        assert quads(copy) == quads(kg)
    else:
        assert {q.triple for q in copy.store} == {q.triple for q in kg.store}
    kg.load_ontology()  # blank nodes (OWL lists, restrictions) come back renamed: count them
    copy = KnowledgeGraph()
    copy.load(kg.export(format=fmt), format=fmt)
    if FORMATS[fmt].supports_datasets:
        assert len(copy) == len(kg)


@pytest.mark.parametrize("fmt", ["trig", "ttl", "xml"])
def test_export_one_workflow(fmt: str, tmp_path: Path, lifecycle_events: list[dict[str, Any]]) -> None:
    kg = KnowledgeGraph()
    kg.ingest_events(lifecycle_events)
    path = kg.dump(tmp_path / f"qc.{fmt}", workflow="wf-qc")
    copy = KnowledgeGraph()
    copy.load(path=path, graph=None if FORMATS[fmt].supports_datasets else workflow_graph("wf-qc"))
    expected = set(kg.store.quads_for_pattern(None, None, None, workflow_graph("wf-qc")))
    assert quads(copy) == expected and expected


def test_load_bad_file_names_line_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://e/a> <http://e/p> <http://e/b> .\n<http://e/c> <http://e/p> .\n")
    kg = KnowledgeGraph()
    with pytest.raises(InputError, match=r"bad\.ttl is not valid Turtle: .*line 2"):
        kg.load(path=bad)
    assert len(kg) == 0
    with pytest.raises(UnknownFormatError, match="yaml"):
        kg.load(path=bad, format="yaml")
    with pytest.raises(UnknownFormatError, match="extension"):
        kg.load(path=tmp_path / "data.csv")
    with pytest.raises(UnknownFormatError):
        kg.export(format="csv")


def test_load_triples_into_a_named_graph(tmp_path: Path) -> None:
    kg = KnowledgeGraph(tmp_path / "store")
    g = NamedNode("http://example.org/domain")
    assert kg.load(b"<http://e/a> <http://e/p> 'x' .", format="ttl", graph="http://example.org/domain") == 1
    assert list(kg.store) == [Quad(NamedNode("http://e/a"), NamedNode("http://e/p"), Literal("x"), g)]
    with pytest.raises(InputError, match="triple formats only"):
        kg.load(b"", format="trig", graph=g)


# ------------------------------------------------------------------ workflows, ontology, SPARQL
def test_remove_and_replace_a_workflow(tmp_path: Path, lifecycle_events: list[dict[str, Any]]) -> None:
    write_spools(tmp_path / "spool", lifecycle_events)
    kg = KnowledgeGraph(tmp_path / "store")
    kg.ingest_spool(tmp_path / "spool", progress=False)
    full = quads(kg)
    kg.remove_workflow("wf-qc")
    assert kg.workflows() == ["wf-curation", "wf-training"]
    with pytest.raises(InputError, match="no workflow 'wf-qc'.*wf-curation"):
        kg.remove_workflow("wf-qc")
    kg.ingest_spool(tmp_path / "spool", progress=False)  # the checkpoint forgot wf-qc's file
    assert kg.workflows() == ["wf-curation", "wf-qc", "wf-training"]
    qc = [e for e in lifecycle_events if e["wf"] == "wf-qc"]
    with pytest.raises(InputError, match="belongs to workflow 'wf-curation'"):
        kg.replace_workflow("wf-qc", lifecycle_events)
    with pytest.raises(EventValidationError, match="event #1: "):
        kg.replace_workflow("wf-qc", [qc[0], {**qc[1], "seq": -1}])
    assert quads(kg) == full  # nothing changed
    kg.replace_workflow("wf-qc", qc)
    assert quads(kg) == full


def test_ontology_goes_into_its_own_graph_once(lifecycle_events: list[dict[str, Any]]) -> None:
    kg = KnowledgeGraph()
    kg.load_ontology()
    n = len(kg)
    kg.load_ontology()
    assert len(kg) == n > 0
    assert {q.graph_name for q in kg.store} == {ONTOLOGY_GRAPH}
    kg.ingest_events(lifecycle_events)
    assert "https://w3id.org/provml" not in kg.workflows()


def test_query_and_update_errors_are_query_errors() -> None:
    kg = KnowledgeGraph()
    with pytest.raises(QueryError, match="does not parse"):
        kg.query("SELECT WHERE")
    with pytest.raises(QueryError, match="does not parse"):
        kg.update("INSERT nonsense")
    kg.update("INSERT DATA { GRAPH <http://e/g> { <http://e/a> <http://e/p> 1 } }")
    assert bool(kg.query("ASK { <http://e/a> <http://e/p> 1 }"))  # union default graph
    assert not kg.query("ASK { <http://e/a> <http://e/p> 1 }", use_default_graph_as_union=False)


def test_one_graph_shared_by_threads(lifecycle_events: list[dict[str, Any]]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    kg = KnowledgeGraph()
    kg.ingest_events(lifecycle_events)
    expected = len(list(kg.query("SELECT * WHERE { ?s ?p ?o }")))
    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(lambda _: len(list(kg.query("SELECT * WHERE { ?s ?p ?o }"))), range(8)))
    assert counts == [expected] * 8


def test_progress_bar_on_a_terminal_does_not_change_the_result(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               lifecycle_events: list[dict[str, Any]]) -> None:
    write_spools(tmp_path / "spool", lifecycle_events)
    kg = KnowledgeGraph()
    kg.ingest_spool(tmp_path / "spool", progress=True)
    assert "ingest spool" in capsys.readouterr().err
    assert quads(kg) == set(build_graph(lifecycle_events))


# ------------------------------------------------------------------ parallel mapping
def test_worker_processes_give_the_same_store_and_checkpoint(tmp_path: Path,
                                                             lifecycle_events: list[dict[str, Any]]) -> None:
    events = lifecycle_events + synthetic_events("par-a", 300) + synthetic_events("par-b", 200)
    write_spools(tmp_path / "spool", events)
    spool = tmp_path / "spool" / spool_name("par-a", 0, 0)
    with open(spool, "a") as f:
        f.write("not json\n" + '{"v":1,"k":"met')  # a bad line and a torn tail
    checkpoints = []
    for workers in (0, 2):
        with KnowledgeGraph(tmp_path / f"store{workers}") as kg, pytest.warns(TornLineWarning) as caught:
            report = kg.ingest_spool(tmp_path / "spool", progress=False, workers=workers, batch_quads=10_000)
            assert report.events == len(events)
            assert quads(kg) == set(build_graph(events))
        messages = sorted(str(w.message).split(": ", 1)[1] for w in caught)
        assert [m.split(" (")[0] for m in messages] == ["left unterminated last line unread",
                                                         "skipped unparseable line"]
        checkpoints.append(json.loads((tmp_path / f"store{workers}" / CHECKPOINT_NAME).read_text())["files"])
    serial, parallel = ({Path(k).name: v for k, v in c.items()} for c in checkpoints)
    assert serial == parallel


def test_worker_processes_stop_at_a_bad_event_after_keeping_the_good_ones(tmp_path: Path) -> None:
    events = synthetic_events("par-bad", 400)
    events[1000] = {**events[1000], "seq": -1}
    spool = write_spools(tmp_path, events)[0]
    kg = KnowledgeGraph(tmp_path / "store")
    with pytest.raises(EventValidationError, match=rf"{spool.name}:1001: "):
        kg.ingest_spool(spool, progress=False, workers=2, batch_quads=5_000)
    position = json.loads((tmp_path / "store" / CHECKPOINT_NAME).read_text())["files"][str(spool.resolve())]
    assert position["line"] == 1000
    assert position["offset"] == sum(len(json.dumps(e, separators=(",", ":"))) + 1 for e in events[:1000])
