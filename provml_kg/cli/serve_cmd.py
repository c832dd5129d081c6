"""``provml serve``: the SPARQL 1.1 endpoint, Graph Store, event ingestion and web page."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import click

from provml_kg.cli.options import store_option
from provml_kg.errors import InputError

__all__ = ["serve"]


def _check_port(host: str, port: int) -> None:
    """Fail early, with exit code 2, when the address cannot be listened on."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as bad:
        raise InputError(f"cannot listen on {host}:{port}: {bad.strerror or bad}; "
                         "choose another --port or --host") from None


@click.command()
@store_option
@click.option("--memory", is_flag=True, help="Serve an empty in-memory store instead of --store.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (the default admits local clients only).")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(1, 65535),
              help="TCP port.")
@click.option("--allow-update", is_flag=True,
              help="Accept writes (SPARQL Update, Graph Store writes, /events); needs --token.")
@click.option("--token", envvar="PROVML_TOKEN", show_envvar=True, default=None,
              help="Bearer token that writes must carry.")
@click.option("--timeout", "query_timeout", default=30.0, show_default=True,
              type=click.FloatRange(min=0, min_open=True), help="Query time limit in seconds.")
@click.option("--max-results", default=100_000, show_default=True, type=click.IntRange(min=1),
              help="Rows or triples per result before it is truncated.")
@click.option("--cors", is_flag=True,
              help="Allow web pages of other origins (e.g. YASGUI) to call the endpoint.")
@click.option("--load-ontology/--no-load-ontology", default=False, show_default=True,
              help="Put the PROV-ML ontology in its graph before serving.")
def serve(store: Path, memory: bool, host: str, port: int, allow_update: bool, token: str | None,
          query_timeout: float, max_results: int, cors: bool, load_ontology: bool) -> None:
    """Serve the knowledge graph over HTTP: SPARQL 1.1 at /sparql, Graph Store at /store,
    events at /events, stored queries at /queries, and a web page at /."""
    import uvicorn

    from provml_kg.server import create_app
    from provml_kg.store import KnowledgeGraph

    _check_port(host, port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    kg = KnowledgeGraph(None if memory else store)
    try:
        if load_ontology:
            kg.load_ontology()
        app = create_app(kg, allow_update=allow_update, token=token, query_timeout=query_timeout,
                         max_results=max_results, close_store=True, cors=cors)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                server_header=False, timeout_graceful_shutdown=None)
        server = uvicorn.Server(config)
        where = "memory" if memory else str(store)
        mode = "read-write" if allow_update else "read-only"
        click.echo(f"provml serve: {where} ({mode}) at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
        server.run()
    finally:
        kg.close()
