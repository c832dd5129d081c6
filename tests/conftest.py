"""Shared pytest fixtures. Append new fixtures at the end, each under its own clearly named section."""

from __future__ import annotations

from typing import Any

import pytest


# ---------------------------------------------------------------- lifecycle_events (graph engineer)
# A small but complete ML lifecycle, written as validated event dicts (schema v1):
#   wf-curation  "curate-seismic" (study fault-detection), persona bruno on n01:
#                domain_ref raw A and raw B (filesystem store seismic-fs) used by task normalise
#                (params method, clip) which generates dataset DS derived from both; task
#                deduplicate FAILS (ValueError); task split uses DS, generates test set TEST.
#   wf-training  "train-classifier" (study fault-detection, experiment mlp-baseline), persona ana,
#                2 MPI ranks (n01 rank 0 cuda:0, n02 rank 1): rank 0 trains (stage train-1,
#                2 epochs with loss/accuracy, learning + model hyperparameters, uses DS, generates
#                model MODEL) and evaluates (stage eval-1 uses MODEL and TEST, accuracy and f1);
#                rank 1 runs task load-shard that uses DS. Rank 1 starts first and ends last.
#   wf-qc        "inspect-raw", persona bruno on n03: uses raw A again (cross-workflow lineage);
#                task trace-statistics generates a value derived from raw A.
T0 = 1732262400.0


def _lifecycle_ids() -> dict[str, str]:
    from provml_kg import events

    return {
        "study": "fault-detection", "experiment": "mlp-baseline",
        "wf_curation": "wf-curation", "wf_training": "wf-training", "wf_qc": "wf-qc",
        "raw_a": events.domain_ref_id("seismic-fs", "raw/f3_a.segy"),
        "raw_b": events.domain_ref_id("seismic-fs", "raw/f3_b.segy"),
        "dataset": "ds-" + "a1" * 16, "test_set": "ds-" + "b2" * 16, "model": "model-mlp-1",
        "value": "val-mean-amplitude",
        "normalise": "norm-1", "dedup": "dedup-1", "split": "split-1", "train": "train-1",
        "epoch0": "train-1-e0", "epoch1": "train-1-e1", "eval": "eval-1",
        "load_shard": "load-shard-1", "stats": "stats-1",
    }


