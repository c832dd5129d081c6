"""The MPI demo under a real ``mpiexec -n 2``: one workflow graph holds both ranks' work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from provml_kg.demo.config import DemoConfig

MPIEXEC = Path(sys.executable).parent / "mpiexec"
PROVML = "https://w3id.org/provml#"


@pytest.mark.skipif(not MPIEXEC.exists(), reason=f"no mpiexec next to {sys.executable}")
def test_mpi_search_is_one_workflow_over_both_ranks(tmp_path: Path) -> None:
    pytest.importorskip("mpi4py")
    store, data = tmp_path / "store", tmp_path / "data"
    done = subprocess.run(
        [str(MPIEXEC), "-n", "2", sys.executable, "-m", "provml_kg.demo", "--mpi", "--scale", "0",
         "--store", str(store), "--workdir", str(data)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "SHACL validation conforms" in done.stdout

    from pyoxigraph import Store
    kg = Store.read_only(str(store))
    query = f"""PREFIX provml: <{PROVML}>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?g ?w ?size (GROUP_CONCAT(DISTINCT STR(?rank); separator=",") AS ?ranks)
           (COUNT(DISTINCT ?training) AS ?trainings)
    WHERE {{ GRAPH ?g {{ ?w a provml:WorkflowExecution ; provml:executesPlan/rdfs:label
                            "seismic-hyperparameter-search" ; provml:mpiSize ?size .
                        ?rx provml:partOfExecution ?w ; provml:mpiRank ?rank }}
            ?training a provml:TrainingExecution ; provml:partOfExecution ?w }}
    GROUP BY ?g ?w ?size"""
    found = list(kg.query(query, use_default_graph_as_union=True))
    assert len(found) == 1, found  # one workflow execution, in one named graph
    row = found[0]
    assert sorted(row["ranks"].value.split(",")) == ["0", "1"]
    assert int(row["size"].value) == 2
    assert int(row["trainings"].value) == len(DemoConfig(tmp_path, scale=0).variants())
    # each rank wrote its own spool file for the shared workflow id
    wf = row["w"].value.rsplit("/", 1)[-1]
    assert {p.name.split(".")[1] for p in data.glob(f"spool/*/{wf}.r*.spool.jsonl")} == {"r0", "r1"}
