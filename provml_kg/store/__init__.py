"""The knowledge-graph store: captured events in, RDF and SPARQL out.

:class:`KnowledgeGraph` is the one owner of a pyoxigraph ``Store``, on disk (default
``./provml-store``; the CLI reads ``--store`` / ``$PROVML_STORE``) or in memory. It ingests event
streams and spool files through the store's bulk path, idempotently and resumably; loads and
exports every RDF format pyoxigraph handles; and removes or replaces one workflow's graph.
:class:`provml_kg.remote.RemoteKnowledgeGraph` offers the same against any SPARQL 1.1 store.

Modules: :mod:`~provml_kg.store.knowledge_graph` (the class), :mod:`~provml_kg.store.ingest`
(events and spool files to batches of quads, the report, the progress bar),
:mod:`~provml_kg.store.checkpoint` (resumable spool reading).
"""

from __future__ import annotations

from provml_kg.store.ingest import IngestReport
from provml_kg.store.knowledge_graph import DEFAULT_STORE_PATH, KnowledgeGraph

__all__ = ["KnowledgeGraph", "IngestReport", "DEFAULT_STORE_PATH"]
