"""``provml export``: write the store, or one workflow's graph, in any RDF format."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from provml_kg.cli.options import open_remote, remote_options, store_option


@click.command()
@click.option("-f", "--format", "fmt", default=None, metavar="FORMAT",
              help="trig, nq, ttl, nt, xml, jsonld or n3 (default: from -o's extension, else trig).")
@click.option("-w", "--workflow", default=None, metavar="WF",
              help="Export only this workflow execution's graph.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of stdout.")
@click.option("--list", "list_workflows", is_flag=True, help="List the workflow ids and exit.")
@store_option
@remote_options
def export(fmt: str | None, workflow: str | None, output: Path | None, list_workflows: bool,
           store: Path, remote: str | None, query_url: str | None, update_url: str | None,
           store_url: str | None, token: str | None) -> None:
    """Export the knowledge graph (opened read-only) as RDF.

    Dataset formats (trig, nq, jsonld) keep one named graph per workflow; triple formats get
    the workflow's triples, or the union of every graph.
    """
    from provml_kg.formats import format_for_path, rdf_format
    from provml_kg.store import KnowledgeGraph

    if fmt is not None:
        rdf = rdf_format(fmt)
    elif output is not None and output.suffix:
        rdf = format_for_path(output)
    else:
        rdf = rdf_format("trig")
    remote_kg = open_remote(remote, query_url, update_url, store_url, token)
    opened = remote_kg if remote_kg is not None else KnowledgeGraph(store, read_only=True)
    with opened as kg:
        if list_workflows:
            for wf in kg.workflows():
                click.echo(wf)
            return
        if output is not None:
            kg.dump(output, format=rdf, workflow=workflow)
        else:
            sys.stdout.buffer.write(kg.export(format=rdf, workflow=workflow))
            sys.stdout.flush()
