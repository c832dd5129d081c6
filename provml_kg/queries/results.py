"""Query results as plain Python values and as short human-readable cells.

>>> compact_iri("https://w3id.org/provml#Model")
'provml:Model'
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from pyoxigraph import Literal, NamedNode, QuerySolutions

from provml_kg.graph.iri import DATA_BASE
from provml_kg.vocab import prefixes

__all__ = ["term_to_python", "solutions_to_rows", "compact_iri", "display_term"]


def term_to_python(term: Any) -> Any:
    """Return a plain Python value for an RDF term: IRIs as ``str``; typed literals as
    ``int``, ``float``, ``bool`` or ``datetime``; other literals as their lexical ``str``."""
    if isinstance(term, Literal):
        datatype = term.datatype.value
        lexical = term.value
        try:
            if datatype in _INT_TYPES:
                return int(lexical)
            if datatype in _FLOAT_TYPES:
                return float(lexical)
            if datatype == _XSD + "boolean":
                return lexical in ("true", "1")
            if datatype == _XSD + "dateTime":
                return _dt.datetime.fromisoformat(lexical.replace("Z", "+00:00"))
        except ValueError:
            return lexical
        return lexical
    if isinstance(term, NamedNode):
        return term.value
    return term if term is None else str(term)


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INT_TYPES = frozenset(_XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "unsignedInt", "unsignedLong"))
_FLOAT_TYPES = frozenset(_XSD + t for t in ("double", "float", "decimal"))


def solutions_to_rows(solutions: QuerySolutions, *, python: bool = False) -> list[dict[str, Any]]:
    """Return SELECT results as a list of ``{variable: term}`` dicts (unbound cells left out);
    with ``python=True`` the terms become plain values (:func:`term_to_python`)."""
    names = [v.value for v in solutions.variables]
    rows: list[dict[str, Any]] = []
    for solution in solutions:
        row: dict[str, Any] = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = term_to_python(term) if python else term
        rows.append(row)
    return rows


def compact_iri(iri: str) -> str:
    """Return ``iri`` as a prefixed name when a known prefix fits (``id:`` for instances).

    >>> compact_iri("https://w3id.org/provml#Model")
    'provml:Model'
    >>> compact_iri("https://w3id.org/provml/id/entity/mdl-1")
    'id:entity/mdl-1'
    """
    for prefix, namespace in _display_prefixes():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _display_prefixes() -> list[tuple[str, str]]:
    known = {**prefixes(), "id": DATA_BASE}
    return sorted(known.items(), key=lambda item: -len(item[1]))


def display_term(term: Any) -> str:
    """Return a short human-readable form of a result cell: compact IRIs, literal values,
    ``""`` for an unbound cell."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return compact_iri(term.value)
    if isinstance(term, Literal):
        return term.value
    return str(term)
