"""Workflow 4, production: interpret a new seismic cube with the selected model.

The new cube (from the curated repository, never seen in training) is normalised the same way,
its inline sections are classified sample by sample, and the predicted structure labels are
written back to the repository as a ``seismic:StructureLabels`` item related to the cube, so
the interpretation's lineage runs through the model back to the training cubes.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from provml_kg.demo.config import SEISMIC, DemoConfig
from provml_kg.demo.curation import CubeRecord, cube_attributes, repository
from provml_kg.demo.learning import RunResult
from provml_kg.demo.preparation import PATCH_HALF
from provml_kg.demo.seismic_data import STRUCTURES, patch_features, zscore
from provml_kg.demo.workflows import open_workflow

INLINE_STEP = 4


@dataclass
class ProductionResult:
    """The interpretation the production workflow wrote."""

    workflow_id: str
    labels_path: Path
    labels_ref: str
    fractions: dict[str, float]
    agreement: float


def interpret(cfg: DemoConfig, cube: CubeRecord, best: RunResult) -> ProductionResult:
    """Run the production workflow on ``cube`` with the model of ``best``."""
    store = repository(cfg)
    cfg.steps.begin("production", 2)
    plan = [{"name": "normalise", "type": "transformation", "attributes": ["method", "clip"]},
            {"name": "infer-structures", "type": "transformation", "after": ["normalise"]}]
    name = cube.spec.name
    with open_workflow(cfg, "seismic-structure-inference", study=cfg.study, spec=plan,
                       persona={"name": "marta", "role": "geoscientist"},
                       params={"model": best.model_id}) as wf:
        with wf.task("normalise", params={"cube": name, "method": "zscore", "clip": 3.0}) as t:
            cube_ref = t.domain_ref(store=store, identifier=cube.identifier,
                                    domain_class=SEISMIC + "SeismicCube", role="used")
            normalised = zscore(np.load(cube.cube_path))
            norm_id = t.generated(normalised, name=f"{name}-normalised")
        cfg.steps.advance("production")
        inlines = list(range(0, cube.spec.shape[0], INLINE_STEP))
        with wf.task("infer-structures", params={"cube": name, "inline_step": INLINE_STEP,
                                                 "patch_half": PATCH_HALF}) as t:
            t.used(name=f"{best.variant.experiment}/{best.variant.name}", type="model",
                   id=best.model_id, path=best.model_path, hash=False)
            t.used(name=f"{name}-normalised", id=norm_id)
            model = pickle.loads(best.model_path.read_bytes())
            predicted = np.stack([model.predict(patch_features(normalised[k], PATCH_HALF))
                                  .reshape(normalised.shape[1:]) for k in inlines]).astype(np.uint8)
            out = cfg.repository / "interpretations" / f"{name}.predicted.labels.npy"
            out.parent.mkdir(parents=True, exist_ok=True)
            np.save(out, predicted)
            counts = np.bincount(predicted.reshape(-1), minlength=len(STRUCTURES))
            fractions = {code: float(n / counts.sum()) for code, n in zip(STRUCTURES, counts)}
            attributes = cube_attributes(cube.spec)
            attributes[SEISMIC + "inlineMin"], attributes[SEISMIC + "inlineMax"] = (
                cube.spec.inline_range[0] + inlines[0], cube.spec.inline_range[0] + inlines[-1])
            labels_ref = t.domain_ref(store=store, identifier=f"interpretations/{out.name}",
                                      domain_class=SEISMIC + "StructureLabels",
                                      attributes=attributes, related_to=[cube_ref],
                                      role="generated")
            t.generated(predicted, name=f"{name}-predicted-structures",
                        characteristics={f"fraction/{code}": value for code, value in fractions.items()})
        truth = np.load(cube.labels_path)[inlines]
        cfg.steps.advance("production")
    return ProductionResult(wf.id, out, labels_ref, fractions, float((truth == predicted).mean()))
