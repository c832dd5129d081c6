"""Benchmark: provenance events -> PROV-ML quads (provml_kg.graph) against rdflib.

Measures, on one synthetic event stream (training workflows with epochs of metrics, the hot
path of capture, plus hyperparameters, data, a model and an evaluation per workflow):

* ``graph.event_nquads``: the pure mapping, events -> N-Quads lines (what ingest uses);
* ``graph.events_to_quads``: the same parsed into pyoxigraph Quads, for callers that want objects;
* the lines loaded into an in-memory Oxigraph store (``Store.load``), and the materialisation
  rules run once afterwards;
* the obvious alternative: adding the *same* quads to an ``rdflib.Dataset`` with ``add``
  (the rdflib terms are built before the clock starts, so rdflib is measured generously).

Usage: ``python scripts/bench_graph.py [--events N] [--repeat R] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from provml_kg import graph

T0 = 1732262400.0


def synthetic_events(n_events: int) -> list[dict[str, Any]]:
    """Return about ``n_events`` valid events: workflows of 10 epochs x 4 metrics x 25 steps."""
    events: list[dict[str, Any]] = []
    wf_index = 0
    while len(events) < n_events:
        wf = f"bench-{wf_index:05d}"
        seq = 0

        def emit(kind: str, dt: float, **fields: Any) -> None:
            nonlocal seq
            events.append({"v": 1, "k": kind, "wf": wf, "t": T0 + wf_index * 1000 + dt, "r": 0,
                           "seq": seq, **fields})
            seq += 1

        emit("workflow_start", 0, name="train-classifier", study="bench", experiment="sweep",
             persona={"name": "ana", "role": "ML engineer"},
             env={"host": f"n{wf_index % 8:02d}", "rank": 0, "size": 1, "device": "cuda:0",
                  "python": "3.11.7", "packages": {"numpy": "2.1.0", "torch": "2.5.0"}})
        emit("stage_start", 1, id="train", stage="training", name="train-mlp",
             algorithm="multilayer perceptron", task="classification",
             implementation={"name": "torch.nn.Sequential", "version": "2.5.0"})
        emit("hyperparameters", 2, exec="train", scope="learning",
             values={"lr": 0.001 * (1 + wf_index % 5), "epochs": 10, "optimizer": "adam"})
        emit("data", 3, exec="train", role="used",
             entity={"id": "ds-train", "type": "dataset", "name": "train", "rows": 60000})
        for epoch in range(10):
            sec = f"train-e{epoch}"
            emit("section_start", 10 + epoch, id=sec, parent="train", section="epoch",
                 index=epoch)
            for step in range(25):
                for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
                    emit("metric", 10 + epoch + step / 100, exec=sec, name=name,
                         value=1.0 / (1 + epoch * 25 + step), step=epoch * 25 + step)
            emit("section_end", 11 + epoch, id=sec, status="finished")
        emit("model", 30, exec="train", id=f"model-{wf}", name="mlp", framework="torch",
             hash="sha256:" + "ab" * 32, size=1 << 20)
        emit("stage_end", 31, id="train", status="finished")
        emit("workflow_end", 32, status="finished")
        wf_index += 1
    return events


def clock(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events to map (default 20000)")
    parser.add_argument("--repeat", type=int, default=3, help="best of R runs (default 3)")
    parser.add_argument("--json", dest="json_path", default=None, help="also write figures here")
    args = parser.parse_args()

    import rdflib
    from pyoxigraph import BlankNode, Literal, NamedNode, Store
    from rich.console import Console
    from rich.table import Table

    events = synthetic_events(args.events)
    n_events = len(events)

    from pyoxigraph import RdfFormat

    t_lines, _ = clock(lambda: [line for e in events for line in graph.event_nquads(e)],
                       args.repeat)
    t_map, quads = clock(lambda: list(graph.events_to_quads(events)), args.repeat)
    n_quads = len(quads)

    def to_store() -> Store:
        store = Store()
        store.load("".join(line for e in events for line in graph.event_nquads(e)).encode(),
                   format=RdfFormat.N_QUADS)
        return store

    t_store, store = clock(to_store, args.repeat)
    start = time.perf_counter()
    graph.materialise(store)
    t_mat = time.perf_counter() - start
    n_after = len(store)

    def term(t: Any) -> Any:
        if isinstance(t, NamedNode):
            return rdflib.URIRef(t.value)
        if isinstance(t, Literal):
            return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))
        if isinstance(t, BlankNode):
            return rdflib.BNode(t.value)
        raise TypeError(t)

    cache: dict[Any, Any] = {}
    rdf_quads = []
    for q in quads:
        parts = []
        for t in (q.subject, q.predicate, q.object, q.graph_name):
            converted = cache.get(t)
            if converted is None:
                converted = cache[t] = term(t)
            parts.append(converted)
        rdf_quads.append(tuple(parts))

    def rdflib_add() -> Any:
        dataset = rdflib.Dataset()
        graphs: dict[Any, Any] = {}
        for s, p, o, g in rdf_quads:
            target = graphs.get(g)
            if target is None:
                target = graphs[g] = dataset.graph(g)
            target.add((s, p, o))
        return dataset

    t_rdflib, _ = clock(rdflib_add, 1)

    rows = [
        ("provml graph.event_nquads, N-Quads lines (as ingest uses it)", t_lines,
         n_quads / t_lines),
        ("provml graph.events_to_quads, parsed into Quad objects", t_map, n_quads / t_map),
        ("events -> lines -> Store.load (in-memory Oxigraph)", t_store, n_quads / t_store),
        ("rdflib Dataset.add of the same quads (terms prebuilt)", t_rdflib, n_quads / t_rdflib),
    ]
    table = Table(title=f"events -> PROV-ML quads: {n_events:,} events, {n_quads:,} quads "
                        f"({n_quads / n_events:.1f} per event)")
    table.add_column("path")
    table.add_column("seconds", justify="right")
    table.add_column("quads/s", justify="right")
    table.add_column("events/s", justify="right")
    for name, seconds, rate in rows:
        table.add_row(name, f"{seconds:.3f}", f"{rate:,.0f}", f"{n_events / seconds:,.0f}")
    console = Console(width=120)
    console.print(table)
    console.print(f"ratio event_nquads / rdflib add: {t_rdflib / t_lines:.1f}x faster; "
                  f"events_to_quads: {t_rdflib / t_map:.1f}x; "
                  f"events -> Oxigraph store / rdflib add: {t_rdflib / t_store:.1f}x faster")
    console.print(f"materialisation over the store: {t_mat:.3f} s "
                  f"({n_after:,} quads after, {n_after - len(set(quads)):,} added)")
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as out:
            json.dump({"events": n_events, "quads": n_quads,
                       "event_nquads_s": t_lines, "events_to_quads_s": t_map,
                       "events_to_store_s": t_store,
                       "rdflib_add_s": t_rdflib, "materialise_s": t_mat,
                       "quads_per_s": n_quads / t_lines,
                       "ratio_vs_rdflib": t_rdflib / t_map}, out, indent=2)


if __name__ == "__main__":
    main()
