"""RemoteKnowledgeGraph against a real Oxigraph server started on 127.0.0.1 by the test."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat, Variable, parse

from provml_kg.cli import main
from provml_kg.errors import EventValidationError, InputError, RemoteStoreError
from provml_kg.graph import ONTOLOGY_GRAPH, build_graph
from provml_kg.remote import RemoteKnowledgeGraph
from provml_kg.store import KnowledgeGraph
from test_store import synthetic_events, write_spools

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
PROV = "http://www.w3.org/ns/prov#"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The base URL of a fresh Oxigraph server (its own process, its own on-disk store)."""
    if not OXIGRAPH.is_file():
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = free_port()
    process = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(tmp_path / "server"),
                                "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"oxigraph did not start: {process.stderr.read()!r}") from None
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def remote_quads(base: str) -> set[Quad]:
    response = httpx.get(f"{base}/store", headers={"Accept": "application/n-quads"})
    response.raise_for_status()
    return set(parse(response.content, format=RdfFormat.N_QUADS))


def test_ingest_events_round_trips_and_is_idempotent(server: str, lifecycle_events: list[dict[str, Any]]) -> None:
    with RemoteKnowledgeGraph.oxigraph(server) as kg:
        report = kg.ingest_events(lifecycle_events, batch_quads=200)
        assert report.events == len(lifecycle_events)
        expected = set(build_graph(lifecycle_events))
        assert remote_quads(server) == expected
        kg.ingest_events(lifecycle_events)
        assert remote_quads(server) == expected
        assert len(kg) == len(expected)
        assert kg.workflows() == ["wf-curation", "wf-qc", "wf-training"]
        assert set(parse(kg.export(format="nq"), format=RdfFormat.N_QUADS)) == expected


def test_spool_ingest_resumes_with_a_checkpoint_file(server: str, tmp_path: Path,
                                                     lifecycle_events: list[dict[str, Any]]) -> None:
    write_spools(tmp_path / "spool", lifecycle_events)
    kg = RemoteKnowledgeGraph.oxigraph(server, checkpoint=tmp_path / "remote-ingest.json")
    assert kg.ingest_spool(tmp_path / "spool", progress=False).events == len(lifecycle_events)
    assert kg.ingest_spool(tmp_path / "spool", progress=False).events == 0
    assert remote_quads(server) == set(build_graph(lifecycle_events))


def test_export_one_workflow_and_remove_it(server: str, lifecycle_events: list[dict[str, Any]]) -> None:
    local = KnowledgeGraph()
    local.ingest_events(lifecycle_events)
    kg = RemoteKnowledgeGraph.oxigraph(server)
    kg.ingest_events(lifecycle_events)
    assert kg.export(format="ttl", workflow="wf-qc") != b""
    remote_qc = {t for t in parse(kg.export(format="nt", workflow="wf-qc"), format=RdfFormat.N_TRIPLES)}
    local_qc = {t for t in parse(local.export(format="nt", workflow="wf-qc"), format=RdfFormat.N_TRIPLES)}
    assert remote_qc == local_qc
    kg.remove_workflow("wf-qc")
    assert kg.workflows() == ["wf-curation", "wf-training"]
    with pytest.raises(InputError, match="no workflow 'wf-qc'"):
        kg.remove_workflow("wf-qc")
    with pytest.raises(InputError, match="no workflow 'wf-qc'"):
        kg.export(workflow="wf-qc")
    kg.replace_workflow("wf-qc", [e for e in lifecycle_events if e["wf"] == "wf-qc"])
    assert remote_quads(server) == set(local.store)


def test_load_a_local_export_and_the_ontology(server: str, tmp_path: Path,
                                              lifecycle_events: list[dict[str, Any]]) -> None:
    local = KnowledgeGraph()
    local.ingest_events(lifecycle_events)
    path = local.dump(tmp_path / "all.trig")
    kg = RemoteKnowledgeGraph.oxigraph(server)
    assert kg.load(path=path) == len(local)
    assert remote_quads(server) == set(local.store)
    kg.load_ontology()
    kg.load_ontology()
    in_ontology = kg.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                           substitutions={Variable("g"): ONTOLOGY_GRAPH})
    reference = KnowledgeGraph()
    reference.load_ontology()
    assert int(next(iter(in_ontology))["n"].value) == len(reference)
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://e/a> <http://e/p> .")
    with pytest.raises(InputError, match="bad.ttl is not valid Turtle"):
        kg.load(path=bad)


def test_query_update_and_errors(server: str, lifecycle_events: list[dict[str, Any]], lifecycle_ids: dict[str, str]) -> None:
    kg = RemoteKnowledgeGraph.oxigraph(server)
    kg.ingest_events(lifecycle_events)
    model = NamedNode(f"https://w3id.org/provml/id/entity/{lifecycle_ids['model']}")
    rows = list(kg.query(f"SELECT ?run WHERE {{ GRAPH ?g {{ ?m <{PROV}wasGeneratedBy> ?run }} }}",
                         substitutions={Variable("m"): model}))
    assert len(rows) == 1
    assert bool(kg.query(f"ASK {{ ?m <{PROV}wasGeneratedBy> ?run }}", substitutions={Variable("m"): model},
                         use_default_graph_as_union=True))
    triples = kg.query(f"CONSTRUCT {{ ?m <{PROV}wasGeneratedBy> ?run }} WHERE {{ GRAPH ?g {{ ?m <{PROV}wasGeneratedBy> ?run }} }}")
    assert isinstance(triples, list) and len(triples) >= 2
    kg.update("INSERT DATA { GRAPH <http://e/g> { <http://e/a> <http://e/p> 1 } }")
    assert bool(kg.query("ASK { GRAPH <http://e/g> { <http://e/a> <http://e/p> 1 } }"))
    with pytest.raises(RemoteStoreError, match="answered 400"):
        kg.query("SELECT WHERE")
    with pytest.raises(EventValidationError):
        kg.ingest_events([{**lifecycle_events[0], "seq": -1}])


def test_unreachable_store_is_a_remote_store_error() -> None:
    kg = RemoteKnowledgeGraph.oxigraph(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(RemoteStoreError, match="failed"):
        kg.workflows()


def test_cli_ingest_and_export_against_the_server(server: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    events = synthetic_events("cli-remote", 3)
    write_spools(tmp_path / "spool", events)
    resume = ["--checkpoint", str(tmp_path / "sent.json")]
    assert main(["ingest", str(tmp_path / "spool"), "--remote", server, "--no-progress", *resume]) == 0
    assert f"{len(events)} events" in capsys.readouterr().out
    assert main(["ingest", str(tmp_path / "spool"), "--remote", server, *resume]) == 0
    assert "0 events" in capsys.readouterr().out
    assert main(["export", "--remote", server, "--list"]) == 0
    assert capsys.readouterr().out.split() == ["cli-remote"]
    out = tmp_path / "run.nq"
    assert main(["export", "--remote", server, "-w", "cli-remote", "-o", str(out)]) == 0
    assert set(parse(path=str(out), format=RdfFormat.N_QUADS)) == set(build_graph(events))
    assert main(["load", str(out), "--query-url", f"{server}/query", "--update-url",
                 f"{server}/update", "--store-url", f"{server}/store"]) == 0
