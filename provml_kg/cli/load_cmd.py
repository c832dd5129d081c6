"""``provml load FILE...``: load RDF files (any format pyoxigraph reads) into the store."""

from __future__ import annotations

from pathlib import Path

import click

from provml_kg.cli.options import open_remote, remote_options, store_option


@click.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-f", "--format", "fmt", default=None, metavar="FORMAT",
              help="trig, nq, ttl, nt, xml, jsonld or n3 (default: from each file's extension).")
@click.option("--graph", default=None, metavar="IRI",
              help="Named graph for triple formats (default: the default graph).")
@store_option
@remote_options
def load(files: tuple[Path, ...], fmt: str | None, graph: str | None, store: Path,
         remote: str | None, query_url: str | None, update_url: str | None,
         store_url: str | None, token: str | None) -> None:
    """Load RDF files into the store (or a remote SPARQL store).

    Each file is parsed in full first, so a bad file changes nothing; the error names its line
    and column.
    """
    from provml_kg.formats import format_for_path, rdf_format
    from provml_kg.store import KnowledgeGraph

    formats = {f: rdf_format(fmt) if fmt else format_for_path(f) for f in files}
    remote_kg = open_remote(remote, query_url, update_url, store_url, token)
    opened = remote_kg if remote_kg is not None else KnowledgeGraph(store)
    with opened as kg:
        for file in files:
            count = kg.load(path=file, format=formats[file], graph=graph)
            click.echo(f"loaded {file}: {count} quads ({formats[file].name})")
