"""Benchmark the stored queries, and check the "order of magnitude" claim against raw event logs.

For each size (about 1e5 and 1e6 triples by default, 1e7 with ``--huge``) this script

1. writes a realistic lifecycle as capture spool files (JSON Lines of ``provml_kg.events``
   records, written directly, without the capture threads): seismic cubes and well records in
   two data stores, curation workflows that denoise and slice them, preparation workflows that
   extract feature sets from the curated data (so lineage crosses workflows), studies with
   experiments whose training runs log hyperparameters and per-epoch metrics on several MPI
   ranks, evaluations, inference workflows that make predictions, failed and still-running runs;
2. ingests the spool into an on-disk :class:`provml_kg.store.KnowledgeGraph` in a temp dir;
3. times every stored query (p50 and p95 over ``--repeat`` runs, parameters drawn from the
   generated world) and, for the lifecycle questions, the same question answered *without the
   representation*: the JSON Lines logs scanned and joined in Python. It checks both give the
   same answer (exit code 1 if not) and prints the ratio.

    .venv/bin/python scripts/bench_queries.py                       # 1e5 and 1e6 triples
    .venv/bin/python scripts/bench_queries.py --sizes 1e5 --repeat 5  # quick
    .venv/bin/python scripts/bench_queries.py --huge --json bench.json

The baseline is timed twice: "scan" reads and parses the logs then joins (what a scientist
without the graph does for each question), "joined" starts from events already parsed in memory
(only the joins: a lower bound no tool gets for free).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provml_kg.events import SCHEMA_VERSION, domain_ref_id, dumps, validate

SEISMIC_CLASS = "https://example.org/seismic#SeismicCube"
WELL_CLASS = "https://example.org/geo#WellLog"
T0 = 1_790_000_000.0


# ====================================================================== the generator
@dataclass
class World:
    """What the generator made, for choosing query parameters and checking answers."""

    raw_refs: list[str] = field(default_factory=list)
    well_refs: list[str] = field(default_factory=list)
    curated: list[str] = field(default_factory=list)
    feature_sets: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    training_execs: list[str] = field(default_factory=list)
    running_execs: list[str] = field(default_factory=list)
    failed_wfs: list[str] = field(default_factory=list)
    studies: list[str] = field(default_factory=list)
    experiments: list[tuple[str, str]] = field(default_factory=list)
    workflows: list[str] = field(default_factory=list)
    events: int = 0


class _Writer:
    """Writes one workflow rank's events to its spool file with consecutive ``seq``."""

    def __init__(self, directory: Path, wf: str, rank: int, world: World, t: float) -> None:
        self.wf, self.rank, self.world, self.t = wf, rank, world, t
        self.seq = 0
        self.lines: list[str] = []
        self.path = directory / f"{wf}.r{rank}.0000.spool.jsonl"

    def emit(self, kind: str, **fields: Any) -> None:
        self.t += 0.5
        event = {"v": SCHEMA_VERSION, "k": kind, "wf": self.wf, "t": round(self.t, 3),
                 "r": self.rank, "seq": self.seq, **fields}
        self.seq += 1
        self.lines.append(dumps(event))

    def close(self) -> None:
        self.path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        self.world.events += len(self.lines)


def _env(host: str, rank: int, size: int, device: str) -> dict[str, Any]:
    return {"host": host, "rank": rank, "size": size, "device": device, "python": "3.11.9",
            "platform": "Linux-x86_64", "packages": {"scikit-learn": "1.5.2", "numpy": "2.1.0"}}


PERSONAS = [{"name": "ana", "role": "domain scientist"}, {"name": "bruno", "role": "ML engineer"},
            {"name": "carla", "role": "computational scientist"}]


