"""provml_kg.capture: executions, failures, the module API and the buffered pipeline."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from provml_kg import capture
from provml_kg.errors import CaptureError, EventValidationError, SinkError
from provml_kg.events import validate


def run_events(tmp_path: Path) -> list[dict[str, Any]]:
    return list(capture.read_spool(tmp_path, check=True))


def by_kind(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["k"] == kind]


def test_a_full_workflow_writes_valid_ordered_events(tmp_path: Path) -> None:
    store = capture.DataStore(id="seismic-fs", type="filesystem", uri="file:///data")
    with capture.workflow("digits", spool_dir=tmp_path, mpi=False, experiment="sweep",
                          persona="ana", spec=[capture.PlannedStep(name="fit", type="training")],
                          params={"seed": np.int64(3)}) as wf:
        ref = wf.domain_ref(store=store, identifier="cubes/f3.npy",
                            attributes={"inline_min": np.int32(100)})
        with wf.task("normalise", params={"method": "zscore"}) as t:
            raw = t.used(np.arange(20).reshape(5, 4), name="digits", derived_from=[ref])
            t.generated(np.ones((5, 4)), name="norm", derived_from=[raw])
        with wf.training("fit", algorithm="mlp", implementation="sklearn.MLP",
                         task="classification") as tr:
            tr.log_params({"lr": 0.01, "solver": "adam"})
            tr.log_params({"hidden": 32}, scope="model")
            for ep in tr.epochs(3):
                ep.log_metric("loss", 1.0 / (ep.index + 1), step=ep.index)
            model_id = tr.log_model({"weights": [1, 2]}, name="mlp")
        with wf.evaluation("test") as ev:
            ev.used(name="mlp", type="model", id=model_id)
            ev.log_metric("accuracy", 0.9, model=model_id, procedure="holdout")
    events = run_events(tmp_path)
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert {e["wf"] for e in events} == {wf.id} and {e["r"] for e in events} == {0}
    assert events[0]["k"] == "workflow_start" and events[-1]["k"] == "workflow_end"
    start = events[0]
    assert start["persona"] == {"name": "ana"} and start["params"] == {"seed": 3}
    assert start["env"]["rank"] == 0 and start["env"]["size"] == 1 and start["env"]["host"]
    assert events[-1]["status"] == "finished"
    kinds = [e["k"] for e in events]
    assert kinds.count("section_start") == kinds.count("section_end") == 3
    losses = [e["value"] for e in by_kind(events, "metric") if e["name"] == "loss"]
    assert losses == [1.0, 0.5, 1.0 / 3]
    sections = by_kind(events, "section_start")
    stage = by_kind(events, "stage_start")[0]
    assert all(s["parent"] == stage["id"] for s in sections)
    assert [s["index"] for s in sections] == [0, 1, 2]
    ref_event = by_kind(events, "domain_ref")[0]
    assert ref_event["id"] == ref and ref_event["attributes"] == {"inline_min": 100}
    assert ref_event["exec"] == wf.id and ref_event["role"] == "used"
    data = by_kind(events, "data")
    assert data[0]["entity"]["rows"] == 5 and data[0]["entity"]["hash"].startswith("sha256:")
    assert data[1]["derived_from"] == [data[0]["entity"]["id"]]
    assert by_kind(events, "model")[0]["id"] == model_id
    accuracy = [e for e in by_kind(events, "metric") if e["name"] == "accuracy"][0]
    assert accuracy["model"] == model_id and accuracy["procedure"] == "holdout"
    assert {h["scope"] for h in by_kind(events, "hyperparameters")} == {"learning", "model"}


def test_same_data_gets_the_same_content_id(tmp_path: Path) -> None:
    ids = []
    for _ in range(2):
        with capture.workflow("w", spool_dir=tmp_path, mpi=False) as wf:
            ids.append(wf.used(np.arange(6.0), name="x"))
    assert ids[0] == ids[1]


@pytest.mark.parametrize("scope", ["task", "training", "epoch"])
def test_an_exception_is_recorded_and_re_raised(tmp_path: Path, scope: str) -> None:
    with pytest.raises(ZeroDivisionError):
        with capture.workflow("w", spool_dir=tmp_path, mpi=False) as wf:
            if scope == "task":
                with wf.task("divide"):
                    1 / 0
            elif scope == "training":
                with wf.training("fit"):
                    1 / 0
            else:
                with wf.training("fit") as tr:
                    for _ in tr.epochs(3):
                        1 / 0
    events = run_events(tmp_path)
    ends = [e for e in events if e["k"].endswith("_end")]
    assert ends and all(e["status"] == "failed" for e in ends)
    assert ends[-1]["k"] == "workflow_end"
    for end in ends:
        assert end["error"]["type"] == "ZeroDivisionError"
        assert "division by zero" in end["error"]["message"]
        assert "ZeroDivisionError" in end["error"]["traceback"]


def test_keyboard_interrupt_is_recorded_as_killed(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        with capture.workflow("w", spool_dir=tmp_path, mpi=False) as wf:
            with wf.task("long"):
                raise KeyboardInterrupt
    statuses = {e["k"]: e["status"] for e in run_events(tmp_path) if "status" in e}
    assert statuses == {"task_end": "killed", "workflow_end": "killed"}


def test_breaking_out_of_epochs_ends_the_section_as_finished(tmp_path: Path) -> None:
    with capture.workflow("w", spool_dir=tmp_path, mpi=False) as wf:
        with wf.training() as tr:
            for ep in tr.epochs(10):
                if ep.index == 2:
                    break
    events = run_events(tmp_path)
    assert len(by_kind(events, "section_start")) == len(by_kind(events, "section_end")) == 3
    assert all(e["status"] == "finished" for e in by_kind(events, "section_end"))


def test_decorated_tasks_record_scalar_arguments_and_failures(tmp_path: Path) -> None:
    @capture.task("scale")
    def scale(values: list[float], factor: float = 2.0, *, label: str = "x") -> list[float]:
        if factor < 0:
            raise ValueError("negative factor")
        return [v * factor for v in values]

    assert scale([1.0], 3.0) == [3.0]  # no workflow open: runs uncaptured
    with capture.workflow("w", spool_dir=tmp_path, mpi=False):
        assert scale([1.0]) == [2.0]
        with pytest.raises(ValueError):
            scale([1.0], -1.0)
    events = run_events(tmp_path)
    starts = by_kind(events, "task_start")
    assert [s["params"] for s in starts] == [{"factor": 2.0, "label": "x"},
                                             {"factor": -1.0, "label": "x"}]
    assert [e["status"] for e in by_kind(events, "task_end")] == ["finished", "failed"]
    assert starts[0]["id"] != starts[1]["id"]


def test_mlflow_like_module_api(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no active workflow"):
        capture.log_metric("loss", 1.0)
    wf = capture.start_workflow("mlflow-style", spool_dir=tmp_path, mpi=False)
    assert capture.active_workflow() is wf
    capture.log_params({"lr": 0.1})
    capture.log_param("epochs", 3)
    with capture.training("fit"):
        capture.log_metric("loss", 0.5, step=0)
        capture.log_metrics({"loss": 0.4, "acc": 0.8}, step=1)
        inner = capture.current()
        capture.log_model(name="m")
    with capture.task("prep"):
        capture.log_input(np.zeros(3), name="in")
        capture.log_output(np.ones(3), name="out")
        capture.domain_ref(store={"id": "db", "type": "database"}, identifier="wells/42")
    capture.end_workflow()
    assert capture.active_workflow() is None
    events = run_events(tmp_path)
    metrics = by_kind(events, "metric")
    assert [m["exec"] for m in metrics] == [inner.id] * 3
    assert by_kind(events, "hyperparameters")[0]["exec"] == wf.id
    assert events[-1] == {**events[-1], "k": "workflow_end", "status": "finished"}
    assert {d["entity"]["name"] for d in by_kind(events, "data")} == {"in", "out"}


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda ex: ex.log_metric("loss", "0.3"), "metric 'loss' value: got '0.3' (str)"),
    (lambda ex: ex.log_metric("loss", True), "expected a number"),
    (lambda ex: ex.log_metric("loss", None), "got None"),
    (lambda ex: ex.log_metric("", 1.0), "name: got ''"),
    (lambda ex: ex.log_metric("loss", 1.0, step=-1), "step: got -1"),
    (lambda ex: ex.log_metric("loss", 1.0, step=1.5), "step: got 1.5"),
    (lambda ex: ex.log_params({"lr": 0.1}, scope="optimizer"), "hyperparameters.scope"),
    (lambda ex: ex.log_params({"lr": float("nan")}), "hyperparameters.values.lr"),
    (lambda ex: ex.stage("testing"), "stage: got 'testing'"),
    (lambda ex: ex.task("t", id="has space"), "task id"),
    (lambda ex: ex.section("epoch", -1), "epoch index: got -1"),
    (lambda ex: ex.domain_ref(store={"id": "s"}, identifier="x"), "domain_ref.store.type: missing"),
    (lambda ex: ex.used(name="x", type="table"), "entity type 'table'"),
    (lambda ex: ex.log_metric("loss", 1.0, data="ds-1"), "metric.data"),
])
def test_bad_values_raise_at_the_call_that_logged_them(tmp_path: Path, call: Any,
                                                       fragment: str) -> None:
    with capture.workflow("w", spool_dir=tmp_path, mpi=False) as wf:
        with pytest.raises((EventValidationError, CaptureError)) as caught:
            call(wf)
        assert fragment in str(caught.value)
    assert run_events(tmp_path)[-1]["status"] == "finished"


def test_numpy_and_torch_like_scalars_are_accepted() -> None:
    class Tensor0d:  # what torch.tensor(0.5) offers
        def item(self) -> float:
            return 0.5
    got: list[dict[str, Any]] = []
    with capture.workflow("w", sink=got.extend, mpi=False) as wf:
        wf.log_metric("a", np.float32(0.25))
        wf.log_metric("b", np.int64(3))
        wf.log_metric("c", Tensor0d())
    assert [e["value"] for e in got if e["k"] == "metric"] == [0.25, 3, 0.5]
    for event in got:
        validate(event)


def test_callable_sink_and_several_sinks(tmp_path: Path) -> None:
    got: list[dict[str, Any]] = []
    with capture.workflow("w", sink=[got.extend, tmp_path], mpi=False) as wf:
        for i in range(2500):
            wf.log_metric("m", float(i), step=i)
    assert got == run_events(tmp_path)
    assert len(got) == 2502 and wf.events_written == 2502


def test_a_workflow_id_given_again_continues_the_sequence(tmp_path: Path) -> None:
    for _ in range(2):
        with capture.workflow("w", id="resumable-run", spool_dir=tmp_path, mpi=False) as wf:
            wf.log_metric("m", 1.0)
    events = run_events(tmp_path)
    assert [e["seq"] for e in events] == list(range(6))
    assert {e["wf"] for e in events} == {"resumable-run"}


class GateSink:
    """A sink whose writes wait until the test opens the gate; records what it got."""

    def __init__(self, fail_times: int = 0) -> None:
        self.gate = threading.Event()
        self.lines: list[str] = []
        self.fail_times = fail_times

    def open(self, wf: str, rank: int) -> None:
        pass

    def write(self, lines: list[str]) -> None:
        self.gate.wait()
        if self.fail_times:
            self.fail_times -= 1
            raise OSError("disk full")
        self.lines.extend(lines)

    def close(self) -> None:
        pass


def test_full_buffer_raises_when_policy_is_raise() -> None:
    sink = GateSink()
    wf = capture.workflow("w", sink=sink, mpi=False, batch_size=10, max_buffer=50,
                          when_full="raise")
    wf.start()
    with pytest.raises(CaptureError, match="buffer full .*when_full='raise'"):
        for i in range(10_000):
            wf.log_metric("m", float(i))
    sink.gate.set()
    wf.end()
    seqs = [int(line.split('"seq":')[1].split(",")[0]) for line in sink.lines]
    assert seqs == list(range(len(seqs))) and len(seqs) > 50  # nothing accepted was lost


def test_full_buffer_blocks_the_caller_until_drained() -> None:
    sink = GateSink()
    wf = capture.workflow("w", sink=sink, mpi=False, batch_size=10, max_buffer=50)
    wf.start()
    done = threading.Event()

    def producer() -> None:
        for i in range(500):
            wf.log_metric("m", float(i))
        done.set()

    thread = threading.Thread(target=producer)
    thread.start()
    assert not done.wait(0.3)  # the sink is stuck, so the producer must be waiting
    sink.gate.set()
    thread.join(30)
    assert done.is_set()
    wf.end()
    assert sum('"k":"metric"' in line for line in sink.lines) == 500


def test_a_failing_sink_keeps_the_batch_and_retries() -> None:
    sink = GateSink(fail_times=10**6)
    sink.gate.set()
    wf = capture.workflow("w", sink=sink, mpi=False, batch_size=5, flush_interval=60)
    wf.start()
    for i in range(20):
        wf.log_metric("m", float(i))
    with pytest.raises(SinkError, match="disk full"):
        wf.flush()
    sink.fail_times = 0  # the disk has room again
    wf.end()  # everything, in order, exactly once
    seqs = [int(line.split('"seq":')[1].split(",")[0]) for line in sink.lines]
    assert seqs == list(range(22))


def test_a_sink_that_never_recovers_fails_the_close_loudly() -> None:
    sink = GateSink(fail_times=10**6)
    sink.gate.set()
    wf = capture.workflow("w", sink=sink, mpi=False, flush_interval=60)
    wf.start()
    wf.log_metric("m", 1.0)
    wf._pipe.close_retries = 1
    with pytest.raises(SinkError, match=r"could not write 3 event\(s\) at close: disk full"):
        wf.end()


def test_importing_capture_loads_no_rdf_library() -> None:
    code = ("import sys, provml_kg.capture; "
            "print([m for m in ('pyoxigraph', 'rdflib', 'owlready2', 'httpx', 'mpi4py') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unended_workflow_is_finished_at_exit(tmp_path: Path) -> None:
    code = ("import sys; from provml_kg import capture; "
            f"capture.start_workflow('w', spool_dir={str(tmp_path)!r}, mpi=False); "
            "capture.log_metric('m', 1.0)")
    subprocess.run([sys.executable, "-c", code], check=True)
    events = run_events(tmp_path)
    assert [e["k"] for e in events] == ["workflow_start", "metric", "workflow_end"]


def test_in_process_sink_builds_the_knowledge_graph() -> None:
    from provml_kg.store import KnowledgeGraph
    kg = KnowledgeGraph()
    with capture.workflow("in-process", sink=kg.ingest_events, mpi=False) as wf:
        with wf.training("fit") as tr:
            tr.log_metric("loss", 0.5)
    assert kg.workflows() == [wf.id]
    assert bool(kg.query("ASK { ?x ?p 0.5 }")) or bool(kg.query('ASK { ?x ?p "0.5"^^<http://www.w3.org/2001/XMLSchema#double> }'))


def test_the_public_api_is_what_all_says() -> None:
    for name in capture.__all__:
        assert getattr(capture, name) is not None, name
    assert capture.HttpSink.__module__ == "provml_kg.capture.http"
    public = {n for n in vars(capture) if not n.startswith("_")} - {
        "annotations", "functools", "Callable", "TracebackType", "Any", "TypeVar", "F",
        "CURRENT", "CaptureError", "context", "pipeline", "runs", "sinks", "spool", "workflow",
        "loops", "entities", "environment", "outcome", "http"}
    assert public <= set(capture.__all__) | {"workflow"}
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        capture.nope  # noqa: B018


def test_logging_into_an_ended_workflow_raises(tmp_path: Path) -> None:
    with capture.workflow("w", spool_dir=tmp_path, mpi=False) as wf:
        with wf.training() as tr:
            pass
    with pytest.raises(CaptureError, match="this workflow has ended"):
        tr.log_metric("late", 1.0)
    with pytest.raises(CaptureError, match="this workflow has ended"):
        wf.log_params({"late": 1})
    assert [e["k"] for e in run_events(tmp_path)][-1] == "workflow_end"


def test_the_flusher_writes_what_waits_and_does_not_chase_new_events() -> None:
    # A sink that gets a new event appended while it writes, as a training loop does while the
    # flusher fsyncs: a drain writes what was waiting in one batch and leaves the newcomers for
    # a later batch, instead of writing (and fsyncing) them one at a time.
    from provml_kg.capture.pipeline import Pipeline

    batches: list[int] = []
    appending = [True]

    class AppendingSink:
        def open(self, wf: str, rank: int) -> None:
            pass

        def write(self, lines: list[str]) -> None:
            batches.append(len(lines))
            if appending[0] and len(batches) < 200:  # bounded, so chasing ends (and fails)
                pipe.put((1.0, "e0", "loss", 0.5, len(batches)))

        def close(self) -> None:
            pass

    pipe = Pipeline([AppendingSink()], wf="wf", rank=0, batch_size=1000, flush_interval=60)
    for i in range(1000):
        pipe.put((1.0, "e0", "loss", 0.5, i))
    pipe.flush()
    # one drain by the flusher (woken at 1000) and one by flush(): at most two batches, the
    # first with the 1000 waiting events (chasing would make one batch per newcomer, forever)
    assert batches[0] == 1000 and len(batches) <= 2
    appending[0] = False
    pipe.close()
    assert sum(batches) == 1000 + len(batches) - 1 == pipe.written
