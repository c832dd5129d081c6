"""Overhead of provenance capture on the demo lifecycle, at 1, 2 and 4 MPI ranks.

The same lifecycle (curation, preparation, a hyperparameter search across the ranks,
production) runs with capture off (every capture call an empty method,
:class:`provml_kg.demo.nocapture.NullWorkflow`) and on (the real capture library writing
fsync'ed JSON Lines spools), interleaved off/on, on/off, off/on... (the first of each pair
alternates) so drift on a shared machine hits both alike. Each run is a fresh ``mpiexec -n N``
job; the time is rank 0's wall-clock time of the lifecycle (after a barrier), without process
start-up and without ingest (which runs later, in another process). BLAS threads are pinned
to 1 per rank.

    .venv/bin/python scripts/bench_overhead.py                      # scale 1, 5 pairs, 1/2/4 ranks
    .venv/bin/python scripts/bench_overhead.py --repeats 3 --ranks 1,2 --json overhead.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


class Account:
    """Wall and caller-thread CPU seconds spent inside capture calls."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def timed(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.thread_time() - cpu

    def open(self, make: Any) -> Timed:
        """``DemoConfig.wrap_workflow``: create the workflow (timed) and wrap it."""
        return Timed(self.timed(make), self)


class Timed:
    """Stands for a capture execution; every call into it is timed into an :class:`Account`."""

    def __init__(self, target: Any, account: Account) -> None:
        self._target, self._account = target, account

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value
        account = self._account

        def call(*args: Any, **kwargs: Any) -> Any:
            result = account.timed(value, *args, **kwargs)
            if hasattr(result, "log_metric"):
                return Timed(result, account)
            if hasattr(result, "__next__"):
                return self._sections(result)
            return result
        return call

    def _sections(self, generator: Any) -> Any:
        while True:
            try:
                section = self._account.timed(next, generator)
            except StopIteration:
                return
            yield Timed(section, self._account)

    def __enter__(self) -> Timed:
        self._account.timed(self._target.__enter__)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._account.timed(self._target.__exit__, *exc)


def worker(scale: int, capture: bool, workdir: Path) -> None:
    """One MPI job: the demo's MPI lifecycle, step by step, timing the work on every rank.

    CPU time (``time.process_time``: this process, all its threads, so capture's flusher is
    counted) is taken around each rank's own work only, never around an MPI wait (MPICH
    polls while waiting, which would count as CPU). Rank 0 prints one JSON line.
    """
    from provml_kg.demo.config import DemoConfig
    from provml_kg.demo.curation import curate
    from provml_kg.demo.learning import best_run
    from provml_kg.demo.mpi_run import gather, mpi_world, search
    from provml_kg.demo.preparation import prepare
    from provml_kg.demo.production import interpret

    comm = mpi_world()
    rank = comm.Get_rank()
    account = Account()
    cfg = DemoConfig(workdir, scale=scale, capture=capture, spool_dir=workdir / "spool",
                     wrap_workflow=account.open if capture else None)
    comm.Barrier()
    wall = time.perf_counter()
    cpu = main_cpu = 0.0
    sets = curated = None
    if rank == 0:
        tick, thread_tick = time.process_time(), time.thread_time()
        training, production = cfg.cubes()
        curated = curate(cfg, training + [production])
        sets = prepare(cfg, curated[:-1])
        cpu += time.process_time() - tick
        main_cpu += time.thread_time() - thread_tick
    sets = comm.bcast(sets, root=0)
    tick, thread_tick = time.process_time(), time.thread_time()
    _, mine = search(cfg, comm, sets)
    cpu += time.process_time() - tick
    main_cpu += time.thread_time() - thread_tick
    runs = gather(comm, mine)
    if rank == 0:
        tick, thread_tick = time.process_time(), time.thread_time()
        interpret(cfg, curated[-1], best_run(runs))
        cpu += time.process_time() - tick
        main_cpu += time.thread_time() - thread_tick
    # CPU of the other threads of the process (capture's flushers; BLAS is pinned to 1 thread)
    parts = comm.gather((cpu, account.cpu + (cpu - main_cpu), account.wall), root=0)
    comm.Barrier()
    wall = time.perf_counter() - wall
    if rank == 0:
        events = sum(sum(1 for _ in p.open("rb")) for p in (workdir / "spool").glob("*.jsonl"))
        print(json.dumps({"seconds": wall, "cpu": sum(p[0] for p in parts),
                          "capture_cpu": sum(p[1] for p in parts),
                          "capture_wall_rank0": parts[0][2], "events": events,
                          "ranks": comm.Get_size()}))


