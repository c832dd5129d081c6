"""RDF input for the local and the remote store alike: read, recognise and check it first.

:func:`read_rdf` turns ``data`` or ``path`` plus an optional format and graph into an
:class:`RdfInput` whose content has been parsed in full, so a bad file is refused (with its line
and column) before anything is written, whichever store it is for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, parse

from provml_kg.errors import InputError
from provml_kg.formats import format_for_path, rdf_format

__all__ = ["RdfInput", "read_rdf", "PREFIXED_FORMATS"]

PREFIXED_FORMATS = frozenset({RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML, RdfFormat.N3})
"""Formats that write ``@prefix`` declarations (the others ignore prefixes)."""

Source = bytes | str | IO[bytes] | IO[str]


@dataclass
class RdfInput:
    """Checked RDF input: its ``content``, ``format``, target graph for triples, where it came
    from (for messages) and its ``count`` of quads."""

    content: bytes | str
    format: RdfFormat
    to_graph: NamedNode | DefaultGraph
    where: str
    count: int
    base_iri: str | None = None

    def quads(self) -> list[Quad]:
        """Return the parsed quads, triples put into :attr:`to_graph`."""
        return [Quad(q.subject, q.predicate, q.object, self.to_graph)
                if isinstance(q.graph_name, DefaultGraph) else q
                for q in parse(self.content, format=self.format, base_iri=self.base_iri)]


def read_rdf(data: Source | None = None, *, path: str | os.PathLike[str] | None = None,
             format: str | RdfFormat | None = None, graph: str | NamedNode | None = None,
             base_iri: str | None = None) -> RdfInput:
    """Read and parse RDF from ``data`` or ``path`` (format from the extension unless given).

    Raises:
        InputError: neither or both of ``data`` and ``path``; the file cannot be read; the data
            does not parse (file, line, column and the parser's reason); ``graph`` is given for a
            format that holds named graphs, or is not an IRI.
        UnknownFormatError: the format is unknown or cannot be told from ``path``.
    """
    if (data is None) == (path is None):
        raise InputError("give exactly one of data and path")
    if path is not None:
        fmt = rdf_format(format) if format is not None else format_for_path(path)
        try:
            content: bytes | str = Path(path).read_bytes()
        except OSError as bad:
            raise InputError(f"cannot read {str(path)!r}: {bad.strerror}") from None
        where = str(path)
    else:
        if format is None:
            raise InputError("give the format of the data (e.g. format='ttl')")
        fmt = rdf_format(format)
        content = data.read() if hasattr(data, "read") else data  # type: ignore[union-attr,assignment]
        where = "data"
    to_graph: NamedNode | DefaultGraph = DefaultGraph()
    if graph is not None:
        if fmt.supports_datasets:
            raise InputError(f"{fmt.name} holds named graphs; a target graph applies to triple "
                             "formats only")
        try:
            to_graph = NamedNode(graph) if isinstance(graph, str) else graph
        except ValueError as bad:
            raise InputError(f"graph {graph!r} is not an absolute IRI: {bad}") from None
    try:
        count = sum(1 for _ in parse(content, format=fmt, base_iri=base_iri))
    except SyntaxError as bad:
        raise InputError(f"{where} is not valid {fmt.name}: {bad.msg}") from None
    return RdfInput(content, fmt, to_graph, where, count, base_iri)
