"""The :class:`KnowledgeGraph`: the one owner of a pyoxigraph ``Store``."""

from __future__ import annotations

import io
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import unquote

from pyoxigraph import (NamedNode, QueryBoolean, QuerySolutions, QueryTriples,
                        RdfFormat, Store, serialize)

from provml_kg.errors import InputError, QueryError, StoreError
from provml_kg.formats import format_for_path, rdf_format
from provml_kg.graph import ONTOLOGY_GRAPH, event_nquads, run_step, workflow_graph
from provml_kg.graph.derive import Derivation
from provml_kg.store.checkpoint import CHECKPOINT_NAME, Checkpoint, Position
from provml_kg.store.opening import open_store, remove_writer_file, write_writer_file
from provml_kg.store.parallel import DEFAULT_CHUNK_BYTES, parallel_spool_batches
from provml_kg.store.rdfio import PREFIXED_FORMATS, Source, read_rdf
from provml_kg.store.ingest import (DEFAULT_BATCH_QUADS, DEFAULT_LOAD_QUADS, Batch, BatchStream,
                                    IngestReport, account, check_events, with_derived,
                                    event_batches, expand_spool_paths, materialisation_plan,
                                    progress_bar, spool_batches)
from provml_kg.vocab import prefixes

__all__ = ["KnowledgeGraph", "DEFAULT_STORE_PATH", "PARALLEL_BYTES"]

DEFAULT_STORE_PATH = "provml-store"
"""Where the CLI keeps the store when neither ``--store`` nor ``$PROVML_STORE`` says otherwise
(relative to the working directory)."""

PARALLEL_BYTES = 16 * 2**20
"""Spool bytes from which :meth:`KnowledgeGraph.ingest_spool` maps in worker processes by default
(below it, starting the workers costs more than they save)."""


def _graph_prefix() -> str:
    probe = workflow_graph("x").value
    return probe[:-1]