def _lifecycle_events() -> list[dict[str, Any]]:
    from provml_kg import events as ev

    ids = _lifecycle_ids()
    out: list[dict[str, Any]] = []
    seqs: dict[tuple[str, int], int] = {}

    def emit(cls: type, wf: str, dt: float, r: int = 0, **fields: Any) -> None:
        seq = seqs.get((wf, r), 0)
        seqs[(wf, r)] = seq + 1
        out.append(ev.to_dict(cls(wf=wf, t=T0 + dt, r=r, seq=seq, **fields)))

    store = ev.DataStore(id="seismic-fs", type="filesystem", uri="file:///data/seismic")
    raw_a, raw_b, ds, test = ids["raw_a"], ids["raw_b"], ids["dataset"], ids["test_set"]

    # -- curation
    wf = ids["wf_curation"]
    emit(ev.WorkflowStart, wf, 0.0, name="curate-seismic", study=ids["study"],
         persona=ev.Persona(name="bruno", role="domain scientist"),
         env=ev.Environment(host="n01", rank=0, size=1, device="cpu", python="3.11.7"),
         spec=[ev.PlannedStep(name="normalise", type="transformation",
                              attributes=["method", "clip"]),
               ev.PlannedStep(name="split", type="transformation", after=["normalise"])])
    emit(ev.TaskStart, wf, 1.0, id=ids["normalise"], name="normalise",
         params={"method": "zscore", "clip": 3.0})
    emit(ev.DomainRef, wf, 1.1, id=raw_a, store=store, identifier="raw/f3_a.segy",
         domain_class="https://w3id.org/provml/domains/seismic#SeismicCube",
         attributes={"inline_min": 100,
                     "https://w3id.org/provml/domains/seismic#inlineMax": 400,
                     "https://w3id.org/provml/domains/seismic#surveyName": "F3"},
         exec=ids["normalise"], role="used")
    emit(ev.DomainRef, wf, 1.2, id=raw_b, store=store, identifier="raw/f3_b.segy",
         related_to=[raw_a], exec=ids["normalise"], role="used")
    emit(ev.Data, wf, 2.0, exec=ids["normalise"], role="generated",
         entity=ev.Entity(id=ds, type="dataset", name="faults-normalised", rows=1000,
                          path="/data/curated/faults.npy", hash="sha256:" + "ab" * 32,
                          size=8000),
         derived_from=[raw_a, raw_b])
    emit(ev.TaskEnd, wf, 3.0, id=ids["normalise"], status="finished")
    emit(ev.TaskStart, wf, 4.0, id=ids["dedup"], name="deduplicate")
    emit(ev.TaskEnd, wf, 4.5, id=ids["dedup"], status="failed",
         error=ev.ErrorInfo(type="ValueError", message="duplicate trace ids"))
    emit(ev.TaskStart, wf, 5.0, id=ids["split"], name="split", params={"test_fraction": 0.2})
    emit(ev.Data, wf, 5.1, exec=ids["split"], role="used",
         entity=ev.Entity(id=ds, type="dataset", name="faults-normalised"))
    emit(ev.Data, wf, 5.5, exec=ids["split"], role="generated",
         entity=ev.Entity(id=test, type="feature_set", name="faults-test", rows=200,
                          features=["amplitude", "frequency"],
                          characteristics={"class_balance": 0.5}))
    emit(ev.TaskEnd, wf, 6.0, id=ids["split"], status="finished")
    emit(ev.WorkflowEnd, wf, 7.0, status="finished")

    # -- training, two MPI ranks
    wf = ids["wf_training"]
    impl = ev.Implementation(name="sklearn.neural_network.MLPClassifier", version="1.5.2")
    for rank, host, device, start in ((0, "n01", "cuda:0", 100.0), (1, "n02", "cuda:1", 99.5)):
        emit(ev.WorkflowStart, wf, start, r=rank, name="train-classifier", study=ids["study"],
             experiment=ids["experiment"], persona=ev.Persona(name="ana", role="ML engineer"),
             env=ev.Environment(host=host, rank=rank, size=2, device=device, python="3.11.7",
                                packages={"scikit-learn": "1.5.2", "numpy": "2.1.0"}),
             spec=[ev.PlannedStep(name="train-mlp", type="training"),
                   ev.PlannedStep(name="evaluate-mlp", type="evaluation")])
    emit(ev.TaskStart, wf, 100.5, r=1, id=ids["load_shard"], name="load-shard")
    emit(ev.Data, wf, 100.6, r=1, exec=ids["load_shard"], role="used",
         entity=ev.Entity(id=ds, type="dataset", name="faults-normalised"))
    emit(ev.TaskEnd, wf, 101.0, r=1, id=ids["load_shard"], status="finished")
    emit(ev.StageStart, wf, 101.0, id=ids["train"], stage="training", name="train-mlp",
         algorithm="multilayer perceptron", implementation=impl, task="classification")
    emit(ev.Hyperparameters, wf, 101.1, exec=ids["train"], scope="learning",
         values={"learning_rate": 0.001, "epochs": 2, "optimizer": "adam",
                 "early_stopping": False, "seed": None})
    emit(ev.Hyperparameters, wf, 101.2, exec=ids["train"], scope="model",
         values={"hidden_layer_sizes": "64,32", "activation": "relu"})
    emit(ev.Data, wf, 101.3, exec=ids["train"], role="used",
         entity=ev.Entity(id=ds, type="dataset", name="faults-normalised"))
    for epoch, (loss, acc) in enumerate(((0.9, 0.6), (0.5, 0.8))):
        sec = ids[f"epoch{epoch}"]
        base = 102.0 + 5 * epoch
        emit(ev.SectionStart, wf, base, id=sec, parent=ids["train"], section="epoch",
             index=epoch)
        emit(ev.Metric, wf, base + 1, exec=sec, name="loss", value=loss, step=epoch)
        emit(ev.Metric, wf, base + 2, exec=sec, name="accuracy", value=acc, step=epoch)
        emit(ev.SectionEnd, wf, base + 3, id=sec)
    emit(ev.Model, wf, 112.0, exec=ids["train"], id=ids["model"], name="mlp",
         path="/models/mlp.pkl", hash="sha256:" + "cd" * 32, size=2048,
         framework="scikit-learn 1.5.2")
    emit(ev.StageEnd, wf, 112.5, id=ids["train"], status="finished")
    emit(ev.StageStart, wf, 113.0, id=ids["eval"], stage="evaluation", name="evaluate-mlp",
         implementation=impl, task="classification")
    emit(ev.Data, wf, 113.1, exec=ids["eval"], role="used",
         entity=ev.Entity(id=ids["model"], type="model", name="mlp"))
    emit(ev.Data, wf, 113.2, exec=ids["eval"], role="used",
         entity=ev.Entity(id=test, type="feature_set", name="faults-test"))
    emit(ev.Metric, wf, 114.0, exec=ids["eval"], name="accuracy", value=0.85,
         model=ids["model"], data=[test], procedure="holdout")
    emit(ev.Metric, wf, 114.1, exec=ids["eval"], name="f1", value=0.83,
         model=ids["model"], data=[test], procedure="holdout")
    emit(ev.StageEnd, wf, 115.0, id=ids["eval"], status="finished")
    emit(ev.WorkflowEnd, wf, 120.0, r=0, status="finished")
    emit(ev.WorkflowEnd, wf, 130.0, r=1, status="finished")

    # -- a second look at raw A from another workflow
    wf = ids["wf_qc"]
    emit(ev.WorkflowStart, wf, 200.0, name="inspect-raw", study=ids["study"],
         persona=ev.Persona(name="bruno", role="domain scientist"),
         env=ev.Environment(host="n03", python="3.11.7"))
    emit(ev.DomainRef, wf, 200.5, id=raw_a, store=store, identifier="raw/f3_a.segy",
         exec=wf, role="used")
    emit(ev.TaskStart, wf, 201.0, id=ids["stats"], name="trace-statistics")
    emit(ev.Data, wf, 202.0, exec=ids["stats"], role="generated",
         entity=ev.Entity(id=ids["value"], type="value", name="mean amplitude", value=0.42),
         derived_from=[raw_a])
    emit(ev.TaskEnd, wf, 203.0, id=ids["stats"], status="finished")
    emit(ev.WorkflowEnd, wf, 204.0, status="finished")
    return out


