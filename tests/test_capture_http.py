"""The HTTP sink against real HTTP servers: delivery, spill while down, replay, duplicates."""

from __future__ import annotations

import json
import threading
import warnings
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from provml_kg import capture
from provml_kg.capture.http import HttpSink, replay
from provml_kg.capture.spool import SpoolSink
from provml_kg.cli import main
from provml_kg.errors import InputError, SinkError


class EventServer:
    """A real HTTP server on 127.0.0.1 that records every POSTed batch."""

    def __init__(self, status: int = 200) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.headers: list[dict[str, str]] = []
        self.status = status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.headers.append(dict(self.headers))
                if outer.status == 200 and self.path == "/events":
                    outer.batches.append(json.loads(body)["events"])
                self.send_response(outer.status if self.path == "/events" else 404)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/events"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def events(self) -> list[dict[str, Any]]:
        return [e for batch in self.batches for e in batch]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server() -> Iterator[EventServer]:
    srv = EventServer()
    yield srv
    srv.stop()


def identity(event: dict[str, Any]) -> tuple[str, int, int]:
    return (event["wf"], event["r"], event["seq"])


def test_events_are_posted_in_batches_with_the_bearer_token(server: EventServer,
                                                            tmp_path: Path) -> None:
    sink = HttpSink(server.url, token="s3cret", spill=SpoolSink(tmp_path))
    with capture.workflow("w", sink=sink, mpi=False, batch_size=100) as wf:
        for i in range(250):
            wf.log_metric("m", float(i), step=i)
    assert [identity(e) for e in server.events] == [(wf.id, 0, i) for i in range(252)]
    assert len(server.batches) >= 3
    assert all(h["Authorization"] == "Bearer s3cret" for h in server.headers)
    assert all(h["Content-Type"] == "application/json" for h in server.headers)
    assert sink.delivered == 252 and sink.spilled == 0
    assert not list(tmp_path.iterdir())  # no spill file when nothing was spilled


def test_server_down_spills_and_replay_delivers_every_event_once(tmp_path: Path) -> None:
    first = EventServer()
    everything: list[dict[str, Any]] = []
    sink = HttpSink(first.url, spill=SpoolSink(tmp_path / "spill"), retries=1, backoff=0.01)
    wf = capture.workflow("w", sink=[sink, everything.extend], mpi=False, flush_interval=60)
    wf.start()
    for i in range(100):
        wf.log_metric("m", float(i))
    wf.flush()
    first.stop()  # the server goes away mid-run
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(100, 300):
            wf.log_metric("m", float(i))
        wf.end()
    assert any("spilling to" in str(w.message) for w in caught)
    assert sink.delivered == 101 and sink.spilled == 201
    assert len(everything) == 302

    second = EventServer()
    try:
        assert replay(tmp_path / "spill", second.url, batch_size=64) == 201
        delivered = Counter(identity(e) for e in first.events + second.events)
        assert set(delivered) == {identity(e) for e in everything}
        assert set(delivered.values()) == {1}  # nothing lost, nothing doubled
        assert list((tmp_path / "spill").glob("*.replayed"))
        assert replay(tmp_path / "spill", second.url) == 0  # already delivered files are skipped
    finally:
        second.stop()


def test_a_duplicate_delivery_is_detectable_by_identity(server: EventServer,
                                                        tmp_path: Path) -> None:
    with capture.workflow("w", spool_dir=tmp_path, mpi=False) as wf:
        wf.log_metric("m", 1.0)
    assert replay(tmp_path, server.url, mark_done=False) == 3
    assert replay(tmp_path, server.url, mark_done=False) == 3  # e.g. an ack lost, sent again
    seen = Counter(identity(e) for e in server.events)
    assert sorted(seen.values()) == [2, 2, 2]
    assert len({json.dumps(e, sort_keys=True) for e in server.events}) == 3


def test_a_refused_batch_is_spilled_without_retrying(tmp_path: Path) -> None:
    refusing = EventServer(status=400)
    try:
        sink = HttpSink(refusing.url, spill=SpoolSink(tmp_path), retries=5, backoff=0.01)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with capture.workflow("w", sink=sink, mpi=False, flush_interval=60) as wf:
                wf.log_metric("m", 1.0)
        assert len(refusing.headers) == 1
        assert "HTTP 400" in str(sink.last_error)
        assert len(list(capture.read_spool(tmp_path))) == 3
    finally:
        refusing.stop()


