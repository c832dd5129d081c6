"""POST /events against a real `provml serve`: the capture library's HTTP sink delivers into
the store, a bad batch ingests nothing, writes need the token, readers go on while events are
ingested, and a SIGTERM loses no acknowledged batch."""

from __future__ import annotations

import json
import signal
import threading
from typing import Any

import httpx
from pyoxigraph import QueryResultsFormat, parse_query_results

from conftest import start_server
from provml_kg.capture.http import HttpSink
from provml_kg.events import dumps, validate
from provml_kg.store import KnowledgeGraph

RUNS = ("PREFIX provml: <https://w3id.org/provml#> "
        "SELECT (COUNT(DISTINCT ?run) AS ?n) WHERE { ?run a provml:WorkflowExecution }")
JSON_TYPE = {"Content-Type": "application/json"}


def run_events(wf: str, t: float = 1732262400.0) -> list[dict[str, Any]]:
    return [validate({"v": 1, "k": "workflow_start", "wf": wf, "t": t, "r": 0, "seq": 0, "name": "served"}),
            validate({"v": 1, "k": "workflow_end", "wf": wf, "t": t + 1, "r": 0, "seq": 1, "status": "finished"})]


def runs(server: Any) -> int:
    response = httpx.get(server.url + "/sparql", params={"query": RUNS})
    assert response.status_code == 200, response.text
    return int(next(iter(parse_query_results(response.content, format=QueryResultsFormat.JSON)))["n"].value)


def body(events: list[dict[str, Any]]) -> bytes:
    return json.dumps({"events": events}).encode()


def test_http_sink_delivers_into_the_store(tmp_path: Any, lifecycle_events: list[dict[str, Any]]) -> None:
    server = start_server(tmp_path)
    try:
        assert runs(server) == 0
        sink = HttpSink(server.url + "/events", token=server.token, retries=0)
        sink.open("wf-curation", 0)
        sink.write([dumps(e) for e in lifecycle_events])
        sink.close()
        assert sink.delivered == len(lifecycle_events) and sink.last_error is None
        assert runs(server) == 3
        # delivering the same batch again is harmless
        again = httpx.post(server.url + "/events", content=body(lifecycle_events), headers={**JSON_TYPE, **server.auth()})
        assert again.status_code == 200 and again.json()["events"] == len(lifecycle_events)
        assert runs(server) == 3
    finally:
        server.stop()
    with KnowledgeGraph(server.store, read_only=True) as kg:
        assert kg.workflows() == ["wf-curation", "wf-qc", "wf-training"]


def test_capture_workflow_over_http(provml_server: Any) -> None:
    from provml_kg import capture

    before = runs(provml_server)
    sink = HttpSink(provml_server.url + "/events", token=provml_server.token, retries=0)
    with capture.workflow("served-capture", sink=sink):
        with capture.task("prepare"):
            pass
    assert sink.delivered > 0 and sink.last_error is None
    assert runs(provml_server) == before + 1


def test_bad_batches_ingest_nothing(provml_server: Any) -> None:
    url, auth = provml_server.url + "/events", provml_server.auth()
    before = runs(provml_server)
    good = run_events("wf-bad-batch")
    bad = dict(good[1], status="exploded")
    response = httpx.post(url, content=body([good[0], bad]), headers={**JSON_TYPE, **auth})
    assert response.status_code == 400
    assert "event #1" in response.text and "exploded" in response.text and "nothing was ingested" in response.text
    assert httpx.post(url, content=b"{not json", headers={**JSON_TYPE, **auth}).status_code == 400
    assert httpx.post(url, content=b'{"events": 3}', headers={**JSON_TYPE, **auth}).status_code == 400
    assert httpx.post(url, content=body(good), headers={"Content-Type": "text/plain", **auth}).status_code == 415
    assert httpx.get(url).status_code == 405
    assert runs(provml_server) == before


def test_event_writes_need_the_token(provml_server: Any) -> None:
    url = provml_server.url + "/events"
    before = runs(provml_server)
    events = run_events("wf-unauthorised")
    missing = httpx.post(url, content=body(events), headers=JSON_TYPE)
    wrong = httpx.post(url, content=body(events), headers={**JSON_TYPE, **provml_server.auth("guess")})
    assert (missing.status_code, wrong.status_code) == (401, 403)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    sink = HttpSink(url, token="guess", retries=0)
    sink.open("wf-unauthorised", 0)
    try:
        sink.write([dumps(e) for e in events])
    except Exception:  # the sink reports the refusal; nothing may reach the store either way
        pass
    sink.close()
    assert sink.delivered == 0
    assert runs(provml_server) == before


def test_readers_go_on_while_events_are_ingested(provml_server: Any) -> None:
    before = runs(provml_server)
    statuses: list[int] = []
    stop = threading.Event()

    def read() -> None:
        with httpx.Client() as client:
            while not stop.is_set():
                statuses.append(client.get(provml_server.url + "/sparql", params={"query": RUNS}).status_code)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        with httpx.Client() as client:
            for i in range(20):
                response = client.post(provml_server.url + "/events", content=body(run_events(f"wf-concurrent-{i}")),
                                       headers={**JSON_TYPE, **provml_server.auth()})
                assert response.status_code == 200
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert statuses and set(statuses) == {200}
    assert runs(provml_server) == before + 20


def test_sigterm_loses_no_acknowledged_batch(tmp_path: Any) -> None:
    server = start_server(tmp_path)
    acknowledged: list[str] = []
    sending = threading.Event()

    def send() -> None:
        with httpx.Client() as client:
            for i in range(10_000):
                wf = f"wf-shutdown-{i}"
                try:
                    response = client.post(server.url + "/events", content=body(run_events(wf)),
                                           headers={**JSON_TYPE, **server.auth()})
                except httpx.TransportError:
                    return
                if response.status_code == 200:
                    acknowledged.append(wf)
                if i == 5:
                    sending.set()

    sender = threading.Thread(target=send)
    sender.start()
    assert sending.wait(60)
    assert server.stop() in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after shutting down
    sender.join()
    assert "store flushed and closed" in (tmp_path / "server.log").read_text()
    assert len(acknowledged) >= 6
    with KnowledgeGraph(server.store, read_only=True) as kg:
        stored = set(kg.workflows())
    assert set(acknowledged) <= stored