class KnowledgeGraph:
    """A PROV-ML knowledge graph in an Oxigraph store: on disk at ``path``, or in memory.

    One named graph per workflow execution (:func:`provml_kg.graph.workflow_graph`), the
    ontology in :data:`provml_kg.graph.ONTOLOGY_GRAPH`; queries see the union of all graphs.

    Args:
        path: the store directory (created if missing, unless ``read_only``); ``None`` keeps
            the store in memory.
        read_only: open a read-only snapshot of an existing on-disk store (many processes may
            do so; only one may open it for writing).

    Raises:
        StoreLockedError: another process has the store open for writing.
        InputError: ``read_only`` and there is no store at ``path``.
        StoreError: the directory holds no valid store or cannot be accessed.

    >>> kg = KnowledgeGraph()
    >>> report = kg.ingest_events([
    ...     {"v": 1, "k": "workflow_start", "wf": "run1", "t": 1700000000.0, "r": 0, "seq": 0,
    ...      "name": "digits"},
    ...     {"v": 1, "k": "workflow_end", "wf": "run1", "t": 1700000001.0, "r": 0, "seq": 1,
    ...      "status": "finished"}])
    >>> report.events, kg.workflows()
    (2, ['run1'])
    >>> bool(kg.query("ASK { ?run a <http://www.w3.org/ns/prov#Activity> }"))
    True
    >>> b"digits" in kg.export(format="ttl", workflow="run1")
    True
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._lock = threading.RLock()
        # workflows whose derived facts an ingest wrote in full (provml_kg.graph.derive), until
        # the rules next run; not kept on disk: after a reopen the rules run for everything
        self._settled: set[str] = set()
        self._store = open_store(self.path, read_only=read_only)
        self._checkpoint = Checkpoint(self.path / CHECKPOINT_NAME if self.path and not read_only else None)
        if self.path is not None and not read_only:
            write_writer_file(self.path)

    # ------------------------------------------------------------------ closing
    def close(self) -> None:
        """Flush and release the store (and its write lock). The object is unusable afterwards."""
        with self._lock:
            store = getattr(self, "_store", None)
            if store is None:
                return
            if self.path is not None and not self.read_only:
                store.flush()
                remove_writer_file(self.path)
            self._store = None  # type: ignore[assignment]
            del store  # the RocksDB lock is released when the last reference goes

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else "memory"
        return f"<KnowledgeGraph {where}{' read-only' if self.read_only else ''}>"

    @property
    def store(self) -> Store:
        """The underlying :class:`pyoxigraph.Store` (thread-safe; share it, do not close it)."""
        if self._store is None:
            raise StoreError("this KnowledgeGraph is closed")
        return self._store

    def __len__(self) -> int:
        """Return the number of quads in the store (a full count: linear in the store size)."""
        return len(self.store)

    def _writable(self) -> Store:
        if self.read_only:
            raise StoreError(f"the store {str(self.path)!r} is open read-only; open it without "
                             "read_only to write")
        return self.store

    # ------------------------------------------------------------------ ingest
    def ingest_events(self, events: Iterable[Mapping[str, Any]], *, progress: bool | None = False,
                      validate: bool = True, materialise: bool = True,
                      batch_quads: int = DEFAULT_LOAD_QUADS) -> IngestReport:
        """Add the quads of ``events`` and run the materialisation rules on the workflows touched.

        Idempotent: ingesting the same events again adds nothing. ``validate`` checks each event
        against the schema first (turn off only for events already validated).
        ``materialise=False`` defers the rules (the workflows are remembered, on disk too) to the
        next ingest that runs them or to :meth:`materialise`: one pass after many ingests.
        ``batch_quads`` quads at most go into one bulk-load call.

        Returns:
            An :class:`~provml_kg.store.IngestReport`.

        Raises:
            EventValidationError: an event is invalid (events before it are ingested).
            StoreError: the store failed or is read-only.
        """
        with self._lock, progress_bar(None, "ingest events", progress) as advance:
            return self._ingest(event_batches(events, event_nquads,
                                              batch_quads=min(batch_quads, DEFAULT_BATCH_QUADS),
                                              validate=validate, on_event=lambda: advance(1)), 0,
                                materialise, batch_quads, streamed=False)

    def ingest_spool(self, paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                     progress: bool | None = None, validate: bool = True, resume: bool = True,
                     materialise: bool = True, batch_quads: int = DEFAULT_LOAD_QUADS,
                     workers: int | None = 0) -> IngestReport:
        """Ingest spool files (``*.spool.jsonl``; a directory means every spool file in it, so
        per-rank spools of MPI runs are merged by workflow).

        On disk, each file resumes at the byte offset recorded by the last ingest that made its
        quads durable (``resume=False`` re-reads everything, which is harmless but slower). Torn
        or unparseable lines are skipped with a ``TornLineWarning``; an unterminated last line is
        left for a later ingest. ``progress=None`` shows a bar by bytes when stderr is a terminal.

        ``materialise`` as for :meth:`ingest_events`. ``batch_quads`` quads at most are streamed
        into one bulk-load call, after which the checkpoint advances (a crash re-reads at most
        that much). ``workers`` processes map events to quads
        in parallel (:mod:`provml_kg.store.parallel`): ``0`` (the default) maps in this process,
        ``None`` uses one per core when there are at least :data:`PARALLEL_BYTES` to read (what
        ``provml ingest`` does). Worker processes are spawned, so a script that asks for them
        must guard its entry point with ``if __name__ == "__main__":``.

        Raises:
            InputError: a path does not exist or holds no spool file.
            EventValidationError: a line holds an invalid event; the message names file and line
                (everything before it is ingested and checkpointed).
            StoreError: the store failed or is read-only.
        """
        files = expand_spool_paths(_as_paths(paths))
        starts = {f: self._checkpoint.start(f) if resume else Position() for f in files}
        total = sum(f.stat().st_size - starts[f].offset for f in files)
        read = 0

        def advance_bytes(n: int) -> None:
            nonlocal read
            read += n
            advance(n)

        if workers is None:
            workers = min(os.cpu_count() or 1, 8) if total >= PARALLEL_BYTES else 0
        with self._lock, progress_bar(total, "ingest spool", progress) as advance:
            if workers > 0:
                batches = parallel_spool_batches(files, starts.__getitem__, workers=workers,
                                                 validate=validate, on_bytes=advance_bytes,
                                                 # a spool holds about 16 bytes per quad
                                                 chunk_bytes=min(DEFAULT_CHUNK_BYTES,
                                                                 max(2**16, batch_quads * 16)))
            else:
                batches = spool_batches(files, event_nquads, starts.__getitem__,
                                        batch_quads=min(batch_quads, DEFAULT_BATCH_QUADS),
                                        validate=validate, on_bytes=advance_bytes)
            report = self._ingest(batches, len(files), materialise, batch_quads,
                                  streamed=workers > 0)
        report.bytes = read
        return report

    def _ingest(self, batches: Iterator[Batch], files: int, materialise: bool,
                load_quads: int, streamed: bool) -> IngestReport:
        """Load ``batches`` (with what they derive), checkpointing as loads become durable.

        ``streamed`` (worker processes map): one bulk-load call reads up to ``load_quads``
        quads as the workers deliver them, so the loader parses and sorts while they map.
        Otherwise (this thread maps) each batch is handed over as bytes to a load in a
        background thread while the next one is mapped: a Python reader would make the loader
        wait for the GIL the mapping holds (40x slower, measured).
        """
        self._writable()
        report = IngestReport(files=files)
        touched: set[str] = set()
        started = time.perf_counter()
        derivation = Derivation(self._is_new)
        derived = with_derived(batches, derivation)
        try:
            if streamed:
                self._load_streamed(derived, load_quads, report, touched)
            else:
                self._load_batches(derived, report, touched)
        finally:
            # what this ingest settled; a workflow it touched without settling needs the rules
            self._settled = (self._settled - touched) | (derivation.settled() & touched)
            if materialise:
                self.materialise()
        report.workflows = sorted(touched)
        report.seconds = time.perf_counter() - started
        return report

    def _load_streamed(self, batches: Iterator[Batch], load_quads: int, report: IngestReport,
                       touched: set[str]) -> None:
        while True:
            stream = BatchStream(batches, load_quads)
            self._bulk_load(io.BufferedReader(stream, 2**20))
            self._record(stream.taken, report, touched)
            error, stream.error = stream.error, None
            if error is not None:
                try:
                    raise error
                finally:
                    del error  # no cycle through this frame keeps the store (and its lock) alive
            if stream.exhausted:
                return

    def _load_batches(self, batches: Iterator[Batch], report: IngestReport,
                      touched: set[str]) -> None:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="provml-bulk-load") as pool:
            pending: tuple[Future[None], Batch] | None = None
            try:
                for batch in batches:
                    data, batch.nquads = batch.nquads, b""
                    if pending is not None:
                        previous, pending = pending, None
                        previous[0].result()
                        self._record([previous[1]], report, touched)
                    pending = (pool.submit(self._bulk_load, data), batch)
            finally:
                if pending is not None:
                    pending[0].result()
                    self._record([pending[1]], report, touched)

    def _bulk_load(self, data: bytes | IO[bytes]) -> None:
        try:
            self.store.bulk_load(data, format=RdfFormat.N_QUADS)
            if self.path is not None:
                self.store.flush()
        except OSError as bad:
            raise StoreError(f"bulk load into {self!r} failed: {bad}") from None

    def _record(self, batches: list[Batch], report: IngestReport, touched: set[str]) -> None:
        """Count durable ``batches`` and advance the checkpoint past them."""
        for batch in batches:
            account(batch, report, touched, self._checkpoint)
        self._checkpoint.save()

    def materialise(self) -> list[str]:
        """Run the materialisation rules on every workflow ingested since they last ran
        (after ``materialise=False`` ingests, or an ingest that crashed); return those workflows.

        Raises:
            StoreError: the store is read-only.
        """
        with self._lock:
            return self._materialise()

    def _materialise(self) -> list[str]:
        dirty = sorted(self._checkpoint.dirty)
        if not dirty:
            return []
        store = self._writable()
        for step in materialisation_plan(dirty, self._settled):
            run_step(store, step)
        if self.path is not None:
            store.flush()
        self._checkpoint.dirty.clear()
        self._checkpoint.save()
        self._settled.clear()
        return dirty

    def _is_new(self, wf: str) -> bool:
        """Whether the store holds nothing of workflow ``wf`` (yet)."""
        quads = self.store.quads_for_pattern(None, None, None, workflow_graph(wf))
        return next(iter(quads), None) is None

    # ------------------------------------------------------------------ workflows
    def workflows(self) -> list[str]:
        """Return the ids of the workflow executions in the store, sorted."""
        prefix = _graph_prefix()
        return sorted(unquote(g.value[len(prefix):]) for g in self.store.named_graphs()
                      if isinstance(g, NamedNode) and g.value.startswith(prefix))

    def _known_graph(self, wf: str) -> NamedNode:
        graph = workflow_graph(wf)
        if not self.store.contains_named_graph(graph):
            known = self.workflows()
            shown = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "") or "none"
            raise InputError(f"no workflow {wf!r} in the store; known workflows: {shown}")
        return graph

    def remove_workflow(self, wf: str) -> None:
        """Remove the named graph of workflow execution ``wf`` (and forget which spool files fed
        it, so ingesting them again restores it).

        Raises:
            InputError: the store holds no such workflow.
        """
        with self._lock:
            graph = self._known_graph(wf)
            self._writable().remove_graph(graph)
            self._checkpoint.forget_workflow(wf)
            self._checkpoint.save()

    def replace_workflow(self, wf: str, events: Iterable[Mapping[str, Any]], *,
                         validate: bool = True) -> IngestReport:
        """Replace the graph of workflow ``wf`` by the quads of ``events`` (all of workflow ``wf``).

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
        with self._lock:
            store = self._writable()
            store.remove_graph(workflow_graph(wf))
            return self.ingest_events(batch, validate=False)

    def load_ontology(self) -> None:
        """Put PROV-ML and its imports into :data:`~provml_kg.graph.ONTOLOGY_GRAPH`, replacing
        what an earlier call put there (so it is idempotent and picks up a newer ontology).

        Raises:
            OntologyError: the ontology files cannot be read.
        """
        from provml_kg.ontology import load_ontology

        with self._lock:
            scratch = load_ontology(Store(), graph=ONTOLOGY_GRAPH)
            store = self._writable()
            store.remove_graph(ONTOLOGY_GRAPH)
            store.extend(scratch)

    # ------------------------------------------------------------------ RDF in and out
    def load(self, data: Source | None = None, *, path: str | os.PathLike[str] | None = None,
             format: str | RdfFormat | None = None, graph: str | NamedNode | None = None,
             base_iri: str | None = None) -> int:
        """Load RDF (bytes, str, a binary file object, or ``path``) in any format pyoxigraph reads.

        The data is parsed in full before anything is written, so a bad file changes nothing.
        Triples go to ``graph`` (default: the default graph); datasets keep their graphs.

        Returns:
            The number of quads parsed (already present ones included).

        Raises:
            InputError: see :func:`~provml_kg.store.rdfio.read_rdf` (a bad file names its line).
            UnknownFormatError: ``format`` is unknown or cannot be told from ``path``.
        """
        rdf = read_rdf(data, path=path, format=format, graph=graph, base_iri=base_iri)
        with self._lock:
            store = self._writable()
            try:
                store.bulk_load(rdf.content, format=rdf.format, base_iri=base_iri, to_graph=rdf.to_graph)
                if self.path is not None:
                    store.flush()
            except OSError as bad:
                raise StoreError(f"loading {rdf.where} into {self!r} failed: {bad}") from None
        return rdf.count

    def export(self, *, format: str | RdfFormat = "trig", workflow: str | None = None) -> bytes:
        """Return the store, or one workflow's graph, serialised.

        Dataset formats (TriG, N-Quads, JSON-LD) keep the graphs; triple formats (Turtle,
        N-Triples, RDF/XML, N3) get the workflow's triples, or for the whole store the union of
        all graphs.

        Raises:
            UnknownFormatError: ``format`` is unknown.
            InputError: no such workflow.
        """
        data = self._serialize(None, rdf_format(format), workflow)
        assert data is not None
        return data

    def dump(self, path: str | os.PathLike[str], *, format: str | RdfFormat | None = None,
             workflow: str | None = None) -> Path:
        """Write :meth:`export` to ``path`` (format from its extension unless given); return it."""
        fmt = rdf_format(format) if format is not None else format_for_path(path)
        target = Path(path)
        try:
            with open(target, "wb") as out:
                self._serialize(out, fmt, workflow)
        except OSError as bad:
            raise InputError(f"cannot write {str(target)!r}: {bad.strerror}") from None
        return target

    def _serialize(self, output: IO[bytes] | None, fmt: RdfFormat, workflow: str | None) -> bytes | None:
        store = self.store
        names = prefixes() if fmt in PREFIXED_FORMATS else None
        if workflow is not None:
            graph = self._known_graph(workflow)
            if fmt.supports_datasets:
                return serialize(store.quads_for_pattern(None, None, None, graph), output,
                                 format=fmt, prefixes=names)
            return store.dump(output, format=fmt, from_graph=graph, prefixes=names)
        if fmt.supports_datasets:
            return store.dump(output, format=fmt, prefixes=names)
        union = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        return serialize(union, output, format=fmt, prefixes=names)

    # ------------------------------------------------------------------ SPARQL
    def query(self, sparql: str, *, substitutions: Mapping[Any, Any] | None = None,
              use_default_graph_as_union: bool = True, **options: Any) -> QuerySolutions | QueryBoolean | QueryTriples:
        """Run a SPARQL 1.1 query; by default the default graph is the union of all graphs.

        Values are bound with ``substitutions`` ({Variable: term}); never paste them into the
        text. Other keyword options go to :meth:`pyoxigraph.Store.query`.

        Raises:
            QueryError: the query does not parse or cannot be evaluated.
        """
        try:
            return self.store.query(sparql, substitutions=dict(substitutions) if substitutions else None,
                                    use_default_graph_as_union=use_default_graph_as_union, **options)
        except SyntaxError as bad:
            raise QueryError(f"the SPARQL query does not parse: {bad}") from None
        except (OSError, RuntimeError) as bad:
            raise QueryError(f"the SPARQL query failed: {bad}") from None

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 update (transactional).

        Raises:
            QueryError: the update does not parse or fails.
            StoreError: the store is read-only.
        """
        store = self._writable()
        try:
            store.update(sparql)
        except SyntaxError as bad:
            raise QueryError(f"the SPARQL update does not parse: {bad}") from None
        except OSError as bad:
            raise QueryError(f"the SPARQL update failed: {bad}") from None

    def flush(self) -> None:
        """Make every write durable on disk (a no-op in memory)."""
        if self.path is not None and not self.read_only:
            self.store.flush()

    def optimize(self) -> None:
        """Compact the on-disk store for faster reads (worth it after a large ingest)."""
        if self.path is not None and not self.read_only:
            self.store.optimize()


def _as_paths(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[str | Path]:
    if isinstance(paths, (str, os.PathLike)):
        return [Path(paths)]
    return [Path(p) for p in paths]
