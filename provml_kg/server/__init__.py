"""The SPARQL 1.1 endpoint over the knowledge graph (``provml serve``).

:func:`create_app` builds the Starlette app (the CLI and the tests build the same object).
Modules: :mod:`~provml_kg.server.app` (routes, errors, lifespan), :mod:`~provml_kg.server.sparql`
(SPARQL 1.1 Protocol and service description), :mod:`~provml_kg.server.graph_store` (Graph Store
HTTP Protocol), :mod:`~provml_kg.server.events_route` (event batches),
:mod:`~provml_kg.server.queries_route` (stored queries), :mod:`~provml_kg.server.execute`
(limits and serialisation), :mod:`~provml_kg.server.negotiation` (media types),
:mod:`~provml_kg.server.sparql_text` (dataset clauses), :mod:`~provml_kg.server.state`
(shared state, auth, read/write scheduling), :mod:`~provml_kg.server.forms` (strict decoding).
"""

from __future__ import annotations

from provml_kg.server.app import DEFAULT_MAX_RESULTS, DEFAULT_TIMEOUT, create_app

__all__ = ["create_app", "DEFAULT_TIMEOUT", "DEFAULT_MAX_RESULTS"]
