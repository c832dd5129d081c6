"""Running a SPARQL query under the endpoint's limits and serialising its result.

Every result is produced by pyoxigraph's own serialisers. They write to a :class:`_Sink`, a
file-like object that checks the deadline on every buffer (about 8 KiB) the serialiser hands
it: raising there stops the serialiser, and since pyoxigraph evaluates lazily, stops the
query's evaluation too. Queries that compute everything before their first row (ORDER BY,
GROUP BY) are only stopped when they start writing; the HTTP side answers 503 at the deadline
regardless (see :mod:`provml_kg.server.sparql`).

The result cap counts rows of a line-per-row format (TSV for solutions, N-Triples for graphs):
evaluation stops one row past the cap, the complete rows are kept and converted to the
requested format by pyoxigraph (parse + serialise, both in Rust), and the response says so.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyoxigraph import (QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store,
                        Variable, parse, parse_query_results, serialize)

from provml_kg.errors import QueryError
from provml_kg.server.negotiation import graph_format, results_format
from provml_kg.vocab import prefixes

__all__ = ["Limits", "Dataset", "Result", "QueryTimeoutError", "run_query"]

_PREFIXED = {RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML, RdfFormat.N3}


class QueryTimeoutError(QueryError):
    """The query ran past the endpoint's time limit."""


@dataclass(frozen=True)
class Limits:
    """The endpoint's limits: ``timeout`` seconds per query, ``max_results`` rows or triples
    per result (``None``: no cap)."""

    timeout: float = 30.0
    max_results: int | None = 100_000


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset of a query: protocol ``default-graph-uri`` / ``named-graph-uri`` values.

    With neither (and no FROM in the query) the default graph is the union of all graphs."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def options(self, query_has_dataset: bool) -> dict[str, Any]:
        """Return the keyword options of :meth:`pyoxigraph.Store.query` for this dataset.

        Raises:
            InputError: a graph IRI is not a valid IRI.
        """
        from provml_kg.server.negotiation import iri

        options: dict[str, Any] = {}
        if self.default_graphs:
            options["default_graph"] = [iri(g, "default-graph-uri") for g in self.default_graphs]
        if self.named_graphs:
            options["named_graphs"] = [iri(g, "named-graph-uri") for g in self.named_graphs]
        if not options and not query_has_dataset:
            options["use_default_graph_as_union"] = True
        if self.named_graphs and not self.default_graphs:
            options["default_graph"] = []  # the protocol: named graphs only, empty default graph
        return options


@dataclass
class Result:
    """A serialised result: ``body``, its ``media_type``, ``rows`` (solutions or triples; ``None``
    for ASK) and whether the cap ``truncated`` it."""

    body: bytes
    media_type: str
    rows: int | None
    truncated: bool


class _Stop(Exception):
    """Raised inside the serialiser's writes to end evaluation (cap reached)."""


class _Sink:
    """A write-only binary file that collects output, counts lines and enforces the limits."""

    def __init__(self, deadline: float, max_lines: int | None) -> None:
        self.deadline = deadline
        self.max_lines = max_lines
        self.parts: list[bytes] = []
        self.lines = 0

    def write(self, data: bytes) -> int:
        if time.monotonic() > self.deadline:
            raise QueryTimeoutError("the query ran past the time limit; narrow it down or add a LIMIT")
        self.parts.append(bytes(data))
        if self.max_lines is not None:
            self.lines += data.count(b"\n")
            if self.lines > self.max_lines:
                raise _Stop
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: output is kept in memory."""

    def content(self, keep_lines: int | None = None) -> bytes:
        data = b"".join(self.parts)
        if keep_lines is None:
            return data
        end = -1
        for _ in range(keep_lines):
            end = data.index(b"\n", end + 1)
        return data[: end + 1]


def _serialize_solutions(solutions: QuerySolutions, fmt: QueryResultsFormat, sink: _Sink,
                         cap: int | None) -> Result:
    if cap is None:
        solutions.serialize(sink, format=fmt)
        return Result(sink.content(), fmt.media_type, None, False)
    sink.max_lines = cap + 1  # the TSV header line
    truncated = False
    try:
        solutions.serialize(sink, format=QueryResultsFormat.TSV)
    except _Stop:
        truncated = True
    tsv = sink.content(cap + 1 if truncated else None)
    rows = tsv.count(b"\n") - 1
    if fmt == QueryResultsFormat.TSV:
        return Result(tsv, fmt.media_type, rows, truncated)
    body = parse_query_results(tsv, format=QueryResultsFormat.TSV).serialize(format=fmt)
    return Result(body, fmt.media_type, rows, truncated)


def _serialize_triples(triples: Any, fmt: RdfFormat, sink: _Sink, cap: int | None) -> Result:
    names = prefixes() if fmt in _PREFIXED else None
    if cap is None:
        serialize(triples, sink, format=fmt, prefixes=names)
        return Result(sink.content(), fmt.media_type, None, False)
    sink.max_lines = cap
    truncated = False
    try:
        serialize(triples, sink, format=RdfFormat.N_TRIPLES)
    except _Stop:
        truncated = True
    nt = sink.content(cap if truncated else None)
    rows = nt.count(b"\n")
    if fmt == RdfFormat.N_TRIPLES:
        return Result(nt, fmt.media_type, rows, truncated)
    body = serialize(parse(nt, format=RdfFormat.N_TRIPLES), format=fmt, prefixes=names)
    return Result(body or b"", fmt.media_type, rows, truncated)


def run_query(store: Store, sparql: str, *, accept: str | None, limits: Limits,
              deadline: float, options: Mapping[str, Any],
              substitutions: Mapping[Variable, Any] | None = None) -> Result:
    """Evaluate ``sparql`` on ``store`` and serialise the result in the format ``accept`` asks for.

    Runs synchronously (call it in a worker thread: pyoxigraph releases the GIL).

    Raises:
        QueryError: the query does not parse or fails (the parser's message is kept).
        QueryTimeoutError: ``deadline`` (a :func:`time.monotonic` value) passed while writing.
        starlette.exceptions.HTTPException: 406 when no acceptable format fits the query form.
    """
    try:
        results = store.query(sparql, substitutions=dict(substitutions) if substitutions else None,
                              **options)
    except SyntaxError as bad:
        raise QueryError(f"the SPARQL query does not parse: {bad}") from None
    except OSError as bad:
        raise QueryError(f"the SPARQL query failed: {bad}") from None
    sink = _Sink(deadline, None)
    try:
        if isinstance(results, QueryBoolean):
            fmt = results_format(accept)
            return Result(results.serialize(format=fmt), fmt.media_type, None, False)
        if isinstance(results, QuerySolutions):
            return _serialize_solutions(results, results_format(accept), sink, limits.max_results)
        return _serialize_triples(results, graph_format(accept), sink, limits.max_results)
    except (QueryTimeoutError, QueryError):
        raise
    except (OSError, RuntimeError) as bad:
        raise QueryError(f"the SPARQL query failed: {bad}") from None

