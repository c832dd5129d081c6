"""``provml query NAME -p key=value ...``: run a stored query and print its results."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from provml_kg.errors import InputError, StoreError

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


def open_read_only(path: Path) -> Any:
    """Open the on-disk store at ``path`` read-only (works while another process ingests).

    Raises:
        InputError: nothing is at ``path``.
        StoreError: the store cannot be opened.
    """
    from pyoxigraph import Store

    if not path.is_dir():
        raise InputError(f"--store {str(path)!r}: no store there; ingest events first "
                         "(provml ingest) or give the folder of an existing store")
    try:
        return Store.read_only(str(path))
    except OSError as failed:
        raise StoreError(f"cannot open the store at {str(path)!r} read-only: {failed}") from None


def _store_option(function: Any) -> Any:
    try:
        from provml_kg.cli.options import store_option
    except ImportError:  # pragma: no cover - until the shared option lands
        return click.option("--store", "store", type=click.Path(path_type=Path),
                            default=Path(".provml/store"), show_default=True,
                            help="Folder of the on-disk knowledge-graph store.")(function)
    return store_option(function)


@click.command()
@click.argument("name")
@click.option("-p", "--param", "pairs", multiple=True, metavar="KEY=VALUE",
              help="A query parameter; repeat for several. `provml queries NAME` lists them.")
@click.option("-f", "--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table",
              show_default=True, help="table (readable), or SPARQL 1.1 results as json, csv, tsv.")
@_store_option
def query(name: str, pairs: tuple[str, ...], fmt: str, store: Any) -> None:
    """Run the stored query NAME on the knowledge graph (opened read-only).

    IRI parameters take a full IRI, a prefixed name (provml:, prov:, mls:...) or id:KIND/KEY
    for an instance of the graph, e.g. -p model=id:entity/mdl-7f3a.
    """
    from provml_kg.queries import get_query

    stored = get_query(name)
    substitutions = stored.bind(**parse_params(pairs))
    target = open_read_only(Path(store)) if isinstance(store, (str, Path)) else store
    solutions = stored.run_bound(target, substitutions)
    if fmt == "table":
        print_table(stored.title, solutions)
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
