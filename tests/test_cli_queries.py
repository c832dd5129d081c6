"""``provml query`` and ``provml queries``, run as a user would (a real subprocess on a real store)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from provml_kg.store import KnowledgeGraph

PROVML = [sys.executable, "-m", "provml_kg.cli"]
ID = "https://w3id.org/provml/id/"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROVML, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def store(tmp_path: Path, lifecycle_events: list[dict[str, Any]]) -> str:
    path = tmp_path / "store"
    kg = KnowledgeGraph(path)
    kg.ingest_events(lifecycle_events)
    kg.close()
    return str(path)


def test_queries_lists_every_stored_query() -> None:
    done = run("queries")
    assert done.returncode == 0, done.stderr
    for name in ("lineage", "best_model", "metric_per_epoch", "running_latest_metrics"):
        assert name in done.stdout


def test_queries_name_shows_parameters_and_sparql() -> None:
    done = run("queries", "metric_per_epoch")
    assert done.returncode == 0, done.stderr
    assert "-p execution (iri, required)" in done.stdout
    assert "-p measure (string, optional)" in done.stdout
    assert "SELECT" in done.stdout


def test_query_as_json_csv_tsv_and_table(store: str, lifecycle_ids: dict[str, str]) -> None:
    train = f"execution=id:execution/wf-training/{lifecycle_ids['train']}"
    done = run("query", "metric_per_epoch", "-p", train, "-p", "measure=loss", "--store", store,
               "--format", "json")
    assert done.returncode == 0, done.stderr
    bindings = json.loads(done.stdout)["results"]["bindings"]
    assert [(b["index"]["value"], b["value"]["value"]) for b in bindings] == [("0", "0.9"),
                                                                             ("1", "0.5")]
    done = run("query", "metric_per_epoch", "-p", train, "-p", "measure=loss", "--store", store,
               "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["value"] for r in rows] == ["0.9", "0.5"]
    done = run("query", "metric_per_epoch", "-p", train, "--store", store, "--format", "tsv")
    assert done.returncode == 0 and done.stdout.count("\n") == 5  # header + 4 rows
    done = run("query", "metric_per_epoch", "-p", train, "-p", "measure=loss", "--store", store)
    assert done.returncode == 0, done.stderr
    assert "A metric per epoch" in done.stdout and "2 rows" in done.stdout
    assert "id:execution/wf-training" in done.stdout  # IRIs compacted for reading


def test_missing_unknown_and_bad_parameters_exit_2_listing_the_expected_ones(store: str) -> None:
    done = run("query", "lineage", "--store", store)
    assert done.returncode == 2
    assert "missing parameter 'entity'" in done.stderr and "expected: entity (iri" in done.stderr
    done = run("query", "lineage", "-p", "model=id:entity/x", "--store", store)
    assert done.returncode == 2 and "unknown parameter 'model'" in done.stderr
    done = run("query", "lineage", "-p", "entity=not an iri", "--store", store)
    assert done.returncode == 2 and "not an absolute IRI" in done.stderr
    done = run("query", "lineage", "-p", "entity", "--store", store)
    assert done.returncode == 2 and "KEY=VALUE" in done.stderr
    done = run("query", "no_such_query", "--store", store)
    assert done.returncode == 2 and "known queries:" in done.stderr and "lineage" in done.stderr


def test_query_on_a_missing_store_exits_2(tmp_path: Path) -> None:
    done = run("query", "failed_executions", "--store", str(tmp_path / "nothing"))
    assert done.returncode == 2
    assert "no store" in done.stderr


def test_query_reads_while_another_process_holds_the_store(store: str) -> None:
    writer = KnowledgeGraph(store)  # holds the write lock, as an ingesting server would
    try:
        done = run("query", "failed_executions", "--store", store, "--format", "csv")
    finally:
        writer.close()
    assert done.returncode == 0, done.stderr
    assert "duplicate trace ids" in done.stdout
