"""Instance IRIs and typed literals: the one place where provml-kg mints identifiers.

Every IRI the graph builder writes for an instance is ``DATA_BASE + kind + "/" + key/key/...``.
Keys that are already IRI-safe (event ids: ``A-Z a-z 0-9 _ . : ~ -``) are used as they are;
any other key (free-text names such as ``"train mlp"``) is percent-encoded, ``/`` included, so
different key tuples never give the same IRI::

    >>> mint("execution", "run1", "c0de").value
    'https://w3id.org/provml/id/execution/run1/c0de'
    >>> mint("measure", "F1 score").value
    'https://w3id.org/provml/id/measure/F1%20score'
    >>> workflow_graph("run1").value
    'https://w3id.org/provml/id/graph/run1'
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from provml_kg.errors import InputError
from provml_kg.graph.nquads import (
    XSD_BOOLEAN, XSD_DATETIME, XSD_DOUBLE, XSD_INTEGER, datetime_lexical, string, typed,
)

__all__ = [
    "DATA_BASE", "ONTOLOGY_GRAPH", "mint", "workflow_graph", "execution", "entity",
    "datetime_literal", "scalar_literal", "mint_term", "shared_term", "graph_term",
    "execution_term", "entity_term", "datetime_term", "double_term", "integer_term",
    "scalar_term",
]

DATA_BASE = "https://w3id.org/provml/id/"
"""Every IRI minted for an instance (execution, entity, plan, agent, named graph) starts with it."""

ONTOLOGY_GRAPH = NamedNode("https://w3id.org/provml")
"""The named graph in which a store keeps the PROV-ML ontology (its ontology IRI)."""

_SAFE_KEY = re.compile(r"[A-Za-z0-9_.:~-]+")
_SAFE_KIND = re.compile(r"[a-z][a-z0-9-]*")

_NONFINITE = {"NaN": "NaN", "INF": "INF", "-INF": "-INF", "nan": "NaN", "inf": "INF",
              "-inf": "-INF"}


def _key(key: str) -> str:
    if _SAFE_KEY.fullmatch(key):
        # "." and ".." are path segments that IRI normalisation would remove
        return key if key.strip(".") else key.replace(".", "%2E")
    return quote(key, safe="")


def _minted(kind: str, keys: tuple[str, ...]) -> str:
    if not _SAFE_KIND.fullmatch(kind):
        raise InputError(f"IRI kind {kind!r}: expected a lower-case word such as 'execution'")
    try:
        return DATA_BASE + "/".join([kind, *map(_key, keys)])
    except TypeError:
        raise InputError(f"IRI keys {keys!r}: expected strings") from None


def mint(kind: str, *keys: str) -> NamedNode:
    """Return the IRI of an instance of ``kind`` identified by the stable ``keys``.

    The same arguments always give the same IRI; different arguments never do. ``kind`` is a
    lower-case word (``execution``, ``entity``, ``measure``...); keys may be any strings.

    Raises:
        InputError: ``kind`` is not a lower-case word or a key is not a string.
    """
    return NamedNode(_minted(kind, keys))


def mint_term(kind: str, *keys: str) -> str:
    """:func:`mint` as N-Quads text (``<iri>``), for the mapping.

    Raises:
        InputError: as :func:`mint`.
    """
    return f"<{_minted(kind, keys)}>"


# Named graphs, executions and shared nodes (measures, plans) recur in every event of a run:
# memoising these pure functions saves minting the same IRI thousands of times.
@lru_cache(maxsize=4096)
def shared_term(kind: str, *keys: str) -> str:
    """:func:`mint_term`, memoised: for nodes that recur across events (measures, plans, roles)."""
    return mint_term(kind, *keys)


@lru_cache(maxsize=4096)
def graph_term(wf: str) -> str:
    """:func:`workflow_graph` as N-Quads text."""
    return mint_term("graph", wf)


@lru_cache(maxsize=4096)
def execution_term(wf: str, exec_id: str) -> str:
    """:func:`execution` as N-Quads text."""
    if exec_id == wf:
        return mint_term("workflow-execution", wf)
    return mint_term("execution", wf, exec_id)


def entity_term(entity_id: str) -> str:
    """:func:`entity` as N-Quads text."""
    return mint_term("entity", entity_id)


def workflow_graph(wf: str) -> NamedNode:
    """Return the named graph that holds the provenance of workflow execution ``wf``."""
    return NamedNode(graph_term(wf)[1:-1])


def execution(wf: str, exec_id: str) -> NamedNode:
    """Return the IRI of execution ``exec_id`` of workflow execution ``wf``.

    ``exec_id == wf`` means the workflow execution itself (events use it that way).
    """
    return NamedNode(execution_term(wf, exec_id)[1:-1])


def entity(entity_id: str) -> NamedNode:
    """Return the IRI of a data entity, model or domain-data reference.

    Not scoped by workflow: entity ids are content-derived or stable, so every workflow that
    uses the same data meets at the same node.
    """
    return mint("entity", entity_id)


def datetime_literal(t: float) -> Literal:
    """Return ``t`` (seconds since the epoch) as an ``xsd:dateTime`` in UTC, written with ``Z``.

    >>> datetime_literal(1732262400.25).value
    '2024-11-22T08:00:00.25Z'
    """
    return Literal(datetime_lexical(t), datatype=NamedNode(XSD_DATETIME[1:-1]))


def datetime_term(t: float) -> str:
    """:func:`datetime_literal` as N-Quads text."""
    return f'"{datetime_lexical(t)}"^^{XSD_DATETIME}'


def double_term(value: float | int | str) -> str:
    """Return an ``xsd:double``; ``"NaN"``, ``"INF"``, ``"-INF"`` (and float nan/inf) are kept.

    Raises:
        KeyError: ``value`` is a string other than those three.
    """
    if type(value) is str:
        return typed(_NONFINITE[value], XSD_DOUBLE)
    text = repr(float(value))
    return typed(_NONFINITE.get(text, text), XSD_DOUBLE)


def integer_term(value: int) -> str:
    """Return an ``xsd:integer``."""
    return f'"{value}"^^{XSD_INTEGER}'


_TRUE, _FALSE = typed("true", XSD_BOOLEAN), typed("false", XSD_BOOLEAN)


def scalar_term(value: str | int | float | bool) -> str:
    """Return an event scalar with its datatype (boolean, integer, double or string) as text.

    Raises:
        InputError: ``value`` is not a str, int, float or bool (``None`` is left out by callers).
    """
    kind = type(value)
    if kind is str:
        return string(value)  # type: ignore[arg-type]
    if kind is bool:
        return _TRUE if value else _FALSE
    if kind is int:
        return integer_term(value)  # type: ignore[arg-type]
    if kind is float:
        return double_term(value)
    raise InputError(f"value {value!r} ({kind.__name__}): expected str, int, float or bool")


def scalar_literal(value: str | int | float | bool) -> Literal:
    """Return an event scalar with its datatype: boolean, integer, double or string.

    Raises:
        InputError: ``value`` is not a str, int, float or bool (``None`` is left out by callers).
    """
    text = scalar_term(value)
    # one route for both forms: parse the term the mapping writes
    (triple,) = parse(f"<x:s> <x:p> {text} .".encode(), format=RdfFormat.N_TRIPLES)
    return triple.object
