"""Benchmark: spool events -> PROV-ML triples in the on-disk store, next to the alternatives.

Routes, measured in the same run, each in its own process (so peak RSS is its own):

- ``provml``: ``KnowledgeGraph(path).ingest_spool(spool)``: JSON parsing, validation, the
  events -> quads mapping, bulk load, checkpoint and materialisation, end to end; and the same
  with ``materialise=False`` (the rules deferred), to show the store path apart from the rules.
- ``bulk_load``: pyoxigraph's raw ``Store.bulk_load`` of the same event quads as an N-Quads
  file (no JSON, no mapping): the limit to approach.
- ``prov``: the ``prov`` package route: a ``ProvDocument`` built from the events, serialised as
  PROV-O RDF (N-Triples through rdflib) and loaded into an on-disk store. It is slow, so it runs
  on a prefix of the events (``--prov-events``); rates are compared per triple (each route's own
  output: the prov route writes fewer triples per event, which favours it) and per event.

The triples are the distinct quads of the events (a quad repeated by several events, such as a
measure's type, counts once): what both ``bulk_load`` and ``provml`` leave in the store, the
rules' output apart.

Usage::

    .venv/bin/python scripts/bench_ingest.py --triples 1000000 [--json out.json]
    .venv/bin/python scripts/bench_ingest.py --triples 10000000   # the full memory figure

Memory is bounded by streaming: peak RSS should not grow with ``--triples`` beyond the batch
size; run two sizes to see the slope.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUADS_PER_EPOCH = 40  # roughly, for sizing the synthetic spool


def workflow_events(wf: str, epochs: int) -> Iterator[dict[str, Any]]:
    """A realistic training workflow: curation task, training with epochs and metrics, model,
    evaluation; hyperparameters and data entities."""
    seq = 0
    t = 1.7e9

    def e(k: str, **fields: Any) -> dict[str, Any]:
        nonlocal seq, t
        seq += 1
        t += 0.01
        return {"v": 1, "k": k, "wf": wf, "t": t, "r": 0, "seq": seq - 1, **fields}

    raw = f"dr-{wf}"
    ds = f"ds-{wf}"
    yield e("workflow_start", name="bench-train", study="bench", experiment="mlp",
            persona={"name": "ana", "role": "data scientist"},
            env={"host": "n01", "rank": 0, "size": 1, "device": "cpu", "python": "3.11"},
            spec=[{"name": "normalise", "type": "transformation"}, {"name": "train", "type": "training"}])
    yield e("task_start", id="norm", name="normalise", params={"method": "zscore", "clip": 3.0})
    yield e("domain_ref", id=raw, store={"id": "fs", "type": "filesystem"}, identifier=f"raw/{wf}.npy",
            attributes={"inline_min": 1}, exec="norm", role="used")
    yield e("data", exec="norm", role="generated", derived_from=[raw],
            entity={"id": ds, "type": "dataset", "name": "normalised", "rows": 1000})
    yield e("task_end", id="norm", status="finished")
    yield e("stage_start", id="train", stage="training", name="train-mlp", algorithm="mlp",
            implementation={"name": "sklearn.neural_network.MLPClassifier", "version": "1.5"},
            task="classification")
    yield e("hyperparameters", exec="train", scope="learning", values={"lr": 0.001, "epochs": epochs})
    yield e("hyperparameters", exec="train", scope="model", values={"hidden": 64, "activation": "relu"})
    yield e("data", exec="train", role="used", entity={"id": ds, "type": "dataset", "name": "normalised"})
    for i in range(epochs):
        yield e("section_start", id=f"e{i}", parent="train", section="epoch", index=i)
        yield e("metric", exec=f"e{i}", name="loss", value=1.0 / (i + 1), step=i)
        yield e("metric", exec=f"e{i}", name="accuracy", value=i / (epochs + 1), step=i)
        yield e("section_end", id=f"e{i}", status="finished")
    yield e("model", exec="train", id=f"model-{wf}", name="mlp", framework="scikit-learn")
    yield e("stage_end", id="train", status="finished")
    yield e("workflow_end", status="finished")


def write_spool(directory: Path, triples: int, epochs: int) -> int:
    """Write workflows of ``epochs`` epochs until about ``triples`` quads; return the events."""
    directory.mkdir(parents=True, exist_ok=True)
    workflows = max(1, triples // (epochs * QUADS_PER_EPOCH))
    count = 0
    with open(directory / "bench.r0.0000.spool.jsonl", "w") as out:
        for w in range(workflows):
            for event in workflow_events(f"wf{w:06d}", epochs):
                out.write(json.dumps(event, separators=(",", ":")) + "\n")
                count += 1
    return count


def write_nquads(spool: Path, target: Path) -> int:
    """Write the spool's event quads as N-Quads (not timed), each distinct quad once (the
    synthetic workflows are contiguous, so repeats are dropped per workflow); return the count.

    Both routes then load the same triples: what the store holds after the events, rules apart.
    """
    from provml_kg.capture.spool import read_spool
    from provml_kg.graph import event_nquads
    from provml_kg.store.ingest import pack

    count = 0
    with open(target, "wb") as out:
        lines: list[str] = []
        workflow = None
        for event in read_spool(spool):
            if event["wf"] != workflow:
                data, distinct = pack(lines)
                out.write(data)
                count += distinct
                lines, workflow = [], event["wf"]
            lines.extend(event_nquads(event))
        data, distinct = pack(lines)
        out.write(data)
        count += distinct
    return count


# ------------------------------------------------------------------ workers (one process each)
def worker_provml(spool: Path, store: Path, workers: int | None, materialise: bool = True) -> dict[str, Any]:
    from provml_kg.store import KnowledgeGraph

    started = time.perf_counter()
    with KnowledgeGraph(store) as kg:
        report = kg.ingest_spool(spool, progress=False, workers=workers, materialise=materialise)
    seconds = time.perf_counter() - started
    return {"triples": report.quads, "seconds": seconds, "events": report.events}


def worker_bulk_load(nquads: Path, store: Path) -> dict[str, Any]:
    from pyoxigraph import RdfFormat, Store

    started = time.perf_counter()
    s = Store(str(store))
    s.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
    s.flush()
    seconds = time.perf_counter() - started
    return {"triples": sum(1 for _ in open(nquads, "rb")), "seconds": seconds}


def worker_prov(spool: Path, store: Path, limit: int) -> dict[str, Any]:
    """The prov package route: ProvDocument -> PROV-O RDF (N-Triples) -> on-disk store."""
    import io
    from datetime import datetime, timezone
    from itertools import islice

    from prov.model import ProvDocument
    from pyoxigraph import RdfFormat, Store

    from provml_kg.capture.spool import read_spool

    started = time.perf_counter()
    doc = ProvDocument()
    doc.add_namespace("ex", "https://w3id.org/provml/id/")
    doc.add_namespace("provml", "https://w3id.org/provml#")
    for ev in islice(read_spool(spool), limit):
        wf, k = ev["wf"], ev["k"]
        when = datetime.fromtimestamp(ev["t"], timezone.utc)
        run = f"ex:{wf}"
        if k == "workflow_start":
            doc.activity(run, startTime=when, other_attributes={"provml:name": ev["name"]})
            doc.agent(f"ex:{ev['persona']['name']}")
            doc.wasAssociatedWith(run, f"ex:{ev['persona']['name']}")
        elif k in ("task_start", "stage_start", "section_start"):
            doc.activity(f"ex:{wf}/{ev['id']}", startTime=when,
                         other_attributes={"provml:name": ev.get("name", ev.get("section", ""))})
            doc.wasInformedBy(f"ex:{wf}/{ev['id']}", f"ex:{wf}/{ev.get('parent', wf)}" if ev.get("parent") else run)
        elif k in ("task_end", "stage_end", "section_end"):
            doc.activity(f"ex:{wf}/{ev['id']}", endTime=when,
                         other_attributes={"provml:status": ev["status"]})
        elif k == "metric":
            m = f"ex:{wf}/{ev['exec']}/{ev['name']}/{ev['seq']}"
            doc.entity(m, {"prov:value": ev["value"], "provml:measure": ev["name"]})
            doc.wasGeneratedBy(m, f"ex:{wf}/{ev['exec']}")
        elif k == "hyperparameters":
            for name, value in ev["values"].items():
                h = f"ex:{wf}/{ev['exec']}/hp/{name}"
                doc.entity(h, {"prov:value": value})
                doc.used(f"ex:{wf}/{ev['exec']}", h)
        elif k in ("data", "domain_ref", "model"):
            target = ev["entity"]["id"] if k == "data" else ev["id"]
            doc.entity(f"ex:{target}")
            if ev.get("role") == "used":
                doc.used(f"ex:{wf}/{ev['exec']}", f"ex:{target}")
            elif "exec" in ev:
                doc.wasGeneratedBy(f"ex:{target}", f"ex:{wf}/{ev['exec']}")
        elif k == "workflow_end":
            doc.activity(run, endTime=when)
    data = doc.serialize(format="rdf", rdf_format="nt")
    s = Store(str(store))
    s.bulk_load(io.BytesIO(data.encode() if isinstance(data, str) else data), format=RdfFormat.N_TRIPLES)
    s.flush()
    seconds = time.perf_counter() - started
    return {"triples": len(s), "seconds": seconds, "events": limit}


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_worker(args: argparse.Namespace) -> None:
    import importlib

    for name in ("prov.model", "pyoxigraph", "provml_kg.store", "provml_kg.capture.spool"):
        importlib.import_module(name)  # imports are not part of any route's cost
    cpu = _cpu()
    if args.worker in ("provml", "provml_deferred"):
        result = worker_provml(args.spool, args.store, None if args.workers < 0 else args.workers,
                               materialise=args.worker == "provml")
    elif args.worker == "bulk_load":
        result = worker_bulk_load(args.nquads, args.store)
    else:
        result = worker_prov(args.spool, args.store, args.prov_events)
    result["cpu_seconds"] = _cpu() - cpu
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    result["peak_rss_mb"] = max(own.ru_maxrss, children.ru_maxrss) / 1024
    print(json.dumps(result))


def spawn(route: str, **paths: Any) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--worker", route]
    for key, value in paths.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{route} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="about how many event triples")
    parser.add_argument("--epochs", type=int, default=200, help="epochs per synthetic workflow")
    parser.add_argument("--prov-events", type=int, default=20_000, help="events for the prov route")
    parser.add_argument("--skip-prov", action="store_true")
    parser.add_argument("--workers", type=int, default=-1,
                        help="mapping processes for provml (default: automatic; 0: in-process)")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--spool", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--nquads", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return

    from rich.console import Console
    from rich.table import Table

    console = Console()
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-", dir=args.dir))
    try:
        spool = work / "spool"
        events = write_spool(spool, args.triples, args.epochs)
        nquads = work / "events.nq"
        quads = write_nquads(spool, nquads)
        console.print(f"spool: {events:,} events, {(spool / 'bench.r0.0000.spool.jsonl').stat().st_size / 2**20:.0f} MiB; "
                      f"{quads:,} distinct event quads")
        results: dict[str, dict[str, Any]] = {}
        results["bulk_load"] = spawn("bulk_load", nquads=nquads, store=work / "raw")
        results["provml"] = spawn("provml", spool=spool, store=work / "provml", workers=args.workers)
        results["provml_deferred"] = spawn("provml_deferred", spool=spool, store=work / "deferred",
                                           workers=args.workers)
        if not args.skip_prov:
            results["prov"] = spawn("prov", spool=spool, store=work / "prov", prov_events=min(args.prov_events, events))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    results["bulk_load"]["events"] = events
    for key in ("provml", "provml_deferred"):
        # rated on the distinct event triples, as bulk_load is (rule output is not counted)
        results[key]["sent"], results[key]["triples"] = results[key]["triples"], quads
    for r in results.values():
        r["rate"] = r["triples"] / r["seconds"]
        r["cpu_rate"] = r["triples"] / r["cpu_seconds"]
        r["event_rate"] = r["events"] / r["seconds"]
    ours, ours_cpu = results["provml"]["rate"], results["provml"]["cpu_rate"]
    ours_events = results["provml"]["event_rate"]
    table = Table(title=f"ingest into an on-disk store: {quads:,} distinct event triples "
                        f"({events:,} events)")
    for column in ("route", "triples", "seconds", "triples/s", "provml ÷ route", "CPU s",
                   "triples/CPU s", "provml ÷ route (CPU)", "events/s", "provml ÷ route (events)",
                   "peak RSS MB"):
        table.add_column(column, justify="right" if column != "route" else "left")
    names = {"provml": "provml ingest_spool (events -> store)", "bulk_load": "pyoxigraph bulk_load of the N-Quads",
             "provml_deferred": "  the same, materialisation rules deferred",
             "prov": "prov package (ProvDocument -> PROV-O RDF -> store)"}
    for key, r in results.items():
        table.add_row(names[key], f"{r['triples']:,}", f"{r['seconds']:.2f}", f"{r['rate']:,.0f}",
                      f"{ours / r['rate']:.2f}x", f"{r['cpu_seconds']:.1f}", f"{r['cpu_rate']:,.0f}",
                      f"{ours_cpu / r['cpu_rate']:.2f}x", f"{r['event_rate']:,.0f}",
                      f"{ours_events / r['event_rate']:.2f}x", f"{r['peak_rss_mb']:.0f}")
    console = Console(width=200)
    console.print(table)
    load = os.getloadavg()
    console.print("seconds: wall clock; CPU s: user + system time of the route's process and its "
                  "workers (steadier than wall clock on a shared machine); load average "
                  f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    if args.json:
        args.json.write_text(json.dumps({"events": events, "event_triples": quads, "routes": results,
                                         "loadavg": load, "cores": os.cpu_count()}, indent=1))


if __name__ == "__main__":
    main()
