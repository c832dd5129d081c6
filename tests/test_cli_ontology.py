"""``provml ontology``: exit codes and output, run as a user would (a real subprocess)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

PROVML = [sys.executable, "-m", "provml_kg.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROVML, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")
def test_check_exits_0_and_reports_hermit_consistent() -> None:
    done = run("ontology", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "HermiT: consistent" in done.stdout
    assert "ok" in done.stdout


def test_check_exits_1_with_a_readable_list_of_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<https://example.org/b> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
                   "  <http://www.w3.org/2002/07/owl#imports> <https://w3id.org/provml> .\n"
                   "<https://example.org/b#Thing> a <http://www.w3.org/2002/07/owl#Class> .\n")
    done = run("ontology", "--check", "--no-reasoner", str(bad))
    assert done.returncode == 1
    assert "https://example.org/b#Thing" in done.stdout
    assert "has no rdfs:label" in done.stdout


def test_format_writes_the_merged_ontology(tmp_path: Path) -> None:
    out = tmp_path / "merged.owl"
    done = run("ontology", "--format", "owl", "-o", str(out))
    assert done.returncode == 0, done.stderr
    graph = rdflib.Graph().parse(out, format="xml")
    names = {str(s) for s in graph.subjects()}
    assert "https://w3id.org/provml#TrainingExecution" in names
    assert "http://www.w3.org/ns/prov#Activity" in names
    assert "http://www.w3.org/ns/mls#Run" in names
    assert (None, rdflib.OWL.imports, None) not in graph


def test_bad_usage_exits_2_and_names_the_choices() -> None:
    done = run("ontology")
    assert done.returncode == 2
    assert "--check" in done.stderr
    done = run("ontology", "--format", "jsonld")
    assert done.returncode == 2
    assert "'jsonld' is not one of" in done.stderr
