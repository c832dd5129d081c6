"""``provml validate``: check captured graphs against the PROV-ML SHACL shapes.

Exit code 0 when the graph conforms, 1 when any SHACL result is a violation, 2 on bad input.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from provml_kg.cli.options import store_option


def _shorten(term: str, prefixes: dict[str, str]) -> str:
    if term.startswith("<") and term.endswith(">"):
        iri = term[1:-1]
        for prefix, namespace in prefixes.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return term
    if "/" in term and term.startswith("<"):  # a sequence path
        return "/".join(_shorten(part, prefixes) for part in term.split("/"))
    return term


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-w", "--workflow", default=None, metavar="WF",
              help="Validate only this workflow execution's named graph.")
@click.option("--shapes", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="SHACL shapes file (default: the shipped ontology/shapes.ttl).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@store_option
def validate(files: tuple[Path, ...], workflow: str | None, shapes: Path | None,
             as_json: bool, store: Path) -> None:
    """Validate RDF FILES (N-Quads, TriG, Turtle, N-Triples...) or the store against the
    PROV-ML SHACL shapes; print a table of violations and exit 1 if there are any."""
    from rich.console import Console
    from rich.table import Table

    from provml_kg import validate as validation
    from provml_kg.graph import DATA_BASE, workflow_graph
    from provml_kg.vocab import prefixes

    graph = workflow_graph(workflow) if workflow else None
    shape_graph = validation.load_shapes(shapes) if shapes else None
    if files:
        report = validation.validate(validation.load_files(files), graph=graph,
                                     shapes=shape_graph)
        where = ", ".join(str(f) for f in files)
    else:
        from provml_kg.store import KnowledgeGraph

        with KnowledgeGraph(store, read_only=True) as kg:
            report = validation.validate(kg.store, graph=graph, shapes=shape_graph)
        where = str(store)
    if workflow:
        where += f" (workflow {workflow})"
    if as_json:
        click.echo(json.dumps({"conforms": report.conforms,
                               "results": [asdict(v) for v in report.violations]}, indent=2))
    else:
        # a pipe or file gets wide rows, so each result stays greppable on one line
        console = Console(width=None if sys.stdout.isatty() else 240)
        names = {"id": DATA_BASE, **prefixes()}
        if report.violations:
            table = Table(title=f"SHACL results for {where}", show_lines=False)
            for column in ("severity", "focus node", "path", "message", "value"):
                table.add_column(column, overflow="fold")
            for v in report.violations:
                table.add_row(v.severity, _shorten(v.focus, names), _shorten(v.path, names),
                              v.message, _shorten(v.value, names))
            console.print(table)
        nodes = len({v.focus for v in report.violations})
        status = "conforms" if report.conforms else (
            f"does NOT conform: {len(report)} result(s) on {nodes} node(s)")
        click.echo(f"{where}: {status}")
    if not report.conforms:
        raise click.exceptions.Exit(1)
