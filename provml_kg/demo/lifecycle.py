"""The demo's scientific ML lifecycle: four workflows of one study, captured end to end.

1. data curation (:mod:`~provml_kg.demo.curation`): surveys, cubes and structure labels into
   a file repository, referenced as seismic domain data;
2. learning-data preparation (:mod:`~provml_kg.demo.preparation`): normalise, slice, label,
   assemble feature sets;
3. learning (:mod:`~provml_kg.demo.learning`): two experiments, one run per hyperparameter
   variant, with epochs, validation and evaluation;
4. production (:mod:`~provml_kg.demo.production`): the selected model interprets a new cube.

Every step goes through the public capture API (:mod:`provml_kg.capture`), exactly as a user's
scripts would; events land in spool files under ``cfg.spool_dir``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from provml_kg.demo.config import DemoConfig
from provml_kg.demo.curation import CubeRecord, curate
from provml_kg.demo.learning import RunResult, best_run, learn
from provml_kg.demo.preparation import FeatureSet, prepare
from provml_kg.demo.production import ProductionResult, interpret


@dataclass
class LifecycleResult:
    """Everything the lifecycle produced, for the summary and the tests."""

    cubes: list[CubeRecord]
    production_cube: CubeRecord
    feature_sets: dict[str, FeatureSet]
    runs: list[RunResult]
    best: RunResult
    production: ProductionResult
    workflow_ids: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def run_lifecycle(cfg: DemoConfig) -> LifecycleResult:
    """Run the four workflows in order; return what they produced.

    Raises:
        InputError: bad settings in ``cfg``.
        CaptureError: capture could not write its spool.
    """
    cfg.workdir.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    training_specs, production_spec = cfg.cubes()

    started = time.perf_counter()
    curated = curate(cfg, training_specs + [production_spec])
    cubes, production_cube = curated[:-1], curated[-1]
    seconds["curation"] = time.perf_counter() - started

    started = time.perf_counter()
    sets = prepare(cfg, cubes)
    seconds["preparation"] = time.perf_counter() - started

    started = time.perf_counter()
    runs = learn(cfg, sets)
    seconds["learning"] = time.perf_counter() - started

    started = time.perf_counter()
    best = best_run(runs)
    production = interpret(cfg, production_cube, best)
    seconds["production"] = time.perf_counter() - started

    return LifecycleResult(cubes, production_cube, sets, runs, best, production,
                           seconds=seconds)