def run_job(ranks: int, scale: int, capture: bool) -> dict[str, float]:
    """Start one ``mpiexec -n ranks`` worker job and return its JSON line."""
    mpiexec = Path(sys.executable).parent / "mpiexec"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory(prefix="provml-bench-") as tmp:
        done = subprocess.run([str(mpiexec), "-n", str(ranks), sys.executable, __file__, "--worker",
                               "--scale", str(scale), "--capture", "on" if capture else "off",
                               "--workdir", tmp], capture_output=True, text=True, env=env,
                              check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="demo scale (default 1)")
    parser.add_argument("--repeats", type=int, default=5, help="off/on pairs per rank count")
    parser.add_argument("--ranks", default="1,2,4", help="comma-separated rank counts")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--capture", choices=("on", "off"), default="on", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.scale, args.capture == "on", args.workdir)
        return

    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 130))
    rows = []
    for ranks in [int(r) for r in args.ranks.split(",")]:
        off: list[float] = []
        on: list[float] = []
        off_cpu: list[float] = []
        on_cpu: list[float] = []
        acc_cpu: list[float] = []
        acc_wall: list[float] = []
        events = 0
        for repeat in range(args.repeats):
            # alternate which of the pair runs first, so that a first-run/second-run effect of
            # the machine (caches, clock boost) does not pass for capture overhead
            order = (True, False) if repeat % 2 else (False, True)
            runs = {capture: run_job(ranks, args.scale, capture) for capture in order}
            off.append(runs[False]["seconds"])
            off_cpu.append(runs[False]["cpu"])
            measured = runs[True]
            on.append(measured["seconds"])
            on_cpu.append(measured["cpu"])
            acc_cpu.append(100 * measured["capture_cpu"] / (measured["cpu"] - measured["capture_cpu"]))
            acc_wall.append(100 * measured["capture_wall_rank0"]
                            / (measured["seconds"] - measured["capture_wall_rank0"]))
            events = int(measured["events"])
            console.print(f"  {ranks} rank(s): off {off[-1]:.3f} s wall {off_cpu[-1]:.3f} s cpu, "
                          f"on {on[-1]:.3f} s wall {on_cpu[-1]:.3f} s cpu; inside capture: "
                          f"{acc_cpu[-1]:.2f}% cpu, {acc_wall[-1]:.2f}% wall (rank 0)")
        cpu_off, cpu_on = statistics.median(off_cpu), statistics.median(on_cpu)
        median_off, median_on = statistics.median(off), statistics.median(on)
        # pairwise: each "on" run against the "off" run just before it
        paired = statistics.median((b - a) / a for a, b in zip(off, on))
        rows.append({"ranks": ranks, "scale": args.scale, "repeats": args.repeats,
                     "off_median_s": median_off, "on_median_s": median_on,
                     "off_min_s": min(off), "on_min_s": min(on),
                     "overhead_median_pct": 100 * (median_on - median_off) / median_off,
                     "overhead_min_pct": 100 * (min(on) - min(off)) / min(off),
                     "overhead_paired_pct": 100 * paired,
                     "cpu_off_median_s": cpu_off, "cpu_on_median_s": cpu_on,
                     "cpu_overhead_median_pct": 100 * (cpu_on - cpu_off) / cpu_off,
                     "cpu_overhead_min_pct": 100 * (min(on_cpu) - min(off_cpu)) / min(off_cpu),
                     "accounted_cpu_pct": statistics.median(acc_cpu),
                     "accounted_wall_rank0_pct": statistics.median(acc_wall),
                     "events": events, "events_per_rank_per_s": events / ranks / median_on})
    table = Table(title=f"Capture overhead on the demo lifecycle (scale {args.scale}, "
                        f"{args.repeats} interleaved off/on pairs, {os.cpu_count()} cores)")
    for column in ("ranks", "wall off", "wall on", "wall +%", "wall min +%", "cpu off", "cpu on",
                   "cpu +%", "cpu min +%", "in capture cpu %", "in capture wall %", "events",
                   "ev/rank/s"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(str(row["ranks"]), f"{row['off_median_s']:.2f}", f"{row['on_median_s']:.2f}",
                      f"{row['overhead_median_pct']:+.1f}", f"{row['overhead_min_pct']:+.1f}",
                      f"{row['cpu_off_median_s']:.2f}", f"{row['cpu_on_median_s']:.2f}",
                      f"{row['cpu_overhead_median_pct']:+.1f}", f"{row['cpu_overhead_min_pct']:+.1f}",
                      f"{row['accounted_cpu_pct']:.2f}", f"{row['accounted_wall_rank0_pct']:.2f}",
                      str(row["events"]), f"{row['events_per_rank_per_s']:.0f}")
    table.caption = ("wall: rank 0's lifecycle wall time, median s; cpu: CPU seconds of the work "
                     "summed over ranks (MPI waits excluded), median; +%: on vs off of the "
                     "medians; min +%: of the fastest runs; in capture: "
                     "time spent inside capture calls (all ranks' calls + flusher threads for "
                     "cpu; rank 0's calls for wall) over the rest of the work, median of the on "
                     "runs: the overhead without the run-to-run noise")
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