@pytest.fixture
def lifecycle_ids() -> dict[str, str]:
    """Ids (workflow, execution, entity) used by :func:`lifecycle_events`."""
    return _lifecycle_ids()


@pytest.fixture
def lifecycle_events() -> list[dict[str, Any]]:
    """A small complete lifecycle as validated event dicts (see the comment above)."""
    return _lifecycle_events()


# ---------------------------------------------------------------- captured_events (graph engineer)
def _captured_events() -> list[dict[str, Any]]:
    """A lifecycle recorded through the capture API (in-process sink, no MPI, no files)."""
    import numpy as np

    from provml_kg import capture

    got: list[dict[str, Any]] = []
    store = capture.DataStore(id="seismic-fs", type="filesystem", uri="file:///data/seismic")
    X = np.arange(40, dtype=float).reshape(10, 4)
    with capture.workflow("captured-curation", id="cap-curation", study="fault-detection",
                          persona={"name": "bruno", "role": "domain scientist"},
                          sink=got.extend, mpi=False,
                          spec=[{"name": "normalise", "type": "transformation"}]) as wf:
        cube = wf.domain_ref(store=store, identifier="raw/f3_a.segy",
                             attributes={"inline_min": 100})
        with wf.task("normalise", params={"method": "zscore"}) as t:
            raw = t.used(X, name="patches", derived_from=[cube])
            data = t.generated((X - X.mean()) / X.std(), name="patches-normalised",
                               derived_from=[raw])
        try:
            with wf.task("deduplicate"):
                raise ValueError("duplicate trace ids")
        except ValueError:
            pass
    with capture.workflow("captured-training", id="cap-training", study="fault-detection",
                          experiment="mlp-baseline", persona="ana", sink=got.extend,
                          mpi=False) as wf:
        with wf.training("train-mlp", algorithm="multilayer perceptron",
                         task="classification") as tr:
            tr.log_params({"lr": 1e-3, "epochs": 2})
            tr.log_params({"hidden": 64}, scope="model")
            tr.used(name="patches-normalised", id=data)
            for ep in tr.epochs(2):
                ep.log_metric("loss", 1.0 / (ep.index + 1), step=ep.index)
            model = tr.log_model({"weights": [1, 2, 3]}, name="mlp", framework="numpy")
        with wf.evaluation("evaluate-mlp") as ev:
            ev.used(name="mlp", type="model", id=model)
            ev.log_metric("accuracy", 0.9, model=model, procedure="holdout")
            ev.log_metric("f1", float("nan"), model=model)
    return got


