"""``provml demo`` end to end: run the lifecycle (serial or under MPI), build the knowledge
graph, print the summary."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from provml_kg.demo.config import DemoConfig
from provml_kg.demo.knowledge import KnowledgeSummary, build_knowledge
from provml_kg.demo.lifecycle import LifecycleResult, run_lifecycle
from provml_kg.demo.report import RichSteps, print_summary, progress_bars


@dataclass
class DemoOutcome:
    """The lifecycle's results and the knowledge graph's summary."""

    result: LifecycleResult
    knowledge: KnowledgeSummary
    seconds: float


def default_workdir(store: Path) -> Path:
    """The demo's file store next to the knowledge-graph store: ``<store>/../provml-demo-data``."""
    return Path(store).resolve().parent / "provml-demo-data"


def run_spool_dir(workdir: Path) -> Path:
    """A fresh spool folder for one demo run, so a run ingests only its own events."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return Path(workdir) / "spool" / f"{stamp}-{os.getpid()}"


def run_demo(store: Path, workdir: Path | None = None, *, scale: int = 1, seed: int = 0,
             console: Console | None = None) -> DemoOutcome:
    """Run the captured lifecycle into a fresh spool folder, ingest it into the store at
    ``store``, validate, answer the questions and print it all on ``console``.

    Raises:
        InputError: bad ``scale`` or an unusable store path.
        StoreLockedError: another process has the store open for writing.
    """
    console = console or Console(stderr=False)
    workdir = Path(workdir) if workdir is not None else default_workdir(store)
    started = time.perf_counter()
    console.print(f"[bold]provml demo[/]: seismic structure classification lifecycle "
                  f"(scale {scale}), data in {workdir}, knowledge graph in {store}")
    with progress_bars(console) as progress:
        cfg = DemoConfig(workdir, scale=scale, seed=seed, spool_dir=run_spool_dir(workdir),
                         steps=RichSteps(progress))
        result = run_lifecycle(cfg)
        knowledge = build_knowledge(Path(store), cfg, result)
    seconds = time.perf_counter() - started
    print_summary(console, result, knowledge, seconds)
    return DemoOutcome(result, knowledge, seconds)
