"""Benchmark `provml serve` against Oxigraph's own server on the same data, in the same run.

1. Writes a realistic lifecycle spool with the generator of ``scripts/bench_queries.py``
   (training runs x epochs, curation and preparation workflows; about 1.4k quads per run at
   20 epochs) and ingests it into an on-disk store; a copy of the store is served by
   ``oxigraph serve --union-default-graph`` (both servers see the union of the workflow graphs).
2. Builds the request mix: every stored query of ``queries/`` with parameters drawn from the
   generated world (several parameter sets each). Both servers get the *same* SPARQL text
   (the parameters written as ``VALUES`` blocks opening each WHERE group, as
   ``StoredQuery.bound_text`` writes them) through the SPARQL 1.1 Protocol
   (``POST`` form, JSON results): ``/sparql`` on provml, ``/query`` on Oxigraph. The answers of
   the two are compared first (exit code 1 on a mismatch). A third series runs provml's own
   stored-query route ``/queries/NAME?param=...`` (parameters bound as the file's ``# bind:``
   header says: ``VALUES`` by default, substitutions for the queries that plan better so).
3. For 1, 4 and 16 concurrent clients (threads with keep-alive connections) each series runs
   for ``--seconds`` and reports throughput and p50/p95 latency, and the ratio of provml's
   throughput to Oxigraph's (target: >= 0.8).

    .venv/bin/python scripts/bench_endpoint.py                  # ~60 runs, 3 s per cell
    .venv/bin/python scripts/bench_endpoint.py --runs 200 --seconds 10 --json bench.json

Clients and servers share the machine, so absolute figures depend on its load; the ratio is
measured in the same conditions, each cell alternating between the servers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_queries import generate, percentile, questions  # noqa: E402

from provml_kg.queries import load_queries  # noqa: E402

JSON_RESULTS = "application/sparql-results+json"
VENV_BIN = Path(sys.executable).parent


@dataclass
class Request:
    """One request of the mix: the stored query, its parameters, and the SPARQL text with them."""

    name: str
    params: dict[str, str]
    text: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build_mix(world: Any, per_query: int) -> list[Request]:
    stored = load_queries()
    mix = []
    for question in questions():
        query = stored[question.query]
        for i in range(per_query):
            raw = {k: str(v) for k, v in question.params(world, i).items()}
            mix.append(Request(query.name, raw, query.bound_text(query.bind(**raw))))
    return mix


def wait_up(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not start")


def send(client: httpx.Client, series: str, base: str, request: Request) -> httpx.Response:
    headers = {"Accept": JSON_RESULTS}
    if series == "provml /queries/NAME":
        return client.get(f"{base}/queries/{request.name}", params=request.params, headers=headers)
    endpoint = base + ("/query" if series == "oxigraph /query" else "/sparql")
    return client.post(endpoint, data={"query": request.text}, headers=headers)


def rows_of(response: httpx.Response) -> list[Any]:
    response.raise_for_status()
    bindings = response.json()["results"]["bindings"]
    return sorted(json.dumps(b, sort_keys=True) for b in bindings)


def run_cell(series: str, base: str, mix: list[Request], clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client_loop(k: int) -> None:
        with httpx.Client(timeout=60) as client:
            send(client, series, base, mix[k % len(mix)])  # open the connection
            start.wait()
            i = k * 7
            while time.perf_counter() < stop_at[0]:
                request = mix[i % len(mix)]
                i += 1
                t0 = time.perf_counter()
                response = send(client, series, base, request)
                if response.status_code != 200:
                    errors[k] += 1
                latencies[k].append(time.perf_counter() - t0)

    threads = [threading.Thread(target=client_loop, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds + 0.05
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {"latencies": [x for per in latencies for x in per], "errors": sum(errors), "elapsed": elapsed}


def summarise(series: str, clients: int, slices: list[dict[str, Any]]) -> dict[str, Any]:
    flat = [x for part in slices for x in part["latencies"]]
    elapsed = sum(part["elapsed"] for part in slices)
    return {"series": series, "clients": clients, "requests": len(flat),
            "errors": sum(part["errors"] for part in slices), "throughput": len(flat) / elapsed,
            "p50_ms": 1000 * percentile(flat, 0.5), "p95_ms": 1000 * percentile(flat, 0.95)}


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60, help="training runs to generate")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per training run")
    parser.add_argument("--per-query", type=int, default=3, help="parameter sets per stored query")
    parser.add_argument("--clients", default="1,4,16", help="concurrency levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each cell")
    parser.add_argument("--rounds", type=int, default=3,
                        help="slices each cell is cut into, alternating the servers (evens out load drift)")
    parser.add_argument("--no-stored-route", action="store_true", help="skip the /queries/NAME series")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    console = Console()
    levels = [int(x) for x in args.clients.split(",")]

    from provml_kg.store import KnowledgeGraph

    work = Path(tempfile.mkdtemp(prefix="bench-endpoint-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        spool = work / "spool"
        spool.mkdir()
        world = generate(spool, args.runs, epochs=args.epochs)
        with KnowledgeGraph(work / "store") as kg:
            kg.ingest_spool(spool, progress=False)
            quads = len(kg)
        shutil.copytree(work / "store", work / "store-oxigraph")
        mix = build_mix(world, args.per_query)
        console.print(f"data: {args.runs} runs x {args.epochs} epochs, {world.events:,} events -> "
                      f"{quads:,} quads; mix: {len(mix)} requests over {len(mix) // args.per_query} stored queries")

        provml_port, oxigraph_port = free_port(), free_port()
        log = open(work / "servers.log", "wb")
        processes.append(subprocess.Popen(
            [str(VENV_BIN / "provml"), "serve", "--store", str(work / "store"), "--port", str(provml_port),
             "--max-results", "1000000"], stdout=log, stderr=subprocess.STDOUT))
        processes.append(subprocess.Popen(
            [str(VENV_BIN / "oxigraph"), "serve", "--location", str(work / "store-oxigraph"),
             "--bind", f"127.0.0.1:{oxigraph_port}", "--union-default-graph"], stdout=log, stderr=subprocess.STDOUT))
        bases = {"provml /sparql": f"http://127.0.0.1:{provml_port}",
                 "oxigraph /query": f"http://127.0.0.1:{oxigraph_port}",
                 "provml /queries/NAME": f"http://127.0.0.1:{provml_port}"}
        wait_up(bases["provml /sparql"] + "/sparql", processes[0], "provml serve")
        wait_up(bases["oxigraph /query"] + "/query", processes[1], "oxigraph serve")
        series = ["provml /sparql", "oxigraph /query"] + ([] if args.no_stored_route else ["provml /queries/NAME"])

        mismatches = 0
        with httpx.Client(timeout=120) as client:  # same answers, and a warm-up of both
            for request in mix:
                answers = [rows_of(send(client, s, bases[s], request)) for s in series]
                if any(a != answers[0] for a in answers[1:]):
                    mismatches += 1
                    console.print(f"[red]answers differ[/red] for {request.name} {request.params}")
        results = []
        for clients in levels:
            slices: dict[str, list[dict[str, Any]]] = {s: [] for s in series}
            for _ in range(args.rounds):
                for s in series:
                    slices[s].append(run_cell(s, bases[s], mix, clients, args.seconds / args.rounds))
            for s in series:
                results.append(summarise(s, clients, slices[s]))
                console.print(f"  {clients:>2} clients  {s:<22} {results[-1]['throughput']:8.1f} req/s", highlight=False)

        table = Table(title=f"provml serve vs oxigraph serve: {quads:,} quads, stored-query mix "
                            f"({len(mix)} requests), {args.seconds:g} s per cell")
        for column in ("clients", "series", "req/s", "p50 ms", "p95 ms", "errors", "x oxigraph"):
            table.add_column(column, justify="left" if column == "series" else "right")
        by = {(r["clients"], r["series"]): r for r in results}
        for clients in levels:
            ox = by[(clients, "oxigraph /query")]["throughput"]
            for s in series:
                r = by[(clients, s)]
                r["ratio"] = r["throughput"] / ox if ox else float("nan")
                table.add_row(str(clients), s, f"{r['throughput']:.1f}", f"{r['p50_ms']:.2f}",
                              f"{r['p95_ms']:.2f}", str(r["errors"]), f"{r['ratio']:.2f}")
        console.print(table)
        if args.json:
            args.json.write_text(json.dumps({"quads": quads, "mix": len(mix), "seconds": args.seconds,
                                             "results": results, "mismatches": mismatches}, indent=2))
        return 1 if mismatches else 0
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
