"""Options shared by the verbs that open the knowledge graph: ``--store`` and the remote-store set.

``--store PATH`` (env ``PROVML_STORE``, default ``provml-store`` in the working directory) names
the on-disk Oxigraph store. ``--remote URL`` (an Oxigraph-style server: ``URL/query``,
``URL/update``, ``URL/store``) or the explicit ``--query-url``/``--update-url``/``--store-url``
send the work to any SPARQL 1.1 store instead; ``--token`` (env ``PROVML_TOKEN``) is sent as a
bearer token. The environment is read when the command runs, never at import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from provml_kg.errors import InputError

if TYPE_CHECKING:
    from provml_kg.remote import RemoteKnowledgeGraph

__all__ = ["DEFAULT_STORE", "store_option", "remote_options", "open_remote"]

DEFAULT_STORE = "provml-store"
"""The default ``--store`` (equal to :data:`provml_kg.store.DEFAULT_STORE_PATH`; a test keeps
them equal, this module avoids importing the store to keep ``--help`` fast)."""

F = TypeVar("F", bound=Callable[..., Any])


def store_option(function: F) -> F:
    """Add ``--store PATH`` (env ``PROVML_STORE``), passed to the command as ``store: Path``."""
    return click.option(
        "--store", "store", type=click.Path(path_type=Path, file_okay=False),
        envvar="PROVML_STORE", show_envvar=True, default=DEFAULT_STORE, show_default=True,
        help="Folder of the on-disk knowledge-graph store.",
    )(function)


def remote_options(function: F) -> F:
    """Add ``--remote``, ``--query-url``, ``--update-url``, ``--store-url`` and ``--token``,
    passed as keyword arguments of the same names; :func:`open_remote` turns them into a store."""
    options = [
        click.option("--token", envvar="PROVML_TOKEN", default=None, show_envvar=True,
                     help="Bearer token sent to the remote store."),
        click.option("--store-url", default=None, metavar="URL",
                     help="Graph Store HTTP Protocol endpoint of a remote store."),
        click.option("--update-url", default=None, metavar="URL",
                     help="SPARQL 1.1 Update endpoint of a remote store."),
        click.option("--query-url", default=None, metavar="URL",
                     help="SPARQL 1.1 Query endpoint of a remote store."),
        click.option("--remote", default=None, metavar="URL",
                     help="Base URL of an Oxigraph-style server (URL/query, URL/update, "
                          "URL/store) to use instead of the local store."),
    ]
    for option in options:
        function = option(function)
    return function


def open_remote(remote: str | None, query_url: str | None, update_url: str | None,
                store_url: str | None, token: str | None, *,
                checkpoint: Path | None = None) -> RemoteKnowledgeGraph | None:
    """Return the remote store the options name, or ``None`` when they name none
    (``checkpoint``: the file that lets a remote spool ingest resume).

    Raises:
        InputError: ``--remote`` is mixed with explicit URLs, or explicit URLs are incomplete.
    """
    explicit = {"--query-url": query_url, "--update-url": update_url, "--store-url": store_url}
    if remote is None and not any(explicit.values()):
        return None
    from provml_kg.remote import RemoteKnowledgeGraph

    auth = token
    if remote is not None:
        if any(explicit.values()):
            raise InputError("give either --remote URL or the explicit --query-url/--update-url/"
                             "--store-url, not both")
        return RemoteKnowledgeGraph.oxigraph(remote, token=auth, checkpoint=checkpoint)
    missing = [name for name, value in explicit.items() if not value]
    if missing:
        raise InputError(f"a remote store needs {', '.join(missing)} as well "
                         "(or --remote URL for an Oxigraph-style server)")
    assert query_url and update_url and store_url
    return RemoteKnowledgeGraph(query_url, update_url, store_url, token=auth, checkpoint=checkpoint)
