"""Workflow 1, data curation: register surveys, acquire seismic cubes, interpret structures.

Writes the raw domain data into the demo's seismic repository (a folder) and records each item
as domain data typed with the seismic ontology: surveys (``seismic:Survey``), cubes
(``seismic:SeismicCube``, with inline/crossline ranges, sample count, basin and bounding box as
``seismic:`` properties) and their structure labels (``seismic:StructureLabels``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from provml_kg.demo.config import SEISMIC, DemoConfig
from provml_kg.demo.seismic_data import STRUCTURES, CubeSpec, Survey, generate_cube
from provml_kg.demo.workflows import open_workflow
from provml_kg.events import DataStore

REPOSITORY_ID = "seismic-repository"


@dataclass
class CubeRecord:
    """A curated cube: its spec, files in the repository and domain-reference ids."""

    spec: CubeSpec
    cube_path: Path
    labels_path: Path
    cube_ref: str
    labels_ref: str
    survey_ref: str

    @property
    def identifier(self) -> str:
        """The cube's identifier in the repository."""
        return f"cubes/{self.spec.name}.npy"

    @property
    def labels_identifier(self) -> str:
        """The labels' identifier in the repository."""
        return f"labels/{self.spec.name}.labels.npy"


def repository(cfg: DemoConfig) -> DataStore:
    """The seismic repository data store of this demo."""
    return DataStore(id=REPOSITORY_ID, type="filesystem", uri=cfg.repository.resolve().as_uri())


def survey_attributes(survey: Survey) -> dict[str, Any]:
    """A survey's domain attributes, keyed by seismic ontology property IRIs."""
    return {SEISMIC + "surveyName": survey.name, SEISMIC + "basinName": survey.basin,
            SEISMIC + "westLongitude": survey.west, SEISMIC + "eastLongitude": survey.east,
            SEISMIC + "southLatitude": survey.south, SEISMIC + "northLatitude": survey.north}


def cube_attributes(spec: CubeSpec) -> dict[str, Any]:
    """A cube's domain attributes (survey, basin, box, inline/crossline ranges, samples)."""
    (il0, il1), (xl0, xl1) = spec.inline_range, spec.crossline_range
    return {**survey_attributes(spec.survey),
            SEISMIC + "inlineMin": il0, SEISMIC + "inlineMax": il1,
            SEISMIC + "crosslineMin": xl0, SEISMIC + "crosslineMax": xl1,
            SEISMIC + "sampleCount": spec.shape[2]}


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def curate(cfg: DemoConfig, specs: list[CubeSpec]) -> list[CubeRecord]:
    """Run the curation workflow over ``specs``; return the curated cubes in order."""
    store = repository(cfg)
    surveys = list(dict.fromkeys(spec.survey for spec in specs))
    cfg.steps.begin("curation", len(surveys) + len(specs))
    records: list[CubeRecord] = []
    spec_plan = [{"name": "register-survey", "type": "transformation", "attributes": ["survey", "basin"]},
                 {"name": "acquire-cube", "type": "transformation", "after": ["register-survey"]},
                 {"name": "interpret-structures", "type": "transformation", "after": ["acquire-cube"]}]
    with open_workflow(cfg, "seismic-data-curation", study=cfg.study, spec=spec_plan,
                       persona={"name": "marta", "role": "geoscientist"}) as wf:
        survey_refs: dict[Survey, str] = {}
        for survey in surveys:
            with wf.task("register-survey", params={"survey": survey.name, "basin": survey.basin}) as t:
                identifier = f"surveys/{_slug(survey.name)}.json"
                path = cfg.repository / identifier
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(survey.__dict__, indent=1), encoding="utf-8")
                survey_refs[survey] = t.domain_ref(
                    store=store, identifier=identifier, domain_class=SEISMIC + "Survey",
                    attributes=survey_attributes(survey), role="generated")
            cfg.steps.advance("curation")
        for spec in specs:
            survey_ref = survey_refs[spec.survey]
            ni, nx, nt = spec.shape
            with wf.task("acquire-cube", params={"cube": spec.name, "seed": spec.seed, "inlines": ni,
                                                 "crosslines": nx, "samples": nt}) as t:
                t.domain_ref(store=store, identifier=f"surveys/{_slug(spec.survey.name)}.json",
                             domain_class=SEISMIC + "Survey", role="used")
                amplitude, labels = generate_cube(spec)
                cube_path = cfg.repository / "cubes" / f"{spec.name}.npy"
                cube_path.parent.mkdir(parents=True, exist_ok=True)
                np.save(cube_path, amplitude)
                cube_ref = t.domain_ref(store=store, identifier=f"cubes/{spec.name}.npy",
                                        domain_class=SEISMIC + "SeismicCube",
                                        attributes=cube_attributes(spec), related_to=[survey_ref],
                                        role="generated")
            with wf.task("interpret-structures", params={"cube": spec.name,
                                                         "classes": ",".join(STRUCTURES)}) as t:
                t.domain_ref(store=store, identifier=f"cubes/{spec.name}.npy",
                             domain_class=SEISMIC + "SeismicCube", role="used")
                labels_path = cfg.repository / "labels" / f"{spec.name}.labels.npy"
                labels_path.parent.mkdir(parents=True, exist_ok=True)
                np.save(labels_path, labels)
                labels_ref = t.domain_ref(store=store, identifier=f"labels/{spec.name}.labels.npy",
                                          domain_class=SEISMIC + "StructureLabels",
                                          attributes=cube_attributes(spec), related_to=[cube_ref],
                                          role="generated")
            records.append(CubeRecord(spec, cube_path, labels_path, cube_ref, labels_ref, survey_ref))
            cfg.steps.advance("curation")
    return records
