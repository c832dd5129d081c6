"""Spool files: durability under SIGKILL, torn lines, rotation, and ``provml spool cat``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from provml_kg import capture
from provml_kg.capture.spool import SpoolSink, spool_files
from provml_kg.cli import main
from provml_kg.errors import InputError

CHILD = textwrap.dedent("""
    import sys
    from provml_kg import capture
    wf = capture.workflow("killed", spool_dir=sys.argv[1], mpi=False, batch_size=50,
                          flush_interval=0.01)
    wf.start()
    with wf.training("fit") as tr:
        i = 0
        while True:
            for _ in range(200):
                tr.log_metric("loss", 1.0 / (i + 1), step=i)
                i += 1
            wf.flush()                   # synchronous: written and fsynced when it returns
            print(i, flush=True)
""")


def test_sigkill_mid_run_leaves_every_flushed_batch_readable(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    confirmed = 0
    for _ in range(5):
        confirmed = int(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    with _no_fail():
        events = list(capture.read_spool(tmp_path, check=True))
    metrics = [e for e in events if e["k"] == "metric"]
    assert len(metrics) >= confirmed >= 1000
    assert [m["step"] for m in metrics] == list(range(len(metrics)))
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert not any(e["k"] == "workflow_end" for e in events)  # it really died mid-run

    # a crash in the middle of a write leaves a torn last line: the reader skips it, warning
    (spool,) = spool_files(tmp_path)
    with open(spool, "ab") as f:
        f.write(b'{"v":1,"k":"metric","wf":"x","t":1.0,"r":0,"se')
    with pytest.warns(capture.TornLineWarning, match="torn last line"):
        again = list(capture.read_spool(tmp_path))
    assert again == events


class _no_fail:
    """Read whatever the kill left: a torn line may or may not be there."""

    def __enter__(self) -> None:
        import warnings
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", capture.TornLineWarning)

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


def test_a_torn_line_is_terminated_before_the_next_run_appends(tmp_path: Path) -> None:
    with capture.workflow("w", id="same-run", spool_dir=tmp_path, mpi=False) as wf:
        wf.log_metric("m", 1.0)
    (spool,) = spool_files(tmp_path)
    with open(spool, "ab") as f:
        f.write(b'{"v":1,"k":"met')
    with pytest.warns(capture.TornLineWarning):
        with capture.workflow("w", id="same-run", spool_dir=tmp_path, mpi=False) as wf:
            wf.log_metric("m", 2.0)
    with pytest.warns(capture.TornLineWarning, match=r":4: skipped unparseable line"):
        events = list(capture.read_spool(spool, check=True))
    assert [e["seq"] for e in events] == list(range(6))
    assert [e["value"] for e in events if e["k"] == "metric"] == [1.0, 2.0]


def test_garbage_lines_anywhere_are_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "x.spool.jsonl"
    path.write_bytes(b'{"a": 1}\n[1, 2]\nnot json\n\n{"b": 2}\n\xff\xfe\n{"c"')
    with pytest.warns(capture.TornLineWarning) as caught:
        assert list(capture.read_spool(path)) == [{"a": 1}, {"b": 2}]
    assert len(caught) == 4


def test_spool_files_rotate_by_size_and_read_back_in_order(tmp_path: Path) -> None:
    sink = SpoolSink(tmp_path, max_bytes=4096)
    with capture.workflow("w", sink=sink, mpi=False, batch_size=20) as wf:
        for i in range(600):
            wf.log_metric("m", float(i), step=i)
    assert len(sink.paths) > 3
    assert [p.name for p in spool_files(tmp_path)] == [p.name for p in sink.paths]
    assert all(p.stat().st_size < 4096 + 20 * 200 for p in sink.paths)
    events = list(capture.read_spool(tmp_path, check=True))
    assert [e["seq"] for e in events] == list(range(602))


def test_missing_spool_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist; expected a .spool.jsonl file"):
        list(capture.read_spool(tmp_path / "nowhere"))


def test_default_spool_dir_comes_from_the_environment_at_call_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVML_SPOOL_DIR", str(tmp_path / "env-spool"))
    with capture.workflow("w", mpi=False) as wf:
        pass
    assert wf.spool_paths[0].parent == tmp_path / "env-spool"
    monkeypatch.delenv("PROVML_SPOOL_DIR")
    monkeypatch.chdir(tmp_path)
    with capture.workflow("w", mpi=False) as wf:
        pass
    assert wf.spool_paths[0].parent == tmp_path / ".provml" / "spool"


def test_provml_spool_cat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with capture.workflow("w", spool_dir=tmp_path, mpi=False) as wf:
        wf.log_metric("m", 1.0)
    with open(wf.spool_paths[0], "ab") as f:
        f.write(b'{"torn')
    assert main(["spool", "cat", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert [json.loads(line)["k"] for line in out.splitlines()] == [
        "workflow_start", "metric", "workflow_end"]
    assert "3 event(s) in 1 file(s); 1 torn line(s) skipped" in err
    assert main(["spool", "cat", "--summary", str(wf.spool_paths[0])]) == 0
    out, _ = capsys.readouterr()
    assert f"{wf.id}  r0  metric" in out and "1 torn line(s)" in out
    assert main(["spool", "cat", str(tmp_path / "missing")]) == 2
    bad = tmp_path / "bad.spool.jsonl"
    bad.write_text('{"v":1,"k":"metric","wf":"w","t":1,"r":0,"seq":0,"exec":"e","name":"n","value":"x"}\n')
    assert main(["spool", "cat", "--check", str(bad)]) == 1
    assert "metric.value" in capsys.readouterr().err


def test_fsync_can_be_turned_off(tmp_path: Path) -> None:
    with capture.workflow("w", spool_dir=tmp_path, mpi=False, fsync=False) as wf:
        wf.log_metric("m", 1.0)
    assert len(list(capture.read_spool(tmp_path))) == 3
    assert os.path.getsize(wf.spool_paths[0]) > 0
