"""``provml spool cat|replay PATH``: inspect capture spool files, deliver them to a server."""

from __future__ import annotations

import json
import os
import warnings
from collections import Counter
from pathlib import Path

import click

from provml_kg.errors import EventValidationError


@click.group()
def spool() -> None:
    """Inspect and replay capture spool files (JSON Lines of provenance events)."""


@spool.command("cat")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--summary", "-s", is_flag=True,
              help="Print counts per workflow, rank and kind instead of the events.")
@click.option("--check", is_flag=True,
              help="Validate every event; exit 1 if any is invalid.")
def cat(path: Path, summary: bool, check: bool) -> None:
    """Print the events of a spool file or directory, one JSON object per line.

    Torn or unparseable lines (left by a crash) are reported on stderr and skipped. Exit
    codes: 0 ok, 1 --check found invalid events, 2 PATH does not exist.
    """
    from provml_kg.capture.spool import TornLineWarning, read_spool, spool_files
    from provml_kg.events import validate

    files = spool_files(path)
    kinds: Counter[tuple[str, int, str]] = Counter()
    invalid = 0
    count = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TornLineWarning)
        for event in read_spool(path):
            count += 1
            if check:
                try:
                    validate(event)
                except EventValidationError as bad:
                    invalid += 1
                    click.echo(f"invalid event {event.get('wf')}/{event.get('r')}/"
                               f"{event.get('seq')}: {bad}", err=True)
            if summary:
                kinds[(str(event.get("wf")), int(event.get("r", 0)), str(event.get("k")))] += 1
            else:
                click.echo(json.dumps(event, ensure_ascii=False))
    torn = [w for w in caught if issubclass(w.category, TornLineWarning)]
    for w in torn:
        click.echo(f"warning: {w.message}", err=True)
    if summary:
        click.echo(f"{len(files)} file(s), {count} event(s), {len(torn)} torn line(s) skipped")
        for (wf, rank, kind), n in sorted(kinds.items()):
            click.echo(f"{wf}  r{rank}  {kind:<16} {n}")
    else:
        click.echo(f"{count} event(s) in {len(files)} file(s); {len(torn)} torn line(s) skipped",
                   err=True)
    if invalid:
        raise click.exceptions.Exit(1)


@spool.command("replay")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--url", required=True, help="The server's event route, e.g. http://127.0.0.1:7878/events.")
@click.option("--token", default=None, help="Bearer token (default: $PROVML_TOKEN).")
@click.option("--keep", is_flag=True, help="Do not rename delivered files to *.replayed.")
def replay_cmd(path: Path, url: str, token: str | None, keep: bool) -> None:
    """POST every event of a spool file or directory to the server (e.g. after an outage).

    Delivered files are renamed *.replayed; events keep their (wf, r, seq) identity, so the
    server recognises anything sent twice.
    """
    from provml_kg.capture.http import replay

    sent = replay(path, url, token=token or os.environ.get("PROVML_TOKEN") or None,
                  mark_done=not keep)
    click.echo(f"replayed {sent} event(s) to {url}")
