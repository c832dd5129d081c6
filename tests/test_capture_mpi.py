"""Capture under a real ``mpiexec -n 2``: one workflow id shared by the ranks, per-rank spools."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from provml_kg import capture

MPIEXEC = Path(sys.executable).parent / "mpiexec"

SCRIPT = textwrap.dedent("""
    import sys
    from provml_kg import capture
    with capture.workflow("mpi-demo", spool_dir=sys.argv[1]) as wf:   # no MPI code at all
        with wf.training("fit") as tr:
            for ep in tr.epochs(3):
                ep.log_metric("loss", 1.0 / (ep.index + 1) + wf.rank)
    print(wf.rank, wf.size, wf.id, flush=True)
""")


@pytest.mark.skipif(not MPIEXEC.exists(), reason="mpiexec (pip install mpich) not installed")
def test_two_ranks_share_one_workflow_and_write_their_own_spools(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    spool = tmp_path / "spool"
    done = subprocess.run([str(MPIEXEC), "-n", "2", sys.executable, str(script), str(spool)],
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    printed = sorted(line.split() for line in done.stdout.splitlines())
    assert [p[:2] for p in printed] == [["0", "2"], ["1", "2"]]
    wf = printed[0][2]
    assert printed[1][2] == wf
    assert sorted(p.name for p in spool.iterdir()) == [f"{wf}.r0.0000.spool.jsonl",
                                                       f"{wf}.r1.0000.spool.jsonl"]
    events = list(capture.read_spool(spool, check=True))
    assert {e["wf"] for e in events} == {wf}
    assert {e["r"] for e in events} == {0, 1}
    starts = [e for e in events if e["k"] == "workflow_start"]
    assert sorted(s["env"]["rank"] for s in starts) == [0, 1]
    assert all(s["env"]["size"] == 2 and s["env"]["host"] for s in starts)
    identities = [(e["wf"], e["r"], e["seq"]) for e in events]
    assert len(set(identities)) == len(identities)
    losses = {(e["r"], e["value"]) for e in events if e["k"] == "metric"}
    assert (0, 1.0) in losses and (1, 2.0) in losses

    # ingestion merges the per-rank spools into one workflow graph
    from provml_kg.store import KnowledgeGraph
    kg = KnowledgeGraph()
    kg.ingest_spool(spool, progress=False)
    assert kg.workflows() == [wf]


def test_a_plain_process_uses_no_mpi(tmp_path: Path) -> None:
    code = ("import sys; from provml_kg import capture\n"
            f"wf = capture.workflow('plain', spool_dir={str(tmp_path)!r}); wf.start(); wf.end()\n"
            "print(wf.rank, wf.size, 'mpi4py' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.split() == ["0", "1", "False"]
    assert {e["r"] for e in capture.read_spool(tmp_path)} == {0}
