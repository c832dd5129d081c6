"""``provml prov``: a workflow as W3C PROV (PROV-JSON, PROV-N); PROV-O RDF from other tools in."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from provml_kg.cli.options import store_option


@click.group()
def prov() -> None:
    """Exchange provenance with other W3C PROV tools."""


@prov.command("export")
@click.argument("workflow")
@click.option("-f", "--format", "fmt", type=click.Choice(["json", "provn"]), default="json",
              show_default=True, help="PROV-JSON or PROV-N.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of stdout.")
@store_option
def export(workflow: str, fmt: str, output: Path | None, store: Path) -> None:
    """Write workflow execution WORKFLOW of the store as PROV-JSON or PROV-N."""
    from provml_kg.interop import export_workflow
    from provml_kg.store import KnowledgeGraph

    with KnowledgeGraph(store, read_only=True) as kg:
        text = export_workflow(kg.store, workflow, fmt)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")


@prov.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("-f", "--format", "fmt", default=None, metavar="FORMAT",
              help="RDF format (ttl, xml, nt, jsonld, trig...; default: from the extension).")
@click.option("--name", default=None, metavar="ID",
              help="Id of the graph to import into (default import-<content hash>).")
@store_option
def import_(file: Path, fmt: str | None, name: str | None, store: Path) -> None:
    """Import PROV-O RDF written by another tool into the store, as its own named graph."""
    from pyoxigraph import RdfFormat, serialize

    from provml_kg.formats import format_for_path
    from provml_kg.interop import import_prov_rdf
    from provml_kg.store import KnowledgeGraph

    rdf = fmt if fmt is not None else format_for_path(file).file_extension
    quads = import_prov_rdf(file.read_bytes(), rdf, name=name)
    data = serialize(quads, format=RdfFormat.N_QUADS) or b""
    with KnowledgeGraph(store) as kg:
        kg.load(data, format="nq")
    graph = quads[0].graph_name.value if quads else "(empty)"
    click.echo(f"imported {len(quads)} quads from {file} into {graph}")


import_.name = "import"
