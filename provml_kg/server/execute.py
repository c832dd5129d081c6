"""Running a SPARQL query under the endpoint's limits and serialising its result.

Every result is produced by pyoxigraph's own serialisers. They write to a :class:`_Sink`, a
file-like object that checks the deadline on every buffer (about 8 KiB) the serialiser hands
it: raising there stops the serialiser, and since pyoxigraph evaluates lazily, stops the
query's evaluation too. Queries that compute everything before their first row (ORDER BY,
GROUP BY) are only stopped when they start writing; the HTTP side answers 503 at the deadline
regardless (see :mod:`provml_kg.server.sparql`).

The result cap: a result is first written straight in the requested format; while its output
is shorter than the cap times the fewest bytes a row takes in that format, it cannot have more
rows than the cap and is sent as is (the common case, no extra work). A longer one is evaluated
again into a line-per-row format (TSV for solutions, N-Triples for graphs) that stops one row
past the cap; the complete rows are converted to the requested format by pyoxigraph (parse +
serialise, both in Rust), and the response says it was truncated.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pyoxigraph import (QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store,
                        Variable, parse, parse_query_results, serialize)

from provml_kg.errors import QueryError
from provml_kg.server.negotiation import graph_format, iri, results_format
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
    """Raised inside the serialiser's writes to end evaluation (a budget is spent)."""


# The fewest bytes a row (or triple) takes in each format: output shorter than
# cap x minimum cannot hold more than cap rows, so it is sent as written.
_MIN_ROW_BYTES: dict[Any, int] = {
    QueryResultsFormat.JSON: 3, QueryResultsFormat.XML: 17, QueryResultsFormat.CSV: 2,
    QueryResultsFormat.TSV: 1, RdfFormat.N_TRIPLES: 17, RdfFormat.N_QUADS: 17,
}


class _Sink:
    """A write-only binary file that collects output, enforces the deadline, and stops once it
    holds more than ``max_lines`` lines or ``max_bytes`` bytes."""

    def __init__(self, deadline: float, *, max_lines: int | None = None,
                 max_bytes: int | None = None) -> None:
        self.deadline = deadline
        self.max_lines, self.max_bytes = max_lines, max_bytes
        self.parts: list[bytes] = []
        self.lines = self.size = 0

    def write(self, data: bytes) -> int:
        if time.monotonic() > self.deadline:
            raise QueryTimeoutError("the query ran past the time limit; narrow it down or add a LIMIT")
        self.parts.append(bytes(data))
        self.size += len(data)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise _Stop
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


def _direct(write: Callable[[_Sink], None], fmt: Any, deadline: float, cap: int | None) -> Result | None:
    """Serialise straight into ``fmt``; ``None`` when the output grew past what ``cap`` rows
    could take (the caller then counts rows on a line format)."""
    budget = None if cap is None else cap * _MIN_ROW_BYTES.get(fmt, 3)
    sink = _Sink(deadline, max_bytes=budget)
    try:
        write(sink)
    except _Stop:
        return None
    return Result(sink.content(), fmt.media_type, None, False)


def _capped_solutions(solutions: QuerySolutions, fmt: QueryResultsFormat, deadline: float,
                      cap: int) -> Result:
    sink = _Sink(deadline, max_lines=cap + 1)  # the TSV header line
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


def _capped_triples(triples: Any, fmt: RdfFormat, deadline: float, cap: int) -> Result:
    sink = _Sink(deadline, max_lines=cap)
    truncated = False
    try:
        serialize(triples, sink, format=RdfFormat.N_TRIPLES)
    except _Stop:
        truncated = True
    nt = sink.content(cap if truncated else None)
    rows = nt.count(b"\n")
    if fmt == RdfFormat.N_TRIPLES:
        return Result(nt, fmt.media_type, rows, truncated)
    names = prefixes() if fmt in _PREFIXED else None
    body = serialize(parse(nt, format=RdfFormat.N_TRIPLES), format=fmt, prefixes=names)
    return Result(body or b"", fmt.media_type, rows, truncated)


def _evaluate(store: Store, sparql: str, substitutions: Mapping[Variable, Any] | None,
              options: Mapping[str, Any]) -> Any:
    try:
        return store.query(sparql, substitutions=dict(substitutions) if substitutions else None, **options)
    except SyntaxError as bad:
        raise QueryError(f"the SPARQL query does not parse: {bad}") from None
    except OSError as bad:
        raise QueryError(f"the SPARQL query failed: {bad}") from None


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
    results = _evaluate(store, sparql, substitutions, options)
    cap = limits.max_results
    try:
        if isinstance(results, QueryBoolean):
            fmt = results_format(accept)
            return Result(results.serialize(format=fmt), fmt.media_type, None, False)
        if isinstance(results, QuerySolutions):
            result_fmt = results_format(accept)
            direct = _direct(lambda sink: results.serialize(sink, format=result_fmt), result_fmt, deadline, cap)
            if direct is not None or cap is None:
                assert direct is not None
                return direct
            # more output than the cap allows for sure: evaluate again, counting rows
            again = _evaluate(store, sparql, substitutions, options)
            return _capped_solutions(again, result_fmt, deadline, cap)
        graph_fmt = graph_format(accept)
        names = prefixes() if graph_fmt in _PREFIXED else None
        direct = _direct(lambda sink: serialize(results, sink, format=graph_fmt, prefixes=names),
                         graph_fmt, deadline, cap)
        if direct is not None or cap is None:
            assert direct is not None
            return direct
        return _capped_triples(_evaluate(store, sparql, substitutions, options), graph_fmt, deadline, cap)
    except (QueryTimeoutError, QueryError):
        raise
    except (OSError, RuntimeError) as bad:
        raise QueryError(f"the SPARQL query failed: {bad}") from None
