"""After the lifecycle: ingest its spools, load the ontologies, validate, ask the questions.

The store gets PROV-ML (its own graph), the seismic domain ontology (graph
:data:`DOMAIN_GRAPH`, so domain queries can join with ``seismic:structureCode``) and one named
graph per workflow execution. The lifecycle questions are stored queries (``queries/*.rq``)
run with parameters taken from what the lifecycle did.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provml_kg.demo.config import DemoConfig
from provml_kg.demo.lifecycle import LifecycleResult

DOMAIN_GRAPH = "https://w3id.org/provml/domains/seismic"
SEISMIC_ONTOLOGY = "domains/seismic.ttl"


@dataclass
class Answer:
    """A lifecycle question, the stored query that answers it, its parameters and rows."""

    question: str
    query: str
    params: dict[str, Any]
    rows: list[dict[str, Any]]


@dataclass
class KnowledgeSummary:
    """What ingest, validation and the questions gave."""

    store: Path
    events: int
    quads: int
    store_quads: int
    conforms: bool
    violations: list[str]
    answers: list[Answer] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def load_ontologies(kg: Any) -> None:
    """Put PROV-ML and the seismic domain ontology into ``kg`` (idempotent).

    Raises:
        OntologyError: an ontology file is missing.
    """
    from provml_kg.resources import ontology_file

    kg.load_ontology()
    kg.load(path=ontology_file(SEISMIC_ONTOLOGY), graph=DOMAIN_GRAPH)


def ask(store: Any, result: LifecycleResult, study: str) -> list[Answer]:
    """Answer the lifecycle questions about ``result`` with stored queries on ``store``."""
    from provml_kg.graph import entity, mint
    from provml_kg.queries import run_query, solutions_to_rows

    best = entity(result.best.model_id).value
    questions = [
        (f"Which data, across the four workflows, is the selected model {result.best.variant.name} "
         "derived from, back to the raw seismic cubes?", "lineage", {"entity": best}),
        ("Which hyperparameters gave the three best models of the study (test macro F1)?",
         "top_runs_hyperparameters", {"study": mint("study", study).value, "measure": "f1_macro",
                                      "k": 3}),
        ("Which models were trained on seismic data from the Santos basin?", "models_by_basin",
         {"basin": "Santos"}),
        ("How well does the selected model recognise each geological structure (recall)?",
         "accuracy_per_structure", {"model": best, "kind": "recall"}),
    ]
    answers = []
    for question, name, params in questions:
        rows = solutions_to_rows(run_query(store, name, **params), python=True)
        answers.append(Answer(question, name, params, rows))
    return answers


def build_knowledge(store_path: Path, cfg: DemoConfig, result: LifecycleResult) -> KnowledgeSummary:
    """Ingest this run's spools into the store at ``store_path``, load the ontologies,
    validate the captured graph and answer the lifecycle questions.

    Raises:
        StoreLockedError: another process has the store open for writing.
        InputError: the spool folder holds no spool file, or the store path is unusable.
    """
    from provml_kg.store import KnowledgeGraph
    from provml_kg.validate import validate

    seconds: dict[str, float] = {}
    steps = cfg.steps
    steps.begin("knowledge graph", 4)
    with KnowledgeGraph(store_path) as kg:
        started = time.perf_counter()
        load_ontologies(kg)
        steps.advance("knowledge graph")
        report = kg.ingest_spool(cfg.spool_dir, progress=False)
        seconds["ingest"] = time.perf_counter() - started
        steps.advance("knowledge graph")
        started = time.perf_counter()
        validation = validate(kg)
        seconds["validate"] = time.perf_counter() - started
        steps.advance("knowledge graph")
        started = time.perf_counter()
        answers = ask(kg.store, result, cfg.study)
        seconds["queries"] = time.perf_counter() - started
        steps.advance("knowledge graph")
        total = len(kg)
    problems = [f"{v.severity}: {v.focus} {v.path} {v.message}" for v in validation.violations
                if v.severity == "Violation"]
    return KnowledgeSummary(store_path, report.events, report.quads, total, validation.conforms,
                            problems, answers, seconds)
