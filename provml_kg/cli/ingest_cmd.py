"""``provml ingest SPOOL_OR_DIR...``: turn captured events into the knowledge graph."""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from provml_kg.cli.options import open_remote, remote_options, store_option


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when stderr is a terminal).")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Skip what earlier ingests of the same spool files made durable.")
@click.option("--ontology/--no-ontology", "with_ontology", default=True, show_default=True,
              help="Also put the PROV-ML ontology into its own graph if the store lacks it.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Processes that map events to quads (default: one per core for spools of "
                   "16 MiB or more; 0: none).")
@click.option("--checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With a remote store: a file recording how far each spool file was sent, so a "
                   "rerun resumes (the local store keeps its own).")
@store_option
@remote_options
def ingest(paths: tuple[Path, ...], progress: bool | None, resume: bool, with_ontology: bool,
           workers: int | None, checkpoint: Path | None, store: Path, remote: str | None, query_url: str | None,
           update_url: str | None, store_url: str | None, token: str | None) -> None:
    """Ingest spool files (*.spool.jsonl) or directories of them into the store.

    Per-rank spools of an MPI run are merged by workflow. Re-ingesting adds nothing; an ingest
    killed half-way resumes where its last durable batch ended. Torn lines are skipped with a
    warning.
    """
    from provml_kg.graph import ONTOLOGY_GRAPH
    from provml_kg.store import KnowledgeGraph

    remote_kg = open_remote(remote, query_url, update_url, store_url, token,
                            checkpoint=checkpoint if resume else None)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = _show_warning
        if remote_kg is not None:
            with remote_kg:
                report = remote_kg.ingest_spool(list(paths), progress=progress)
                if with_ontology:
                    remote_kg.load_ontology()
            where = remote_kg.store_url
        else:
            with KnowledgeGraph(store) as kg:
                report = kg.ingest_spool(list(paths), progress=progress, resume=resume,
                                         workers=workers)
                if with_ontology and not kg.store.contains_named_graph(ONTOLOGY_GRAPH):
                    kg.load_ontology()
            where = str(store)
    click.echo(f"ingested into {where}: {report}")


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: object = None, line: str | None = None) -> None:
    click.echo(f"warning: {message}", err=True)
