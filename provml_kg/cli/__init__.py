"""The ``provml`` command line: one group, one module per verb, loaded only when used.

Exit codes (the contract scripts rely on): 0 ok, 1 a check ran and failed, 2 bad usage or
input, 3 internal error. Verbs raise :mod:`provml_kg.errors` exceptions; only :func:`main`
turns them into exit codes, with a one-line message and never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from provml_kg import __version__
from provml_kg.errors import InputError, ProvmlError, UnknownTermError

# verb -> "module:attribute"; importing lazily keeps `provml --help` fast and lets each
# verb's module pull in its heavy dependencies (pyoxigraph, owlready2, starlette) only when run.
COMMANDS: dict[str, str] = {
    "demo": "provml_kg.cli.demo_cmd:demo",
    "export": "provml_kg.cli.export_cmd:export",
    "ingest": "provml_kg.cli.ingest_cmd:ingest",
    "load": "provml_kg.cli.load_cmd:load",
    "ontology": "provml_kg.cli.ontology_cmd:ontology",
    "queries": "provml_kg.cli.queries_cmd:queries",
    "query": "provml_kg.cli.query_cmd:query",
    "serve": "provml_kg.cli.serve_cmd:serve",
    "spool": "provml_kg.cli.spool_cmd:spool",
    "prov": "provml_kg.cli.prov_cmd:prov",
    "validate": "provml_kg.cli.validate_cmd:validate",
}

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use from :data:`COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provml")
def cli() -> None:
    """provml: provenance of the ML lifecycle as a PROV-ML knowledge graph."""


def main(argv: list[str] | None = None) -> int:
    """Run the ``provml`` command line and return its exit code (see the module docstring)."""
    try:
        # without standalone mode click returns ctx.exit()'s code instead of calling sys.exit
        result = cli.main(args=argv, prog_name="provml", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as bad:
        bad.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_USAGE
    except (InputError, UnknownTermError) as bad:
        click.echo(f"error: {bad}", err=True)
        return EXIT_USAGE
    except ProvmlError as failed:
        click.echo(f"error: {failed}", err=True)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
