"""``provml demo``: a seismic ML lifecycle captured end to end, its knowledge graph validated
and questioned; ``--serve`` then opens the SPARQL endpoint on it."""

from __future__ import annotations

from pathlib import Path

import click

from provml_kg.cli.options import store_option
from provml_kg.errors import ProvmlError


@click.command()
@store_option
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder for the demo's seismic repository, feature sets, models and spools "
                   "[default: provml-demo-data next to the store].")
@click.option("--scale", type=click.IntRange(min=0), default=1, show_default=True,
              help="0 smoke test; 1 default (6 runs x 10 epochs); N: N times the runs, epochs and training data.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random choice.")
@click.option("--mpi", is_flag=True,
              help="Run as one rank of an MPI job (start with mpiexec -n N): a hyperparameter "
                   "search across ranks captured into one workflow.")
@click.option("--serve", is_flag=True, help="Then serve the SPARQL endpoint on the store.")
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True,
              help="Port of the endpoint with --serve.")
def demo(store: Path, workdir: Path | None, scale: int, seed: int, mpi: bool, serve: bool,
         port: int) -> int:
    """Run the demo lifecycle (curation, preparation, learning, production), capture it, ingest
    it into the store, validate it and answer lifecycle questions with stored queries."""
    if mpi:
        from provml_kg.demo.mpi_run import run_mpi_demo

        outcome = run_mpi_demo(store, workdir, scale=scale, seed=seed)
    else:
        from provml_kg.demo.runner import run_demo

        outcome = run_demo(store, workdir, scale=scale, seed=seed)
    if outcome is None:  # an MPI rank other than 0: rank 0 reports
        return 0
    if not outcome.knowledge.conforms:
        click.echo("error: the captured graph does not conform to the PROV-ML shapes", err=True)
        return 1
    if serve:
        _serve(store, port)
    return 0


def _serve(store: Path, port: int) -> None:
    """Hand over to the ``serve`` verb on the demo's store (it prints its URL and blocks)."""
    from provml_kg.cli import COMMANDS, cli

    if "serve" not in COMMANDS:
        raise ProvmlError("--serve needs the `provml serve` endpoint, which this installation "
                          "lacks; query the store with `provml query` instead")
    click.echo(f"serving the demo store on http://127.0.0.1:{port}/ (SPARQL at /sparql); "
               "Ctrl-C stops it")
    cli.main(args=["serve", "--store", str(store), "--port", str(port)], standalone_mode=False)
