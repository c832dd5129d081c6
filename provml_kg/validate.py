"""SHACL validation of captured provenance graphs against ``ontology/shapes.ttl`` (pySHACL).

The graph builder materialises every superclass as ``rdf:type``, so the shapes run with
``inference="none"`` on the data alone; the ontology is not needed::

    >>> from provml_kg import graph, validate
    >>> report = validate.validate(graph.build_graph([]))
    >>> report.conforms, report.violations
    (True, ())

The data validated is the union of the named graphs of a store (the ontology graph left out),
or of one workflow's graph with ``graph=``. Files (N-Quads, TriG, Turtle, N-Triples...) are read
with :func:`load_files`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, NamedNode, Store

from provml_kg.errors import InputError
from provml_kg.resources import ontology_file

__all__ = ["Violation", "ValidationReport", "validate", "load_files", "load_shapes",
           "to_rdflib"]

_SH = "http://www.w3.org/ns/shacl#"


@dataclass(frozen=True)
class Violation:
    """One SHACL result: the node that failed, the property path, what is wrong and how bad.

    ``severity`` is ``"Violation"``, ``"Warning"`` or ``"Info"``; ``path`` and ``value`` are
    in N-Triples / SPARQL form (``<iri>``, ``"literal"^^<type>``), or ``""`` when absent.
    """

    focus: str
    path: str
    message: str
    severity: str
    shape: str
    value: str = ""


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`: ``conforms`` and the results, sorted by focus node."""

    conforms: bool
    violations: tuple[Violation, ...]
    text: str = ""

    def __len__(self) -> int:
        return len(self.violations)


def load_shapes(path: str | os.PathLike[str] | None = None) -> Any:
    """Return the SHACL shapes (``ontology/shapes.ttl`` by default) as an ``rdflib.Graph``.

    Raises:
        InputError: the file cannot be read or parsed.
    """
    import rdflib

    source = Path(path) if path is not None else ontology_file("shapes.ttl")
    shapes = rdflib.Graph()
    try:
        shapes.parse(source, format="turtle")
    except (OSError, SyntaxError, ValueError) as bad:
        raise InputError(f"cannot read the SHACL shapes {str(source)!r}: {bad}") from None
    return shapes


def load_files(paths: Iterable[str | os.PathLike[str]]) -> Store:
    """Return an in-memory store holding the RDF files (format from each file's extension).

    Raises:
        UnknownFormatError: an extension names no RDF format.
        InputError: a file is missing or does not parse.
    """
    from provml_kg.formats import format_for_path

    store = Store()
    for path in paths:
        fmt = format_for_path(path)
        if not Path(path).is_file():
            raise InputError(f"no such file: {str(path)!r}")
        try:
            store.bulk_load(path=str(path), format=fmt)
        except (SyntaxError, ValueError, OSError) as bad:
            raise InputError(f"cannot parse {str(path)!r} as {fmt.name}: {bad}") from None
    return store


def _graphs(store: Store, graph: NamedNode | None) -> list[NamedNode | DefaultGraph]:
    from provml_kg.graph import ONTOLOGY_GRAPH

    if graph is not None:
        return [graph]
    named = [g for g in store.named_graphs() if g != ONTOLOGY_GRAPH]
    return [DefaultGraph(), *named]


def to_rdflib(store: Store, *, graph: NamedNode | None = None) -> Any:
    """Return the union of ``store``'s graphs (the ontology graph left out), or ``graph`` only,
    as one ``rdflib.Graph`` (through N-Triples, the fastest path between the two libraries)."""
    import rdflib

    lines: list[str] = []
    for g in _graphs(store, graph):
        lines.extend(f"{q.subject} {q.predicate} {q.object} .\n"
                     for q in store.quads_for_pattern(None, None, None, g))
    data = rdflib.Graph()
    if lines:
        data.parse(data="".join(lines), format="nt")
    return data


def _as_store(source: Any) -> Store | None:
    if isinstance(source, Store):
        return source
    inner = getattr(source, "store", None)  # provml_kg.store.KnowledgeGraph
    return inner if isinstance(inner, Store) else None


def validate(source: Any, *, graph: NamedNode | None = None,
             shapes: Any = None) -> ValidationReport:
    """Validate a captured graph with the PROV-ML SHACL shapes and return the report.

    ``source`` is a ``pyoxigraph.Store``, a :class:`provml_kg.store.KnowledgeGraph` or an
    ``rdflib`` graph / dataset. ``graph`` restricts a store to one named graph (e.g.
    ``provml_kg.graph.workflow_graph(wf)``); nodes that graph only references (a model trained in
    another workflow) are then judged on what that graph says. ``shapes`` is an ``rdflib.Graph``
    (default :func:`load_shapes`).

    Raises:
        InputError: ``source`` is none of the above, or ``graph`` is not in the store.
    """
    import pyshacl
    import rdflib

    store = _as_store(source)
    if store is not None:
        if graph is not None and not store.contains_named_graph(graph):
            raise InputError(f"graph {graph} is not in the store")
        data = to_rdflib(store, graph=graph)
    elif isinstance(source, rdflib.Graph):
        data = source
        if isinstance(source, rdflib.ConjunctiveGraph):  # and Dataset: the union of its graphs
            data = rdflib.Graph()
            for s, p, o, _ in source.quads((None, None, None, None)):
                data.add((s, p, o))
    else:
        raise InputError(f"cannot validate a {type(source).__name__}; expected a pyoxigraph "
                         "Store, a KnowledgeGraph or an rdflib Graph")
    conforms, results, text = pyshacl.validate(
        data, shacl_graph=shapes if shapes is not None else load_shapes(), inference="none",
        abort_on_first=False, allow_infos=True, allow_warnings=True)
    return ValidationReport(bool(conforms), _violations(results), str(text))


def _violations(results: Any) -> tuple[Violation, ...]:
    import rdflib

    sh = rdflib.Namespace(_SH)

    def one(node: Any, prop: Any) -> str:
        value = results.value(node, prop)
        if value is None:
            return ""
        if isinstance(value, rdflib.BNode):
            return _path_text(results, value)
        return value.n3()

    out = []
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        severity = results.value(result, sh.resultSeverity)
        message = results.value(result, sh.resultMessage)
        out.append(Violation(
            focus=one(result, sh.focusNode),
            path=one(result, sh.resultPath),
            message=str(message) if message is not None else "",
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            shape=one(result, sh.sourceShape),
            value=one(result, sh.value),
        ))
    return tuple(sorted(out, key=lambda v: (v.focus, v.path, v.message)))


def _path_text(results: Any, node: Any) -> str:
    """A SPARQL property path for a SHACL path node (sequence lists), or a placeholder."""
    import rdflib

    items = list(rdflib.collection.Collection(results, node)) if (
        node, rdflib.RDF.first, None) in results else []
    if items:
        return "/".join(item.n3() for item in items)
    return "[complex path]"