def generate(directory: Path, runs: int, *, epochs: int = 50, seed: int = 7) -> World:
    """Write the spool of a lifecycle with ``runs`` training runs into ``directory``."""
    rng = random.Random(seed)
    world = World()
    t = T0
    n_raw = max(4, runs // 4)
    n_cur = max(2, n_raw // 2)
    # --- domain data and curation: each curation workflow reads two cubes (and a well log)
    for c in range(n_cur):
        wf = f"curate-{c:05d}"
        world.workflows.append(wf)
        w = _Writer(directory, wf, 0, world, t)
        w.emit("workflow_start", name="seismic-curation", persona=PERSONAS[0],
               env=_env("geo01", 0, 1, "cpu"),
               spec=[{"name": "denoise", "type": "transformation", "attributes": ["filter", "window"]},
                     {"name": "slice", "type": "transformation", "attributes": ["axis", "step"]}])
        cubes = []
        for j in range(2):
            index = 2 * c + j
            ident = f"cubes/survey{index // 8:03d}/cube{index:05d}.segy"
            ref = domain_ref_id("seismic-fs", ident)
            cubes.append(ref)
            world.raw_refs.append(ref)
            well_ident = f"wells/W{index:05d}"
            well = domain_ref_id("wells-db", well_ident)
            world.well_refs.append(well)
            w.emit("domain_ref", id=well, store={"id": "wells-db", "type": "database",
                                                  "uri": "postgresql://geo-db/wells"},
                   identifier=well_ident, **{"class": WELL_CLASS},
                   attributes={"x": 600000.0 + index, "y": 6080000.0 + index, "depth_m": 3100.0})
            w.emit("domain_ref", id=ref, store={"id": "seismic-fs", "type": "filesystem",
                                                 "uri": "file:///data/seismic"},
                   identifier=ident, **{"class": SEISMIC_CLASS},
                   attributes={"inline_min": 100 + index, "inline_max": 750 + index,
                               "crossline_min": 300, "crossline_max": 1250,
                               "x": 605000.0 + 25 * index, "y": 6075000.0 + 25 * index},
                   related_to=[well], exec=f"{wf}-denoise", role="used")
        w.emit("task_start", id=f"{wf}-denoise", name="denoise",
               params={"filter": rng.choice(["median", "gaussian"]), "window": rng.choice([3, 5, 7])})
        w.emit("data", exec=f"{wf}-denoise", role="generated",
               entity={"id": f"ds-{wf}-denoised", "type": "dataset", "name": f"denoised {c}",
                       "rows": 650 * 950}, derived_from=cubes)
        w.emit("task_end", id=f"{wf}-denoise", status="finished")
        w.emit("task_start", id=f"{wf}-slice", name="slice",
               params={"axis": "inline", "step": rng.choice([1, 2, 4])})
        w.emit("data", exec=f"{wf}-slice", role="used",
               entity={"id": f"ds-{wf}-denoised", "type": "dataset", "name": f"denoised {c}"})
        curated = f"ds-{wf}-sliced"
        world.curated.append(curated)
        w.emit("data", exec=f"{wf}-slice", role="generated",
               entity={"id": curated, "type": "dataset", "name": f"inline slices {c}",
                       "rows": 650, "path": f"/scratch/curated/{c}.npz"},
               derived_from=[f"ds-{wf}-denoised"])
        w.emit("task_end", id=f"{wf}-slice", status="finished")
        w.emit("workflow_end", status="finished")
        w.close()
        t = w.t
    # --- learning-data preparation: one workflow per curated dataset (cross-workflow use)
    splits: list[tuple[str, str]] = []
    for c, curated in enumerate(world.curated):
        wf = f"prepare-{c:05d}"
        world.workflows.append(wf)
        w = _Writer(directory, wf, 0, world, t)
        w.emit("workflow_start", name="feature-preparation", persona=PERSONAS[2],
               env=_env("geo02", 0, 1, "cpu"))
        ex = f"{wf}-extract"
        w.emit("task_start", id=ex, name="extract-patches",
               params={"patch_size": rng.choice([32, 64]), "normalisation": "zscore",
                       "label_source": "interpreted-horizons"})
        w.emit("data", exec=ex, role="used",
               entity={"id": curated, "type": "dataset", "name": f"inline slices {c}"})
        ids = {}
        for part, rows in (("train", 5000), ("test", 1000)):
            fs = f"fs-{wf}-{part}"
            ids[part] = fs
            world.feature_sets.append(fs)
            w.emit("data", exec=ex, role="generated", derived_from=[curated],
                   entity={"id": fs, "type": "feature_set", "name": f"{part} patches {c}",
                           "rows": rows, "features": ["amplitude", "phase", "label"],
                           "characteristics": {"class_balance": 0.4}})
        splits.append((ids["train"], ids["test"]))
        w.emit("task_end", id=ex, status="finished")
        w.emit("workflow_end", status="finished")
        w.close()
        t = w.t
    # --- studies, experiments, training runs
    n_studies = max(1, runs // 100)
    for s in range(n_studies):
        world.studies.append(f"facies-study-{s:03d}")
        for e in range(2):
            world.experiments.append((world.studies[-1], f"{world.studies[-1]}-sweep-{e}"))
    for i in range(runs):
        study, experiment = world.experiments[i % len(world.experiments)]
        wf = f"train-{i:06d}"
        world.workflows.append(wf)
        size = 2 if i % 10 == 0 else 1
        fate = "failed" if i % 17 == 5 else ("running" if i % 29 == 3 else "finished")
        train_fs, test_fs = splits[rng.randrange(len(splits))]
        hyper = {"learning_rate": rng.choice([0.1, 0.01, 0.001, 0.0001]),
                 "batch_size": rng.choice([32, 64, 128]), "epochs": epochs,
                 "optimizer": rng.choice(["adam", "sgd"])}
        arch = {"hidden_layers": rng.choice([2, 3, 4]), "width": rng.choice([64, 128, 256]),
                "activation": rng.choice(["relu", "tanh"])}
        quality = rng.random()
        persona = PERSONAS[1 + i % 2]
        for rank in range(size):
            w = _Writer(directory, wf, rank, world, t)
            w.emit("workflow_start", name="facies-classifier", study=study, experiment=experiment,
                   persona=persona, env=_env(f"gpu{(i + rank) % 16:02d}", rank, size, f"cuda:{rank}"),
                   spec=[{"name": "train-mlp", "type": "training"},
                         {"name": "test-mlp", "type": "evaluation", "after": ["train-mlp"]}])
            if rank > 0:
                w.emit("workflow_end", status="finished")
                w.close()
                continue
            tr = f"{wf}-train"
            world.training_execs.append(tr)
            w.emit("stage_start", id=tr, stage="training", name="train-mlp",
                   algorithm="multilayer perceptron", task="facies classification",
                   implementation={"name": "sklearn.neural_network.MLPClassifier",
                                   "version": "1.5.2"})
            w.emit("hyperparameters", exec=tr, scope="learning", values=hyper)
            w.emit("hyperparameters", exec=tr, scope="model", values=arch)
            w.emit("data", exec=tr, role="used",
                   entity={"id": train_fs, "type": "feature_set", "name": "train patches"})
            n_epochs = epochs if fate == "finished" else epochs // 2
            for k in range(n_epochs):
                sec = f"{tr}-ep{k}"
                w.emit("section_start", id=sec, parent=tr, section="epoch", index=k)
                progress = (k + 1) / epochs
                w.emit("metric", exec=sec, name="loss", step=k,
                       value=round(2.0 * (1 - 0.8 * progress * quality) + 0.01 * rng.random(), 6))
                w.emit("metric", exec=sec, name="accuracy", step=k,
                       value=round(0.3 + 0.6 * progress * quality + 0.01 * rng.random(), 6))
                w.emit("section_end", id=sec, status="finished")
            if fate == "running":
                world.running_execs.append(tr)
                w.close()  # no end events: still running
                t = w.t
                continue
            if fate == "failed":
                world.failed_wfs.append(wf)
                error = {"type": "FloatingPointError", "message": f"loss diverged at epoch {n_epochs}"}
                w.emit("stage_end", id=tr, status="failed", error=error)
                w.emit("workflow_end", status="failed", error=error)
                w.close()
                t = w.t
                continue
            model = f"mdl-{wf}"
            world.models.append(model)
            w.emit("model", exec=tr, id=model, name=f"facies-mlp-{i}",
                   path=f"/scratch/models/{wf}.joblib", size=200_000 + i, framework="scikit-learn",
                   derived_from=[train_fs])
            w.emit("stage_end", id=tr, status="finished")
            ev = f"{wf}-test"
            w.emit("stage_start", id=ev, stage="evaluation", name="test-mlp")
            w.emit("data", exec=ev, role="used",
                   entity={"id": model, "type": "model", "name": f"facies-mlp-{i}"})
            w.emit("data", exec=ev, role="used",
                   entity={"id": test_fs, "type": "feature_set", "name": "test patches"})
            w.emit("metric", exec=ev, name="f1", value=round(0.2 + 0.75 * quality, 6),
                   model=model, data=[test_fs], procedure="holdout")
            w.emit("stage_end", id=ev, status="finished")
            w.emit("workflow_end", status="finished")
            w.close()
            t = w.t
    # --- production: inference workflows use a quarter of the models
    for j, model in enumerate(world.models[::4]):
        wf = f"infer-{j:05d}"
        world.workflows.append(wf)
        w = _Writer(directory, wf, 0, world, t)
        w.emit("workflow_start", name="facies-inference", persona=PERSONAS[0],
               env=_env("geo01", 0, 1, "cpu"))
        w.emit("task_start", id=f"{wf}-predict", name="predict", params={"threshold": 0.5})
        w.emit("data", exec=f"{wf}-predict", role="used",
               entity={"id": model, "type": "model", "name": "facies model"})
        w.emit("data", exec=f"{wf}-predict", role="generated", derived_from=[model],
               entity={"id": f"pred-{wf}", "type": "dataset", "name": f"facies map {j}"})
        w.emit("task_end", id=f"{wf}-predict", status="finished")
        w.emit("workflow_end", status="finished")
        w.close()
        t = w.t
    return world


def check_sample(directory: Path) -> None:
    """Validate every event of a few spool files (the generator writes without validating)."""
    for path in sorted(directory.glob("*.spool.jsonl"))[::50][:20]:
        for line in path.read_text(encoding="utf-8").splitlines():
            validate(json.loads(line))


# ====================================================================== without the representation
def scan(directory: Path) -> Iterator[dict[str, Any]]:
    """Every event of the spool: read and parse the JSON Lines, as a script without the graph."""
    for path in sorted(directory.glob("*.spool.jsonl")):
        with open(path, "rb") as lines:
            for line in lines:
                yield json.loads(line)


def _derivations(events: Iterable[dict[str, Any]]) -> tuple[dict[str, set[str]], set[str], set[str]]:
    """Entity -> entities it was derived from (explicit derived_from, and everything the
    execution that generated it used), the model ids, the domain reference ids."""
    used: dict[tuple[str, str], set[str]] = defaultdict(set)
    made: dict[str, list[tuple[str, str]]] = defaultdict(list)
    parents: dict[str, set[str]] = defaultdict(set)
    models: set[str] = set()
    refs: set[str] = set()
    for e in events:
        k = e["k"]
        if k == "data":
            ent = e["entity"]["id"]
            if e["role"] == "used":
                used[(e["wf"], e["exec"])].add(ent)
            else:
                made[ent].append((e["wf"], e["exec"]))
            if e["entity"]["type"] == "model":
                models.add(ent)
            parents[ent].update(e.get("derived_from") or ())
        elif k == "model":
            models.add(e["id"])
            made[e["id"]].append((e["wf"], e["exec"]))
            parents[e["id"]].update(e.get("derived_from") or ())
        elif k == "domain_ref":
            refs.add(e["id"])
            if e.get("exec") and e.get("role") == "used":
                used[(e["wf"], e["exec"])].add(e["id"])
            elif e.get("exec") and e.get("role") == "generated":
                made[e["id"]].append((e["wf"], e["exec"]))
    for ent, makers in made.items():
        for maker in makers:
            parents[ent].update(u for u in used.get(maker, ()) if u != ent)
    return parents, models, refs


def base_lineage(events: Iterable[dict[str, Any]], model: str) -> set[str]:
    """The raw domain data a model comes from (ids)."""
    parents, _, refs = _derivations(events)
    seen: set[str] = set()
    todo = [model]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen & refs


def base_impact(events: Iterable[dict[str, Any]], data: str) -> set[str]:
    """Every model and prediction derived from a raw file (ids)."""
    parents, models, _ = _derivations(events)
    children: dict[str, set[str]] = defaultdict(set)
    for child, ps in parents.items():
        for parent in ps:
            children[parent].add(child)
    seen: set[str] = set()
    todo = [data]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    downstream = seen & models
    predictions = {c for m in downstream for c in children.get(m, ()) if c not in models}
    return downstream | predictions


def base_best_model(events: Iterable[dict[str, Any]], study: str, measure: str) -> str:
    """The model of a study with the highest value of ``measure`` (id)."""
    study_wfs: set[str] = set()
    trained_in: dict[str, str] = {}
    users: dict[tuple[str, str], set[str]] = defaultdict(set)
    metrics: list[dict[str, Any]] = []
    for e in events:
        k = e["k"]
        if k == "workflow_start" and e.get("study") == study:
            study_wfs.add(e["wf"])
        elif k == "model":
            trained_in[e["id"]] = e["wf"]
        elif k == "data" and e["role"] == "used" and e["entity"]["type"] == "model":
            users[(e["wf"], e["exec"])].add(e["entity"]["id"])
        elif k == "metric" and e["name"] == measure:
            metrics.append(e)
    best: tuple[float, str] | None = None
    for m in metrics:
        evaluated = {m["model"]} if m.get("model") else set()
        evaluated |= users.get((m["wf"], m["exec"]), set())
        for model in evaluated:
            if trained_in.get(model) in study_wfs:
                candidate = (float(m["value"]), model)
                if best is None or candidate[0] > best[0] or (candidate[0] == best[0] and model < best[1]):
                    best = candidate
    return best[1] if best else ""


def base_metric_per_epoch(events: Iterable[dict[str, Any]], wf: str, execution: str,
                          measure: str) -> list[tuple[int, float]]:
    """(epoch index, value) of a measure in the sections of a training execution."""
    index: dict[str, int] = {}
    values: list[tuple[str, float]] = []
    for e in events:
        if e["wf"] != wf:
            continue
        if e["k"] == "section_start" and e["parent"] == execution:
            index[e["id"]] = e["index"]
        elif e["k"] == "metric" and e["name"] == measure:
            values.append((e["exec"], float(e["value"])))
    return sorted((index[x], v) for x, v in values if x in index)


def base_hyperparameters(events: Iterable[dict[str, Any]], model: str) -> set[tuple[str, str, Any]]:
    """(scope, name, value) of the hyperparameters of the execution that trained a model."""
    maker: tuple[str, str] | None = None
    given: dict[tuple[str, str], list[tuple[str, str, Any]]] = defaultdict(list)
    for e in events:
        if e["k"] == "model" and e["id"] == model:
            maker = (e["wf"], e["exec"])
        elif e["k"] == "hyperparameters":
            given[(e["wf"], e["exec"])].extend((e["scope"], n, v) for n, v in e["values"].items())
    return set(given.get(maker, [])) if maker else set()


def base_failed(events: Iterable[dict[str, Any]]) -> set[str]:
    """The workflow executions in which something failed or was killed (ids)."""
    return {e["wf"] for e in events
            if e["k"].endswith("_end") and e.get("status") in ("failed", "killed")}


def base_running(events: Iterable[dict[str, Any]]) -> set[tuple[str, str, float]]:
    """(stage execution, measure, latest value) for stage executions not ended."""
    started: set[tuple[str, str]] = set()
    ended: set[tuple[str, str]] = set()
    parent: dict[tuple[str, str], str] = {}
    latest: dict[tuple[str, str, str], tuple[float, float]] = {}
    for e in events:
        k = e["k"]
        if k == "stage_start":
            started.add((e["wf"], e["id"]))
        elif k == "stage_end":
            ended.add((e["wf"], e["id"]))
        elif k == "section_start":
            parent[(e["wf"], e["id"])] = e["parent"]
        elif k == "metric":
            key = (e["wf"], e["exec"], e["name"])
            if key not in latest or e["t"] >= latest[key][0]:
                latest[key] = (e["t"], float(e["value"]))
    best: dict[tuple[str, str, str], tuple[float, float]] = {}
    for (wf, x, name), (t, value) in latest.items():
        stage = parent.get((wf, x), x)
        if (wf, stage) in started and (wf, stage) not in ended:
            key = (wf, stage, name)
            if key not in best or t >= best[key][0]:
                best[key] = (t, value)
    return {(stage, name, value) for (wf, stage, name), (t, value) in best.items()}


def base_experiment_runs(events: Iterable[dict[str, Any]], study: str, experiment: str,
                         measure: str) -> set[tuple[str, float]]:
    """(run, last value of measure) for the runs of an experiment."""
    runs: set[str] = set()
    last: dict[str, tuple[float, float]] = {}
    for e in events:
        if e["k"] == "workflow_start" and e.get("experiment") == experiment and e.get("study") == study:
            runs.add(e["wf"])
        elif e["k"] == "metric" and e["name"] == measure:
            if e["wf"] not in last or e["t"] >= last[e["wf"]][0]:
                last[e["wf"]] = (e["t"], float(e["value"]))
    return {(wf, last[wf][1]) for wf in runs if wf in last}


# ====================================================================== the questions
ID = "https://w3id.org/provml/id/"


def _id(iri: Any) -> str:
    return str(iri).rsplit("/", 1)[-1]


@dataclass
class Question:
    """A stored query, how to draw its parameters, and (for lifecycle questions) the baseline."""

    query: str
    params: Callable[[World, int], dict[str, Any]]
    answer: Callable[[list[dict[str, Any]]], Any] | None = None
    baseline: Callable[[Iterable[dict[str, Any]], World, int], Any] | None = None
    kind: str = ""


def _pick(items: list[Any], i: int) -> Any:
    return items[(i * 7919) % len(items)]


def _train_exec(world: World, i: int) -> tuple[str, str]:
    x = _pick(world.training_execs, i)
    return x.rsplit("-train", 1)[0], x


def questions() -> list[Question]:
    """Every stored query of this library with its parameters; baselines for lifecycle ones."""
    def model(w: World, i: int) -> str:
        return ID + "entity/" + _pick(w.models, i)

    def study(w: World, i: int) -> tuple[str, str]:
        s, e = _pick(w.experiments, i)
        return s, e

    return [
        Question("lineage", lambda w, i: {"entity": model(w, i)},
                 lambda rows: {_id(r["ancestor"]) for r in rows if r.get("kind") == "domain data"},
                 lambda ev, w, i: base_lineage(ev, _pick(w.models, i)), "lineage, cross-workflow"),
        Question("raw_domain_data", lambda w, i: {"entity": model(w, i)},
                 lambda rows: {_id(r["reference"]) for r in rows if "relatedTo" not in r},
                 lambda ev, w, i: base_lineage(ev, _pick(w.models, i)), "lineage, cross-workflow"),
        Question("impact_of_data", lambda w, i: {"data": ID + "entity/" + _pick(w.raw_refs, i)},
                 lambda rows: {_id(r["derived"]) for r in rows},
                 lambda ev, w, i: base_impact(ev, _pick(w.raw_refs, i)), "impact, cross-workflow"),
        Question("data_preparation",
                 lambda w, i: {"data": ID + "entity/" + _pick(w.feature_sets, i)}),
        Question("model_hyperparameters", lambda w, i: {"model": model(w, i)},
                 lambda rows: {(r["scope"], r["hyperparameter"], r["value"]) for r in rows},
                 lambda ev, w, i: base_hyperparameters(ev, _pick(w.models, i)), "learning"),
        Question("metric_per_epoch",
                 lambda w, i: {"execution": ID + "execution/%s/%s" % _train_exec(w, i),
                               "measure": "loss"},
                 lambda rows: [(r["index"], r["value"]) for r in rows],
                 lambda ev, w, i: base_metric_per_epoch(ev, *_train_exec(w, i), "loss"), "learning"),
        Question("experiment_runs",
                 lambda w, i: {"experiment": ID + "experiment/%s/%s" % study(w, i),
                               "measure": "accuracy"},
                 lambda rows: {(_id(r["run"]), r["last"]) for r in rows},
                 lambda ev, w, i: base_experiment_runs(ev, *study(w, i), "accuracy"), "learning"),
        Question("best_model",
                 lambda w, i: {"study": ID + "study/" + study(w, i)[0], "measure": "f1"},
                 lambda rows: _id(rows[0]["model"]) if rows else "",
                 lambda ev, w, i: base_best_model(ev, study(w, i)[0], "f1"), "learning"),
        Question("top_runs_hyperparameters",
                 lambda w, i: {"study": ID + "study/" + study(w, i)[0], "measure": "f1", "k": 3}),
        Question("model_evaluations", lambda w, i: {"model": model(w, i)}),
        Question("model_agents", lambda w, i: {"model": model(w, i)}),
        Question("execution_profile", lambda w, i: {
            "workflow_execution": ID + "workflow-execution/" + _train_exec(w, i)[0]}),
        Question("failed_executions", lambda w, i: {},
                 lambda rows: {_id(r["workflow_execution"]) for r in rows},
                 lambda ev, w, i: base_failed(ev), "execution"),
        Question("running_latest_metrics", lambda w, i: {},
                 lambda rows: {(_id(r["execution"]), r["measure"], r["value"]) for r in rows},
                 lambda ev, w, i: base_running(ev), "monitoring"),
    ]


# ====================================================================== measuring
def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def runs_for(triples: float, per_run: float) -> int:
    """How many training runs give about ``triples`` triples."""
    return max(10, int(triples / per_run))


def measure_size(label: str, runs: int, epochs: int, repeat: int, base_repeat: int,
                 workdir: Path, console: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Generate, ingest, time every question at one size; return result rows and mismatches."""
    from provml_kg.queries import get_query
    from provml_kg.store import KnowledgeGraph

    spool = workdir / f"spool-{label}"
    spool.mkdir()
    started = time.perf_counter()
    world = generate(spool, runs, epochs=epochs)
    check_sample(spool)
    generated = time.perf_counter() - started
    spool_bytes = sum(p.stat().st_size for p in spool.glob("*.spool.jsonl"))
    kg = KnowledgeGraph(workdir / f"store-{label}")
    report = kg.ingest_spool(spool, progress=False)
    triples = len(kg)
    console.print(f"[bold]{label}[/bold]: {runs} runs x {epochs} epochs, {world.events:,} events "
                  f"({spool_bytes / 2**20:.1f} MiB JSON Lines, written in {generated:.1f} s) -> "
                  f"{triples:,} quads, ingested in {report.seconds:.1f} s")
    results: list[dict[str, Any]] = []
    mismatches: list[str] = []
    loaded = list(scan(spool))
    for question in questions():
        stored = get_query(question.query)
        times: list[float] = []
        answers = []
        for i in range(repeat):
            params = question.params(world, i)
            t0 = time.perf_counter()
            rows = stored.rows(kg, **params)
            times.append(time.perf_counter() - t0)
            if i < base_repeat:
                answers.append(rows)
        row: dict[str, Any] = {"query": question.query, "size": label, "triples": triples,
                               "p50_ms": 1000 * percentile(times, 0.5),
                               "p95_ms": 1000 * percentile(times, 0.95), "kind": question.kind}
        if question.baseline is not None and question.answer is not None:
            scan_times, joined_times = [], []
            for i in range(base_repeat):
                t0 = time.perf_counter()
                from_logs = question.baseline(scan(spool), world, i)
                scan_times.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                question.baseline(loaded, world, i)
                joined_times.append(time.perf_counter() - t0)
                from_graph = question.answer(answers[i])
                if from_graph != from_logs:
                    mismatches.append(f"{label} {question.query} #{i}: graph {from_graph!r:.300} "
                                      f"!= logs {from_logs!r:.300}")
            row["scan_ms"] = 1000 * statistics.median(scan_times)
            row["joined_ms"] = 1000 * statistics.median(joined_times)
            row["ratio_scan"] = row["scan_ms"] / row["p50_ms"]
            row["ratio_joined"] = row["joined_ms"] / row["p50_ms"]
        results.append(row)
    kg.close()
    shutil.rmtree(spool)
    return results, mismatches


def parse_size(text: str) -> float:
    """``1e5`` or ``100000`` -> 100000.0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r}: expected a number of triples such as 1e6")
    if value < 1e4:
        raise argparse.ArgumentTypeError(f"size {text!r}: expected at least 1e4 triples")
    return value


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[1e5, 1e6],
                        help="approximate graph sizes in triples (default: 1e5 1e6)")
    parser.add_argument("--huge", action="store_true", help="add 1e7 triples (minutes, GBs)")
    parser.add_argument("--epochs", type=int, default=50, help="epochs per training run")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each stored query")
    parser.add_argument("--baseline-repeat", type=int, default=3,
                        help="timed runs of each baseline (each one rescans the logs)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--workdir", type=Path, help="where to build stores (default: a temp dir)")
    args = parser.parse_args(argv)
    sizes = list(args.sizes) + ([1e7] if args.huge else [])
    base_repeat = min(args.baseline_repeat, args.repeat)
    # a file or pipe gets the full table, not one folded to 80 columns
    console = Console() if sys.stdout.isatty() else Console(width=160)
    workdir = Path(tempfile.mkdtemp(prefix="bench-queries-", dir=args.workdir))
    results: list[dict[str, Any]] = []
    mismatches: list[str] = []
    try:
        # calibrate: triples per training run (with its share of curation, preparation, inference)
        pilot = workdir / "pilot"
        pilot.mkdir()
        generate(pilot, 40, epochs=args.epochs)
        from provml_kg.capture.spool import read_spool
        from provml_kg.graph import build_graph

        per_run = len(build_graph(read_spool(pilot))) / 40
        shutil.rmtree(pilot)
        for size in sizes:
            label = f"{size:.0e}".replace("+0", "")
            found, bad = measure_size(label, runs_for(size, per_run), args.epochs, args.repeat,
                                      base_repeat, workdir, console)
            results += found
            mismatches += bad
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    table = Table(title="Stored queries on the knowledge graph vs the same question from the raw "
                        "event logs (JSON Lines scanned and joined in Python)", title_justify="left")
    for column in ("query", "size", "quads", "p50 ms", "p95 ms", "logs: scan+join ms",
                   "ratio", "logs: join only ms", "ratio"):
        table.add_column(column, justify="left" if column == "query" else "right")
    for r in results:
        has = "scan_ms" in r
        table.add_row(r["query"], r["size"], f"{r['triples']:,}", f"{r['p50_ms']:.1f}",
                      f"{r['p95_ms']:.1f}",
                      f"{r['scan_ms']:.0f}" if has else "-",
                      f"{r['ratio_scan']:.0f}x" if has else "-",
                      f"{r['joined_ms']:.1f}" if has else "-",
                      f"{r['ratio_joined']:.1f}x" if has else "-")
    console.print(table)
    console.print("p50/p95 over --repeat runs with parameters drawn from the generated world; "
                  "the log baselines are medians over --baseline-repeat runs; ratio = baseline / "
                  "knowledge-graph p50. Same answers checked for every baseline run.")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "mismatches": mismatches},
                                        indent=2), encoding="utf-8")
    if mismatches:
        console.print(f"[red]{len(mismatches)} answer(s) differ:[/red]")
        for line in mismatches[:20]:
            console.print("  " + line)
        return 1
    console.print("[green]every baseline answer equals the knowledge-graph answer[/green]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
