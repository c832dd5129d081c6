"""``provml queries [NAME]``: list the stored queries, or show one with its SPARQL."""

from __future__ import annotations

import click


@click.command()
@click.argument("name", required=False)
def queries(name: str | None) -> None:
    """List the stored queries (name, title, parameters), or show query NAME in full."""
    from rich.console import Console
    from rich.syntax import Syntax
    from rich.table import Table

    from provml_kg.queries import get_query, load_queries

    console = Console()
    if name is not None:
        stored = get_query(name)
        console.print(f"[bold]{stored.name}[/bold]: {stored.title}")
        if stored.area:
            console.print(f"area: {stored.area}")
        console.print(stored.description)
        for param in stored.params:
            console.print(f"  -p {param.describe()}")
        console.print(Syntax(stored.text, "sparql", word_wrap=True))
        return
    library = load_queries()
    table = Table(title=f"{len(library)} stored queries (provml query NAME -p KEY=VALUE)",
                  title_justify="left")
    table.add_column("name", no_wrap=True)
    for column in ("area", "title", "parameters"):
        table.add_column(column, overflow="fold")
    for stored in library.values():
        params = ", ".join(p.name + ("?" if p.optional else "") + f" ({p.kind})"
                           for p in stored.params)
        table.add_row(stored.name, stored.area, stored.title, params or "-")
    console.print(table)
