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
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode

from provml_kg.errors import InputError
from provml_kg.vocab import XSD

__all__ = [
    "DATA_BASE", "ONTOLOGY_GRAPH", "mint", "shared", "workflow_graph", "execution", "entity",
    "datetime_literal", "scalar_literal", "double_literal", "integer_literal", "string_literal",
]

DATA_BASE = "https://w3id.org/provml/id/"
"""Every IRI minted for an instance (execution, entity, plan, agent, named graph) starts with it."""

ONTOLOGY_GRAPH = NamedNode("https://w3id.org/provml")
"""The named graph in which a store keeps the PROV-ML ontology (its ontology IRI)."""

_SAFE_KEY = re.compile(r"[A-Za-z0-9_.:~-]+")
_SAFE_KIND = re.compile(r"[a-z][a-z0-9-]*")

XSD_STRING = XSD["string"]
XSD_INTEGER = XSD["integer"]
XSD_DOUBLE = XSD["double"]
XSD_BOOLEAN = XSD["boolean"]
XSD_DATETIME = XSD["dateTime"]
XSD_ANYURI = XSD["anyURI"]
_TRUE = Literal("true", datatype=XSD_BOOLEAN)
_FALSE = Literal("false", datatype=XSD_BOOLEAN)
_NONFINITE = {"NaN": "NaN", "INF": "INF", "-INF": "-INF", "nan": "NaN", "inf": "INF",
              "-inf": "-INF"}


def _key(key: str) -> str:
    if _SAFE_KEY.fullmatch(key):
        # "." and ".." are path segments that IRI normalisation would remove
        return key if key.strip(".") else key.replace(".", "%2E")
    return quote(key, safe="")


def mint(kind: str, *keys: str) -> NamedNode:
    """Return the IRI of an instance of ``kind`` identified by the stable ``keys``.

    The same arguments always give the same IRI; different arguments never do. ``kind`` is a
    lower-case word (``execution``, ``entity``, ``measure``...); keys may be any strings.

    Raises:
        InputError: ``kind`` is not a lower-case word or a key is not a string.
    """
    if not _SAFE_KIND.fullmatch(kind):
        raise InputError(f"IRI kind {kind!r}: expected a lower-case word such as 'execution'")
    try:
        path = "/".join([kind, *map(_key, keys)])
    except TypeError:
        raise InputError(f"IRI keys {keys!r}: expected strings") from None
    return NamedNode(DATA_BASE + path)


# Named graphs, executions and shared nodes (measures, plans) recur in every event of a run:
# memoising these pure functions saves re-validating the same IRI thousands of times.
@lru_cache(maxsize=4096)
def workflow_graph(wf: str) -> NamedNode:
    """Return the named graph that holds the provenance of workflow execution ``wf``."""
    return mint("graph", wf)


@lru_cache(maxsize=4096)
def execution(wf: str, exec_id: str) -> NamedNode:
    """Return the IRI of execution ``exec_id`` of workflow execution ``wf``.

    ``exec_id == wf`` means the workflow execution itself (events use it that way).
    """
    if exec_id == wf:
        return mint("workflow-execution", wf)
    return mint("execution", wf, exec_id)


@lru_cache(maxsize=4096)
def shared(kind: str, *keys: str) -> NamedNode:
    """:func:`mint`, memoised: for nodes that recur across events (measures, plans, roles)."""
    return mint(kind, *keys)


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
    stamp = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return Literal(stamp.rstrip("0").rstrip(".") + "Z", datatype=XSD_DATETIME)


def double_literal(value: float | int | str) -> Literal:
    """Return an ``xsd:double``; ``"NaN"``, ``"INF"``, ``"-INF"`` (and float nan/inf) are kept."""
    if type(value) is str:
        return Literal(_NONFINITE[value], datatype=XSD_DOUBLE)
    text = repr(float(value))
    return Literal(_NONFINITE.get(text, text), datatype=XSD_DOUBLE)


def integer_literal(value: int) -> Literal:
    """Return an ``xsd:integer``."""
    return Literal(str(value), datatype=XSD_INTEGER)


def string_literal(value: str) -> Literal:
    """Return an ``xsd:string``."""
    return Literal(value)


def scalar_literal(value: str | int | float | bool) -> Literal:
    """Return an event scalar with its datatype: boolean, integer, double or string.

    Raises:
        InputError: ``value`` is not a str, int, float or bool (``None`` is left out by callers).
    """
    kind = type(value)
    if kind is str:
        return Literal(value)
    if kind is bool:
        return _TRUE if value else _FALSE
    if kind is int:
        return Literal(str(value), datatype=XSD_INTEGER)
    if kind is float:
        return double_literal(value)
    raise InputError(f"value {value!r} ({kind.__name__}): expected str, int, float or bool")
