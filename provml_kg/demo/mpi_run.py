"""The demo under MPI: a hyperparameter search across ranks, captured into one workflow.

Start it with ``mpiexec -n 4 python -m provml_kg.demo --mpi``. Rank 0 curates and prepares
the data (its own serial workflows) and shares the feature sets; then every rank opens the
same workflow execution ``seismic-hyperparameter-search`` (capture broadcasts its id) and
trains, validates and evaluates its share of the variants as stages of it. Rank 0 gathers the
scores, runs production with the best model, ingests the spools of every rank, validates and
prints the summary.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.console import Console

from provml_kg.demo.config import DemoConfig
from provml_kg.demo.curation import curate
from provml_kg.demo.knowledge import build_knowledge
from provml_kg.demo.learning import RunResult, best_run, train_and_evaluate
from provml_kg.demo.lifecycle import LifecycleResult
from provml_kg.demo.preparation import prepare
from provml_kg.demo.production import interpret
from provml_kg.demo.report import RichSteps, print_summary, progress_bars
from provml_kg.demo.runner import DemoOutcome, default_workdir, run_spool_dir
from provml_kg.demo.workflows import open_workflow
from provml_kg.errors import CaptureError

SEARCH_EXPERIMENT = "mpi-hyperparameter-search"


def search(cfg: DemoConfig, comm: Any, sets: Any) -> tuple[str, list[RunResult]]:
    """Every rank: train its share of the variants inside the shared workflow execution.

    Returns:
        The workflow id and this rank's results (:func:`gather` collects them on rank 0).
    """
    rank, size = comm.Get_rank(), comm.Get_size()
    variants = cfg.variants()
    cfg.steps.begin("search (rank 0)", len(variants[rank::size]))
    plan = [{"name": "train", "type": "training"},
            {"name": "validate", "type": "validation", "after": ["train"]},
            {"name": "evaluate", "type": "evaluation", "after": ["validate"]}]
    mine: list[RunResult] = []
    with open_workflow(cfg, "seismic-hyperparameter-search", study=cfg.study,
                       experiment=SEARCH_EXPERIMENT, spec=plan, mpi=True, comm=comm,
                       params={"ranks": size, "variants": len(variants)},
                       persona={"name": "li", "role": "ML engineer"}) as wf:
        for variant in variants[rank::size]:
            model_id, path, validation, test = train_and_evaluate(wf, variant, sets, cfg)
            mine.append(RunResult(variant, wf.id, model_id, path, validation, test, rank=rank))
            cfg.steps.advance("search (rank 0)")
    return wf.id, mine


def gather(comm: Any, mine: list[RunResult]) -> list[RunResult]:
    """Every rank's results on rank 0 (an empty list elsewhere)."""
    parts = comm.gather(mine, root=0)
    return [run for part in parts for run in part] if parts is not None else []


def mpi_lifecycle(cfg: DemoConfig, comm: Any) -> LifecycleResult | None:
    """The lifecycle on every rank of ``comm``: rank 0 curates, prepares, gathers and runs
    production; every rank searches. Returns the result on rank 0, None elsewhere."""
    rank = comm.Get_rank()
    if rank != 0:
        sets = comm.bcast(None, root=0)
        gather(comm, search(cfg, comm, sets)[1])
        comm.Barrier()
        return None
    cfg.workdir.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    training_specs, production_spec = cfg.cubes()
    tick = time.perf_counter()
    curated = curate(cfg, training_specs + [production_spec])
    sets = prepare(cfg, curated[:-1])
    seconds["curation+preparation"] = time.perf_counter() - tick
    comm.bcast(sets, root=0)
    tick = time.perf_counter()
    wf_id, mine = search(cfg, comm, sets)
    runs = gather(comm, mine)
    comm.Barrier()  # every rank has closed (flushed) its part of the workflow
    seconds["search"] = time.perf_counter() - tick
    best = best_run(runs)
    tick = time.perf_counter()
    production = interpret(cfg, curated[-1], best)
    seconds["production"] = time.perf_counter() - tick
    return LifecycleResult(curated[:-1], curated[-1], sets, runs, best, production,
                           workflow_ids=[wf_id], seconds=seconds)


def mpi_world() -> Any:
    """``MPI.COMM_WORLD``.

    Raises:
        CaptureError: mpi4py is not installed.
    """
    try:
        from mpi4py import MPI
    except ImportError as missing:
        raise CaptureError(f"--mpi needs mpi4py ({missing}); pip install mpi4py mpich") from None
    return MPI.COMM_WORLD


def run_mpi_demo(store: Path, workdir: Path | None = None, *, scale: int = 1, seed: int = 0,
                 console: Console | None = None, comm: Any = None) -> DemoOutcome | None:
    """Run the MPI demo on this rank; rank 0 ingests, validates, prints and returns the
    outcome, other ranks return None.

    Raises:
        CaptureError: mpi4py is not installed.
        InputError: bad ``scale`` or store path.
    """
    comm = comm if comm is not None else mpi_world()
    rank = comm.Get_rank()
    workdir = Path(workdir) if workdir is not None else default_workdir(store)
    spool_dir = comm.bcast(run_spool_dir(workdir) if rank == 0 else None, root=0)
    if rank != 0:
        mpi_lifecycle(DemoConfig(workdir, scale=scale, seed=seed, spool_dir=spool_dir), comm)
        return None
    started = time.perf_counter()
    console = console or Console()
    console.print(f"[bold]provml demo --mpi[/]: hyperparameter search on {comm.Get_size()} ranks "
                  f"(scale {scale}), data in {workdir}, knowledge graph in {store}")
    with progress_bars(console) as progress:
        cfg = DemoConfig(workdir, scale=scale, seed=seed, spool_dir=spool_dir,
                         steps=RichSteps(progress))
        result = mpi_lifecycle(cfg, comm)
        assert result is not None
        knowledge = build_knowledge(Path(store), cfg, result)
    total = time.perf_counter() - started
    print_summary(console, result, knowledge, total)
    return DemoOutcome(result, knowledge, total)
