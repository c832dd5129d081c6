"""``provml ingest``, ``provml load``, ``provml export`` and the shared ``--store`` option."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import RdfFormat, parse

from provml_kg.cli import main
from provml_kg.cli.options import DEFAULT_STORE
from provml_kg.graph import ONTOLOGY_GRAPH, build_graph, workflow_graph
from provml_kg.store import DEFAULT_STORE_PATH, KnowledgeGraph
from test_store import synthetic_events, write_spools

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str) -> int:
    return main(list(argv))


@pytest.fixture
def spool(tmp_path: Path, lifecycle_events: list[dict[str, Any]]) -> Path:
    write_spools(tmp_path / "spool", lifecycle_events)
    return tmp_path / "spool"


def test_ingest_then_export_one_workflow(tmp_path: Path, spool: Path, capsys: pytest.CaptureFixture[str],
                                         lifecycle_events: list[dict[str, Any]]) -> None:
    store = str(tmp_path / "kg")
    assert run("ingest", str(spool), "--store", store, "--no-progress") == 0
    assert "46 events" in capsys.readouterr().out
    assert run("ingest", str(spool), "--store", store) == 0
    assert "0 events" in capsys.readouterr().out  # resumed at the end of every file
    assert run("export", "--list", "--store", store) == 0
    assert capsys.readouterr().out.split() == ["wf-curation", "wf-qc", "wf-training"]
    out = tmp_path / "qc.ttl"
    assert run("export", "-w", "wf-qc", "-o", str(out), "--store", store) == 0
    exported = {q.triple for q in parse(path=str(out), format=RdfFormat.TURTLE)}
    expected = {q.triple for q in build_graph(lifecycle_events).quads_for_pattern(
        None, None, None, workflow_graph("wf-qc"))}
    assert exported == expected
    with KnowledgeGraph(store, read_only=True) as kg:
        assert kg.store.contains_named_graph(ONTOLOGY_GRAPH)  # ingest adds the ontology once


def test_store_comes_from_the_environment(tmp_path: Path, spool: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PROVML_STORE", str(tmp_path / "env-store"))
    assert run("ingest", str(spool), "--no-ontology") == 0
    assert (tmp_path / "env-store" / "CURRENT").is_file()
    out = tmp_path / "all.nq"
    assert run("export", "-o", str(out)) == 0
    assert len(list(parse(path=str(out), format=RdfFormat.N_QUADS))) > 0
    assert DEFAULT_STORE == DEFAULT_STORE_PATH


def test_export_of_a_missing_store_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("export", "--store", str(tmp_path / "nowhere")) == 2
    assert "no store at" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_unknown_format_lists_the_valid_ones(tmp_path: Path, spool: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "kg")
    assert run("ingest", str(spool), "--store", store, "--no-ontology") == 0
    assert run("export", "-f", "yaml", "--store", store) == 2
    assert "unknown RDF format 'yaml'; use one of jsonld, n3, nq, nt, trig, ttl, xml" in capsys.readouterr().err
    assert run("export", "-w", "wf-none", "--store", store) == 2
    assert "no workflow 'wf-none'" in capsys.readouterr().err


def test_load_reports_the_bad_line_and_loads_good_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://e/a> <http://e/p> <http://e/b> .\n<http://e/a> <http://e/p> .\n")
    store = str(tmp_path / "kg")
    assert run("load", str(bad), "--store", store) == 2
    assert "bad.nt is not valid N-Triples: Parser error at line 2" in capsys.readouterr().err
    good = tmp_path / "good.txt"
    good.write_text("<http://e/a> <http://e/p> <http://e/b> .\n")
    assert run("load", str(good), "--store", store) == 2
    assert "from its extension '.txt'" in capsys.readouterr().err
    assert run("load", str(good), "-f", "nt", "--graph", "http://e/g", "--store", store) == 0
    assert "1 quads" in capsys.readouterr().out
    with KnowledgeGraph(store, read_only=True) as kg:
        assert [q.graph_name.value for q in kg.store] == ["http://e/g"]


def test_ingest_of_a_bad_event_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = synthetic_events("bad", 1)
    events[3]["value"] = [1]
    write_spools(tmp_path / "spool", events)
    assert run("ingest", str(tmp_path / "spool"), "--store", str(tmp_path / "kg")) == 2
    err = capsys.readouterr().err
    assert "bad.r0.0000.spool.jsonl:4: metric.value" in err
    assert run("ingest", str(tmp_path / "missing"), "--store", str(tmp_path / "kg")) == 2
    assert "does not exist" in capsys.readouterr().err


def test_locked_store_is_reported_with_its_holder(tmp_path: Path, spool: Path) -> None:
    store = str(tmp_path / "kg")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time\nfrom provml_kg.store import KnowledgeGraph\n"
         "kg = KnowledgeGraph(sys.argv[1]); print('open', flush=True); time.sleep(60)", store],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        done = subprocess.run([str(Path(sys.executable).parent / "provml"), "ingest", str(spool),
                               "--store", store], capture_output=True, text=True, cwd=ROOT)
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 3
    assert f"locked for writing by process {holder.pid}" in done.stderr
    assert "Traceback" not in done.stderr


def test_remote_options_must_be_complete(tmp_path: Path, spool: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("ingest", str(spool), "--query-url", "http://127.0.0.1:1/query") == 2
    assert "needs --update-url, --store-url" in capsys.readouterr().err
    assert run("export", "--remote", "http://127.0.0.1:1", "--store-url", "http://x/store") == 2
    assert "not both" in capsys.readouterr().err
