"""``provml query NAME -p key=value ...``: run a stored query and print its results."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from provml_kg.cli.options import store_option
from provml_kg.errors import InputError

OUTPUT_FORMATS = ("table", "json", "csv", "tsv")


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """Return ``{"key": "value"}`` for ``("key=value", ...)``.

    Raises:
        InputError: an item has no ``=`` or an empty key, or a key is repeated.
    """
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"-p {pair!r}: expected KEY=VALUE, e.g. -p model=https://...")
        if key in params:
            raise InputError(f"-p {key}: given twice")
        params[key] = value
    return params


@click.command()
@click.argument("name")
@click.option("-p", "--param", "pairs", multiple=True, metavar="KEY=VALUE",
              help="A query parameter; repeat for several. `provml queries NAME` lists them.")
@click.option("-f", "--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table",
              show_default=True, help="table (readable), or SPARQL 1.1 results as json, csv, tsv.")
@store_option
def query(name: str, pairs: tuple[str, ...], fmt: str, store: Path) -> None:
    """Run the stored query NAME on the knowledge graph (opened read-only).

    IRI parameters take a full IRI, a prefixed name (provml:, prov:, mls:...) or id:KIND/KEY
    for an instance of the graph, e.g. -p model=id:entity/mdl-7f3a.
    """
    from provml_kg.queries import get_query
    from provml_kg.store import KnowledgeGraph

    stored = get_query(name)
    substitutions = stored.bind(**parse_params(pairs))
    # read-only: a snapshot that works while another process ingests into the store
    kg = KnowledgeGraph(store, read_only=True)
    try:
        solutions = stored.run_bound(kg, substitutions)
        _write(stored.title, solutions, fmt)
    finally:
        kg.close()


def _write(title: str, solutions: Any, fmt: str) -> None:
    if fmt == "table":
        print_table(title, solutions)
        return
    from pyoxigraph import QueryResultsFormat

    formats = {"json": QueryResultsFormat.JSON, "csv": QueryResultsFormat.CSV,
               "tsv": QueryResultsFormat.TSV}
    sys.stdout.buffer.write(solutions.serialize(format=formats[fmt]))
    sys.stdout.flush()


def print_table(title: str, solutions: Any) -> None:
    """Print SELECT results as a rich table: IRIs compacted (``provml:``, ``id:``...), literals
    as their values, unbound cells empty, and the row count underneath."""
    from rich.console import Console
    from rich.table import Table

    from provml_kg.queries import display_term

    console = Console(soft_wrap=False)
    names = [v.value for v in solutions.variables]
    table = Table(title=title, title_justify="left")
    for column in names:
        table.add_column(column, overflow="fold")
    count = 0
    for solution in solutions:
        table.add_row(*(display_term(solution[column]) for column in names))
        count += 1
    console.print(table)
    console.print(f"{count} row{'s' if count != 1 else ''}")
