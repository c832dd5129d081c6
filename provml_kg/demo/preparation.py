"""Workflow 2, learning-data preparation: normalise cubes, slice and label them, assemble
feature sets.

Each cube is normalised (z-score, clipped), its inline sections are split into train /
validation / test inlines and turned into balanced patch features with their structure labels;
the per-cube parts are then assembled into the feature sets the experiments train on, one task
per feature set so each is derived only from the cubes it really contains (``train-north-sea``
from the North Sea cubes alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from provml_kg.demo.config import SEISMIC, DemoConfig
from provml_kg.demo.curation import CubeRecord, repository
from provml_kg.demo.seismic_data import (STRUCTURES, feature_names, sample_patches, zscore)
from provml_kg.demo.workflows import open_workflow

PATCH_HALF = 3
SPLITS = {"train": (0, 4), "validation": (2, 8), "test": (6, 8)}  # (first inline, every n-th)


@dataclass
class FeatureSet:
    """An assembled feature set on disk (``X``, ``y`` in an ``.npz``) and its entity id."""

    name: str
    path: Path
    id: str
    sources: list[str]
    rows: int

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """Read ``(X, y)`` back from the file."""
        with np.load(self.path) as data:
            return data["X"], data["y"]


def feature_set_plan(cubes: list[CubeRecord]) -> dict[str, list[str]]:
    """Feature set name -> the cubes it is assembled from."""
    every = [c.spec.name for c in cubes]
    north_sea = [c.spec.name for c in cubes if c.spec.survey.basin == "North Sea"]
    return {"train-all-basins": every, "train-north-sea": north_sea,
            "validation-all-basins": every, "test-all-basins": every}


def prepare(cfg: DemoConfig, cubes: list[CubeRecord]) -> dict[str, FeatureSet]:
    """Run the preparation workflow; return the feature sets by name."""
    store = repository(cfg)
    plan = feature_set_plan(cubes)
    cfg.steps.begin("preparation", 2 * len(cubes) + len(plan))
    out_dir = cfg.workdir / "feature-sets"
    out_dir.mkdir(parents=True, exist_ok=True)
    parts: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, str]] = {}
    sets: dict[str, FeatureSet] = {}
    spec_plan = [{"name": "normalise", "type": "transformation", "attributes": ["method", "clip"]},
                 {"name": "slice-and-label", "type": "transformation", "after": ["normalise"]},
                 {"name": "assemble-feature-set", "type": "transformation", "after": ["slice-and-label"]}]
    with open_workflow(cfg, "seismic-learning-data-preparation", study=cfg.study, spec=spec_plan,
                       persona={"name": "joao", "role": "data engineer"}) as wf:
        for index, cube in enumerate(cubes):
            name = cube.spec.name
            with wf.task("normalise", params={"cube": name, "method": "zscore", "clip": 3.0}) as t:
                t.domain_ref(store=store, identifier=cube.identifier,
                             domain_class=SEISMIC + "SeismicCube", role="used")
                normalised = zscore(np.load(cube.cube_path))
                norm_id = t.generated(normalised, name=f"{name}-normalised")
            cfg.steps.advance("preparation")
            params = {"cube": name, "axis": "inline", "patch_half": PATCH_HALF,
                      "per_class": cfg.per_class, "seed": cfg.seed + index,
                      **{f"{split}_inlines": f"{first}::{step}" for split, (first, step) in SPLITS.items()}}
            with wf.task("slice-and-label", params=params) as t:
                t.used(name=f"{name}-normalised", id=norm_id)
                t.domain_ref(store=store, identifier=cube.labels_identifier,
                             domain_class=SEISMIC + "StructureLabels", role="used")
                labels = np.load(cube.labels_path)
                rng = np.random.default_rng(cfg.seed + index)
                for split, (first, step) in SPLITS.items():
                    inlines = list(range(first, cube.spec.shape[0], step))
                    per_class = cfg.per_class if split == "train" else cfg.per_class // 2
                    X, y = sample_patches(normalised, labels, inlines, half=PATCH_HALF,
                                          per_class=per_class, rng=rng)
                    part_id = t.generated(X, name=f"{name}-{split}-patches")
                    parts[(name, split)] = (X, y, part_id)
            cfg.steps.advance("preparation")
        for fs_name, sources in plan.items():
            split = fs_name.split("-")[0]
            with wf.task("assemble-feature-set", params={"feature_set": fs_name,
                                                         "sources": ",".join(sources)}) as t:
                for source in sources:
                    t.used(name=f"{source}-{split}-patches", id=parts[(source, split)][2])
                X = np.concatenate([parts[(s, split)][0] for s in sources])
                y = np.concatenate([parts[(s, split)][1] for s in sources])
                order = np.random.default_rng(cfg.seed).permutation(len(y))
                X, y = X[order], y[order]
                path = out_dir / f"{fs_name}.npz"
                np.savez(path, X=X, y=y)
                counts = np.bincount(y, minlength=len(STRUCTURES))
                fs_id = t.generated(X, name=fs_name, type="feature_set", path=path, hash=False,
                                    features=feature_names(PATCH_HALF),
                                    characteristics={f"rows/{code}": int(n)
                                                     for code, n in zip(STRUCTURES, counts)})
            sets[fs_name] = FeatureSet(fs_name, path, fs_id, sources, int(len(y)))
            cfg.steps.advance("preparation")
    return sets
