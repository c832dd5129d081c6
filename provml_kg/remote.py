"""The knowledge graph in any SPARQL 1.1 store, over HTTP: :class:`RemoteKnowledgeGraph`.

For users who outgrow one machine: the same ingest, load, export and query as
:class:`~provml_kg.store.KnowledgeGraph`, spoken through the standard protocols only, so it works
with Oxigraph server, Apache Jena Fuseki, GraphDB, Virtuoso...:

- SPARQL 1.1 Graph Store HTTP Protocol: quads are POSTed per named graph as N-Triples
  (``?graph=IRI``), a workflow's graph is fetched with GET and dropped with DELETE;
- SPARQL 1.1 Update for the materialisation rules and :meth:`~RemoteKnowledgeGraph.update`;
- SPARQL 1.1 Protocol for queries (results parsed by pyoxigraph, so they look like a local store's).

Idempotence carries over: the quads are deterministic and a store keeps one copy of each.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote

import httpx
from pyoxigraph import (DefaultGraph, NamedNode, Quad, QueryBoolean, QueryResultsFormat,
                        QuerySolutions, RdfFormat, Triple, parse, parse_query_results, serialize)

from provml_kg.errors import InputError, RemoteStoreError
from provml_kg.formats import format_for_path, rdf_format
from provml_kg.graph import ONTOLOGY_GRAPH, event_nquads, workflow_graph
from provml_kg.store.checkpoint import Checkpoint
from provml_kg.store.rdfio import PREFIXED_FORMATS, read_rdf
from provml_kg.store.ingest import (DEFAULT_BATCH_QUADS, Batch, IngestReport, account, check_events,
                                    event_batches, expand_spool_paths, materialisation_plan,
                                    progress_bar, spool_batches)
from provml_kg.vocab import prefixes

__all__ = ["RemoteKnowledgeGraph"]

_NT = "application/n-triples"


class RemoteKnowledgeGraph:
    """A PROV-ML knowledge graph held by a remote SPARQL 1.1 store.

    Args:
        query_url: the SPARQL 1.1 Query endpoint.
        update_url: the SPARQL 1.1 Update endpoint.
        store_url: the Graph Store HTTP Protocol endpoint.
        token: a bearer token sent with every request.
        auth: any ``httpx`` authentication (e.g. ``("user", "password")`` for basic auth).
        timeout: seconds to wait for each request.
        checkpoint: a JSON file that records how far each spool file was ingested, so
            :meth:`ingest_spool` resumes after a crash (without it, a rerun re-sends everything,
            which is harmless).

    :meth:`oxigraph` builds one for an Oxigraph server from its base URL.
    """

    def __init__(self, query_url: str, update_url: str, store_url: str, *, token: str | None = None,
                 auth: Any = None, timeout: float = 60.0, checkpoint: str | os.PathLike[str] | None = None) -> None:
        self.query_url, self.update_url, self.store_url = query_url, update_url, store_url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(headers=headers, auth=auth, timeout=timeout)
        self._checkpoint = Checkpoint(Path(checkpoint) if checkpoint is not None else None)

    @classmethod
    def oxigraph(cls, base_url: str, **options: Any) -> RemoteKnowledgeGraph:
        """Return a remote graph for the Oxigraph server at ``base_url`` (``/query``,
        ``/update``, ``/store``); ``options`` as for the constructor."""
        base = base_url.rstrip("/")
        return cls(f"{base}/query", f"{base}/update", f"{base}/store", **options)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def __enter__(self) -> RemoteKnowledgeGraph:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<RemoteKnowledgeGraph {self.query_url}>"

    # ------------------------------------------------------------------ HTTP
    def _request(self, method: str, url: str, *, expect: tuple[int, ...] = (200, 201, 204),
                 **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as bad:
            raise RemoteStoreError(f"{method} {url} failed: {bad}") from None
        if response.status_code not in expect:
            body = response.text.strip().replace("\n", " ")[:300]
            raise RemoteStoreError(f"{method} {url} answered {response.status_code} "
                                   f"{response.reason_phrase}: {body}")
        return response

    @staticmethod
    def _graph_params(graph: NamedNode | DefaultGraph) -> dict[str, str]:
        return {"graph": graph.value} if isinstance(graph, NamedNode) else {"default": ""}

    def _post_quads(self, quads: Iterable[Quad]) -> None:
        by_graph: dict[Any, list[Triple]] = defaultdict(list)
        for quad in quads:
            by_graph[quad.graph_name].append(quad.triple)
        for graph, triples in by_graph.items():
            body = serialize(triples, format=RdfFormat.N_TRIPLES)
            self._request("POST", self.store_url, params=self._graph_params(graph),
                          content=body, headers={"Content-Type": _NT})

    # ------------------------------------------------------------------ ingest
    def ingest_events(self, events: Iterable[Mapping[str, Any]], *, progress: bool | None = False,
                      validate: bool = True, batch_quads: int = DEFAULT_BATCH_QUADS) -> IngestReport:
        """Send the quads of ``events`` (one POST per named graph and batch), then run the
        materialisation rules on the workflows touched. Idempotent.

        Raises:
            EventValidationError: an event is invalid.
            RemoteStoreError: the store refused a request.
        """
        with progress_bar(None, "ingest events", progress) as advance:
            return self._ingest(event_batches(events, event_nquads, batch_quads=batch_quads,
                                              validate=validate, on_event=lambda: advance(1)), 0)

    def ingest_spool(self, paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                     progress: bool | None = None, validate: bool = True,
                     batch_quads: int = DEFAULT_BATCH_QUADS) -> IngestReport:
        """Ingest spool files or directories of them (resuming from the checkpoint file, if one
        was given).

        Raises:
            InputError: a path does not exist or holds no spool file.
            EventValidationError: a line holds an invalid event (file and line in the message).
            RemoteStoreError: the store refused a request.
        """
        items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
        files = expand_spool_paths([Path(p) for p in items])
        starts = {f: self._checkpoint.start(f) for f in files}
        total = sum(f.stat().st_size - starts[f].offset for f in files)
        with progress_bar(total, "ingest spool", progress) as advance:
            return self._ingest(spool_batches(files, event_nquads, starts.__getitem__,
                                              batch_quads=batch_quads, validate=validate,
                                              on_bytes=advance), len(files))

    def _ingest(self, batches: Iterator[Batch], files: int) -> IngestReport:
        report = IngestReport(files=files)
        touched: set[str] = set()
        started = time.perf_counter()
        try:
            for batch in batches:
                self._post_quads(parse(batch.nquads, format=RdfFormat.N_QUADS))
                account(batch, report, touched, self._checkpoint)
                self._checkpoint.save()
        finally:
            for step in materialisation_plan(self._checkpoint.dirty):
                self.update(step.update)
            self._checkpoint.dirty.clear()
            self._checkpoint.save()
        report.workflows = sorted(touched)
        report.seconds = time.perf_counter() - started
        return report

    # ------------------------------------------------------------------ workflows
    def workflows(self) -> list[str]:
        """Return the ids of the workflow executions in the store, sorted."""
        prefix = workflow_graph("x").value[:-1]
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(rows, QuerySolutions)
        return sorted(unquote(row["g"].value[len(prefix):]) for row in rows
                      if isinstance(row["g"], NamedNode) and row["g"].value.startswith(prefix))

    def remove_workflow(self, wf: str) -> None:
        """Drop the named graph of workflow ``wf``.

        Raises:
            InputError: the store holds no such workflow.
            RemoteStoreError: the store refused the request.
        """
        response = self._request("DELETE", self.store_url, expect=(200, 204, 404),
                                 params=self._graph_params(workflow_graph(wf)))
        if response.status_code == 404:
            raise InputError(f"no workflow {wf!r} in the remote store {self.store_url}")
        self._checkpoint.forget_workflow(wf)
        self._checkpoint.save()

    def replace_workflow(self, wf: str, events: Iterable[Mapping[str, Any]], *,
                         validate: bool = True) -> IngestReport:
        """Replace the graph of workflow ``wf`` by the quads of ``events`` (all of ``wf``).

        Raises:
            InputError: an event belongs to another workflow, or is invalid
                (``EventValidationError``); nothing is changed then.
        """
        batch = list(events)
        for number, event in enumerate(batch):
            if event.get("wf") != wf:
                raise InputError(f"event #{number} belongs to workflow {event.get('wf')!r}, "
                                 f"not {wf!r}; replace_workflow takes the events of one workflow")
        if validate:
            batch = check_events(batch)
        self._request("DELETE", self.store_url, expect=(200, 204, 404),
                      params=self._graph_params(workflow_graph(wf)))
        return self.ingest_events(batch, validate=False)

    def load_ontology(self) -> None:
        """PUT PROV-ML and its imports into :data:`~provml_kg.graph.ONTOLOGY_GRAPH` (replacing it)."""
        from provml_kg.ontology import load_ontology

        scratch = load_ontology(graph=ONTOLOGY_GRAPH)
        body = serialize((q.triple for q in scratch), format=RdfFormat.N_TRIPLES)
        self._request("PUT", self.store_url, params=self._graph_params(ONTOLOGY_GRAPH),
                      content=body, headers={"Content-Type": _NT})

    # ------------------------------------------------------------------ RDF in and out
    def load(self, data: bytes | str | None = None, *, path: str | os.PathLike[str] | None = None,
             format: str | RdfFormat | None = None, graph: str | NamedNode | None = None,
             base_iri: str | None = None) -> int:
        """Parse RDF locally (so a bad file changes nothing and errors name line and column),
        then POST it per named graph. Returns the number of quads sent.

        Raises:
            InputError: the data does not parse, or neither/both of ``data`` and ``path``.
            UnknownFormatError: the format is unknown.
            RemoteStoreError: the store refused a request.
        """
        rdf = read_rdf(data, path=path, format=format, graph=graph, base_iri=base_iri)
        quads = rdf.quads()
        self._post_quads(quads)
        return len(quads)

    def export(self, *, format: str | RdfFormat = "trig", workflow: str | None = None) -> bytes:
        """Return one workflow's graph (GET from the Graph Store) or the whole store, serialised
        locally in any format (triple formats get the union of the graphs).

        Raises:
            InputError: no such workflow.
            UnknownFormatError: the format is unknown.
            RemoteStoreError: the store refused a request.
        """
        fmt = rdf_format(format)
        if workflow is not None:
            graphs: list[NamedNode | DefaultGraph] = [workflow_graph(workflow)]
        else:
            rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            graphs = [DefaultGraph()] + sorted((r["g"] for r in rows), key=lambda g: g.value)  # type: ignore[union-attr]
        quads: list[Quad] = []
        for graph in graphs:
            response = self._request("GET", self.store_url, expect=(200, 404),
                                     params=self._graph_params(graph), headers={"Accept": _NT})
            if response.status_code == 404:
                if workflow is not None:
                    raise InputError(f"no workflow {workflow!r} in the remote store {self.store_url}")
                continue
            quads.extend(Quad(t.subject, t.predicate, t.object, graph)
                         for t in parse(response.content, format=RdfFormat.N_TRIPLES))
        names = prefixes() if fmt in PREFIXED_FORMATS else None
        if fmt.supports_datasets:
            data = serialize(quads, format=fmt, prefixes=names)
        else:
            data = serialize(list(dict.fromkeys(q.triple for q in quads)), format=fmt, prefixes=names)
        assert data is not None
        return data

    def dump(self, path: str | os.PathLike[str], *, format: str | RdfFormat | None = None,
             workflow: str | None = None) -> Path:
        """Write :meth:`export` to ``path`` (format from its extension unless given); return it."""
        fmt = rdf_format(format) if format is not None else format_for_path(path)
        target = Path(path)
        target.write_bytes(self.export(format=fmt, workflow=workflow))
        return target

    # ------------------------------------------------------------------ SPARQL
    def query(self, sparql: str, *, substitutions: Mapping[Any, Any] | None = None,
              use_default_graph_as_union: bool = False) -> QuerySolutions | QueryBoolean | list[Triple]:
        """Run a SPARQL 1.1 query; returns pyoxigraph solutions or boolean, or a list of triples
        for CONSTRUCT / DESCRIBE.

        ``substitutions`` ({Variable: term}) are sent as a trailing ``VALUES`` block of
        pyoxigraph-serialised terms (user strings are never pasted into the query). As with a
        local store, the variables must be in the SELECT projection: a trailing ``VALUES``
        joins with the query's solutions.
        ``use_default_graph_as_union`` asks Oxigraph servers (``union-default-graph``) to query
        the union of all graphs; other stores decide by their own configuration.

        Raises:
            RemoteStoreError: the store refused the query (a syntax error included).
        """
        text = sparql
        if substitutions:
            variables = " ".join(str(v) for v in substitutions)
            values = " ".join(str(t) for t in substitutions.values())
            text = f"{sparql}\nVALUES ({variables}) {{ ({values}) }}"
        params = {"union-default-graph": ""} if use_default_graph_as_union else {}
        response = self._request(
            "POST", self.query_url, params=params, data={"query": text},
            headers={"Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if kind == "application/sparql-results+json":
            return parse_query_results(response.content, format=QueryResultsFormat.JSON)
        if kind == _NT:
            return [q.triple for q in parse(response.content, format=RdfFormat.N_TRIPLES)]
        raise RemoteStoreError(f"{self.query_url} answered with {kind!r}; expected SPARQL JSON "
                               "results or N-Triples")

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 update.

        Raises:
            RemoteStoreError: the store refused it.
        """
        self._request("POST", self.update_url, data={"update": sparql})

    def __len__(self) -> int:
        """Return the number of quads in the store (one COUNT query)."""
        rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
        assert isinstance(rows, QuerySolutions)
        return int(next(iter(rows))["n"].value)
