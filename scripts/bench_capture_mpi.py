"""Benchmark capture under MPI: events per second per rank and in total at 1, 2 and 4 ranks.

    .venv/bin/python scripts/bench_capture_mpi.py                 # 1, 2, 4 ranks
    .venv/bin/python scripts/bench_capture_mpi.py --events 20000 --ranks 1 2
    .venv/bin/python scripts/bench_capture_mpi.py --json out.json

The script launches itself under ``mpiexec -n N`` (the one next to this Python). Each rank
opens the shared workflow (the id is broadcast), logs ``--events`` metrics in epochs of 1000
as fast as it can, and closes it (final flush + fsync of its own spool file). Two rates per
rank: the logging loop alone (what the training loop pays) and end to end, including writing
everything to disk. The alternative measured in the same run is a bare ``list.append`` per
rank. The machine has 2 cores: at 4 ranks the ranks share them, so per-rank rates drop.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rank_main(events: int, spool: str) -> None:
    from mpi4py import MPI

    from provml_kg import capture

    comm = MPI.COMM_WORLD
    buf: list[tuple[str, float, int]] = []
    t0 = time.perf_counter()
    for i in range(events):
        buf.append(("loss", 0.5, i))
    floor = time.perf_counter() - t0

    comm.Barrier()
    t0 = time.perf_counter()
    wf = capture.workflow("bench-mpi", spool_dir=spool)
    wf.start()
    with wf.training("fit") as tr:
        t1 = time.perf_counter()
        for epoch in range(max(events // 1000, 1)):
            with tr.epoch(epoch) as ep:
                log = ep.log_metric
                for i in range(1000):
                    log("loss", 0.5, i)
        t2 = time.perf_counter()
    wf.end()
    t3 = time.perf_counter()
    comm.Barrier()
    t4 = time.perf_counter()
    written = wf.events_written
    result = {"rank": wf.rank, "size": wf.size, "wf": wf.id, "events": written,
              "floor_s": floor, "loop_s": t2 - t1, "end_to_end_s": t3 - t0, "all_done_s": t4 - t0}
    results = comm.gather(result, root=0)
    if wf.rank == 0:
        print("RESULT " + json.dumps(results), flush=True)


def launch(ranks: int, events: int) -> list[dict[str, float]]:
    mpiexec = Path(sys.executable).parent / "mpiexec"
    with tempfile.TemporaryDirectory(prefix="provml-bench-mpi-") as spool:
        done = subprocess.run([str(mpiexec), "-n", str(ranks), sys.executable, __file__,
                               "--rank-main", "--events", str(events), "--spool", spool],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"mpiexec -n {ranks} failed:\n{done.stderr}")
        line = next(ln for ln in done.stdout.splitlines() if ln.startswith("RESULT "))
        results: list[dict[str, float]] = json.loads(line[len("RESULT "):])
        from provml_kg.capture import read_spool
        spooled = list(read_spool(spool))
        assert {e["wf"] for e in spooled} == {results[0]["wf"]}
        assert {e["r"] for e in spooled} == set(range(ranks))
        for r in results:
            r["spooled"] = sum(1 for e in spooled if e["r"] == r["rank"])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--events", type=int, default=200_000, help="metrics per rank")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--rank-main", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--spool", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rank_main:
        rank_main(args.events, args.spool)
        return

    from rich.console import Console
    from rich.table import Table

    rows = []
    for n in args.ranks:
        results = launch(n, args.events)
        ev = [r["events"] for r in results]
        loop_rates = [r["events"] / r["loop_s"] for r in results]
        e2e_rates = [r["events"] / r["end_to_end_s"] for r in results]
        floor_rates = [args.events / r["floor_s"] for r in results]
        wall = max(r["all_done_s"] for r in results)
        rows.append({"ranks": n, "events_per_rank": min(ev), "loop_per_rank": min(loop_rates),
                     "e2e_per_rank": min(e2e_rates), "total_e2e": sum(ev) / wall,
                     "floor_per_rank": min(floor_rates),
                     "spooled_ok": all(r["spooled"] == r["events"] for r in results)})
    table = Table(title=f"Capture under MPI: {args.events:,} metrics per rank (2-core machine; "
                        "per-rank figures are the slowest rank)")
    for col in ("ranks", "events/rank", "logging loop ev/s/rank", "end-to-end ev/s/rank",
                "total ev/s (all ranks, to disk)", "list.append ev/s/rank", "spools complete"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(str(r["ranks"]), f"{r['events_per_rank']:,}", f"{r['loop_per_rank']:,.0f}",
                      f"{r['e2e_per_rank']:,.0f}", f"{r['total_e2e']:,.0f}",
                      f"{r['floor_per_rank']:,.0f}", "yes" if r["spooled_ok"] else "NO")
    Console(width=170).print(table)
    load = os.getloadavg()
    print(f"machine load average (1/5/15 min) at the end: {load[0]:.2f} / {load[1]:.2f} / "
          f"{load[2]:.2f} on {os.cpu_count()} cores (other processes inflate the figures)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()