@pytest.fixture
def captured_events() -> list[dict[str, Any]]:
    """Events of a short lifecycle recorded through ``provml_kg.capture`` (see the function)."""
    return _captured_events()


# ---------------------------------------------------------------- provml serve (server engineer)
# A real `provml serve` process on a free 127.0.0.1 port over an on-disk store holding the
# lifecycle events; stopped with SIGTERM (the graceful path) when the test is done.
SERVER_TOKEN = "test-token-0123456789"


class RunningServer:
    """A `provml serve` subprocess: ``url`` (no trailing slash), ``store`` path, ``token``."""

    def __init__(self, store: Any, port: int, token: str | None, process: Any) -> None:
        self.store, self.port, self.token, self.process = store, port, token, process
        self.url = f"http://127.0.0.1:{port}"

    def auth(self, token: str | None = None) -> dict[str, str]:
        """Return the Authorization header for ``token`` (default: the server's)."""
        return {"Authorization": f"Bearer {token or self.token}"}

    def stop(self) -> int:
        """SIGTERM the server, wait for it, and return its exit code."""
        import subprocess

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def start_server(directory: Any, *, events: list[dict[str, Any]] | None = None,
                 allow_update: bool = True, token: str | None = SERVER_TOKEN,
                 args: tuple[str, ...] = ()) -> RunningServer:
    """Ingest ``events`` into a new store in ``directory`` and start `provml serve` on it."""
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    from provml_kg.store import KnowledgeGraph

    store = Path(directory) / "store"
    with KnowledgeGraph(store) as kg:
        if events:
            kg.ingest_events(events)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PROVML_TOKEN": token or ""}
    command = [sys.executable, "-m", "provml_kg.cli", "serve", "--store", str(store), "--port", str(port),
               *(["--allow-update"] if allow_update else []), *args]
    log = open(Path(directory) / "server.log", "wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = RunningServer(store, port, token, process)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"provml serve exited with {process.returncode}: "
                               f"{(Path(directory) / 'server.log').read_text()}")
        try:
            if httpx.get(server.url + "/sparql", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError("provml serve did not start within 60 s")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def provml_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A read-write `provml serve` (token :data:`SERVER_TOKEN`) over the lifecycle events."""
    server = start_server(tmp_path_factory.mktemp("serve"), events=_lifecycle_events())
    yield server
    server.stop()
