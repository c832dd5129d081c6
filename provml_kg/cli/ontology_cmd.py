"""``provml ontology``: check the PROV-ML ontology (or a domain ontology) and write it out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from provml_kg.ontology import OUTPUT_FORMATS, check, serialize_ontology


@click.command()
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", "do_check", is_flag=True, help="Run HermiT and the structural checks; exit 1 on problems.")
@click.option("--no-reasoner", is_flag=True, help="With --check: skip HermiT (no Java needed).")
@click.option("--format", "fmt", type=click.Choice(sorted(OUTPUT_FORMATS)), help="Write the merged ontology (imports included) in this format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write to this file instead of stdout.")
@click.pass_context
def ontology(
    ctx: click.Context,
    file: Path | None,
    do_check: bool,
    no_reasoner: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Check or write out PROV-ML (or FILE, a domain ontology that imports it).

    Imports resolve offline through the catalog-v001.xml beside the file and PROV-ML's own.
    """
    if not do_check and fmt is None:
        raise click.UsageError("say what to do: --check, --format ttl|owl|nt, or both")
    if fmt is not None:
        data = serialize_ontology(fmt, file)
        if output is not None:
            output.write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
    if do_check:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        report = check(file, reasoner=not no_reasoner)
        console = Console(stderr=fmt is not None and output is None)
        counts = ", ".join(f"{n} {label}" for label, n in report.counts.items())
        console.print(f"[bold]{report.ontology}[/bold]")
        console.print(f"imports (resolved offline): {', '.join(report.imports) or 'none'}")
        if counts:
            console.print(f"declares: {counts}")
        if report.consistent is None:
            console.print("reasoner: not run")
        else:
            verdict = "consistent" if report.consistent else "INCONSISTENT"
            console.print(f"reasoner: {report.reasoner}: {verdict} ({report.reasoner_seconds:.1f} s)")
        for note in report.notes:
            console.print(f"note: {note}", style="dim", markup=False, highlight=False)
        if report.problems:
            table = Table(title=f"{len(report.problems)} problem(s)")
            for column in ("check", "term or file", "problem"):
                table.add_column(column)
            for problem in report.problems:
                table.add_row(escape(problem.check), escape(problem.subject), escape(problem.message))
            console.print(table)
            ctx.exit(1)
        console.print("[green]ok[/green]: no problems found")