def test_without_a_spill_the_pipeline_keeps_the_batch(tmp_path: Path) -> None:
    dead = EventServer()
    url = dead.url
    dead.stop()
    sink = HttpSink(url, retries=0, cooldown=0)
    wf = capture.workflow("w", sink=sink, mpi=False, flush_interval=60)
    wf.start()
    with pytest.raises(SinkError, match=r"POST http://127\.0\.0\.1:\d+/events failed"):
        wf.flush()
    wf._pipe.close_retries = 0
    with pytest.raises(SinkError, match="could not write 2 event"):
        wf.end()


def test_url_sinks_spill_under_the_spool_dir(tmp_path: Path) -> None:
    dead = EventServer()
    url = dead.url
    dead.stop()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with capture.workflow("w", sink=url, spool_dir=tmp_path, mpi=False) as wf:
            wf.log_metric("m", 1.0)
    assert [p.parent for p in wf.spool_paths] == [tmp_path / "spill"]


def test_provml_spool_replay(server: EventServer, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    with capture.workflow("w", spool_dir=tmp_path, mpi=False) as wf:
        wf.log_metric("m", 1.0)
    assert main(["spool", "replay", str(tmp_path), "--url", server.url, "--token", "t"]) == 0
    assert "replayed 3 event(s)" in capsys.readouterr().out
    assert len(server.events) == 3 and server.headers[0]["Authorization"] == "Bearer t"
    assert main(["spool", "replay", str(tmp_path / "nope"), "--url", server.url]) == 2


def test_bad_sink_arguments() -> None:
    with pytest.raises(InputError, match="expected http://host:port/events"):
        HttpSink("ftp://x")
    with pytest.raises(Exception, match="sink=42"):
        capture.workflow("w", sink=42, mpi=False)


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(store: Path, port: int, token: str) -> Any:
    import subprocess
    import sys
    import time

    import httpx
    proc = subprocess.Popen([sys.executable, "-m", "provml_kg.cli", "serve", "--store", str(store),
                             "--port", str(port), "--allow-update", "--token", token],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"provml serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("provml serve did not start within 60 s")


def stop_serve(proc: Any) -> None:
    import signal
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except Exception:  # noqa: BLE001 - make sure it is gone
        proc.kill()
        proc.wait()


def test_capture_to_provml_serve_through_an_outage(tmp_path: Path) -> None:
    """Against the real endpoint: what the server got plus the replayed spill is exactly the
    graph of every event, and replaying again changes nothing (idempotent ingestion)."""
    from provml_kg.store import KnowledgeGraph

    store, token, port = tmp_path / "store", "t0ken", free_port()
    url = f"http://127.0.0.1:{port}/events"
    server = start_serve(store, port, token)
    everything: list[dict[str, Any]] = []
    sink = HttpSink(url, token=token, spill=SpoolSink(tmp_path / "spill"), retries=1,
                    backoff=0.05, cooldown=0)
    try:
        wf = capture.workflow("served", sink=[sink, everything.extend], mpi=False,
                              flush_interval=60)
        wf.start()
        with wf.training("fit") as tr:
            for ep in tr.epochs(2):
                ep.log_metric("loss", 1.0 / (ep.index + 1))
            wf.flush()
            stop_serve(server)  # the endpoint goes down mid-run
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                for i in (2, 3):
                    with tr.epoch(i) as ep:
                        ep.log_metric("loss", 1.0 / (i + 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            wf.end()
        assert sink.delivered > 0 and sink.spilled > 0
        assert sink.delivered + sink.spilled == len(everything)

        server = start_serve(store, port, token)
        spilled = sink.spilled
        assert replay(tmp_path / "spill", url, token=token, mark_done=False) == spilled
        assert replay(tmp_path / "spill", url, token=token) == spilled  # a duplicate delivery
    finally:
        stop_serve(server)

    served = KnowledgeGraph(store, read_only=True)
    reference = KnowledgeGraph()
    reference.ingest_events(everything)
    assert served.workflows() == [wf.id]
    quads = set(served.export(format="nq").decode().splitlines())
    assert quads == set(reference.export(format="nq").decode().splitlines())
