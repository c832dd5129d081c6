"""Parameters of stored queries: their kinds and the conversion of values to RDF terms."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode

from provml_kg.errors import InputError, QueryError
from provml_kg.graph.iri import DATA_BASE
from provml_kg.vocab import XSD, prefixes

__all__ = ["KINDS", "KIND_ALIASES", "Param", "Term"]

Term = NamedNode | Literal

KINDS: tuple[str, ...] = ("iri", "string", "integer", "double", "boolean", "datetime")
"""The parameter kinds a ``# param:`` line may declare (``literal`` is read as ``string``)."""

KIND_ALIASES = {"literal": "string", "str": "string", "int": "integer", "float": "double",
                "decimal": "double", "bool": "boolean", "dateTime": "datetime"}


@dataclass(frozen=True)
class Param:
    """One parameter of a stored query: a variable of the query bound to a term of ``kind``."""

    name: str
    kind: str
    description: str
    optional: bool = False

    def describe(self) -> str:
        """Return ``name (kind, required|optional): description`` for messages and listings."""
        need = "optional" if self.optional else "required"
        return f"{self.name} ({self.kind}, {need}): {self.description}"

    def to_term(self, value: Any, *, query: str = "?") -> Term:
        """Convert a Python value (or a command-line string) into the RDF term to bind.

        IRIs are given in full (``https://...``) or as a prefixed name with a known prefix
        (``provml:TrainingExecution``); pyoxigraph terms pass through unchanged.

        Raises:
            InputError: the value does not fit the kind (the message names both).
        """
        if isinstance(value, (NamedNode, Literal)):
            return value
        where = f"query {query!r}: parameter {self.name!r}"
        if self.kind == "iri":
            return _to_iri(value, where)
        if self.kind == "string":
            if not isinstance(value, str):
                raise InputError(f"{where}: got {value!r}; expected a string")
            return Literal(value)
        if self.kind == "integer":
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise InputError(f"{where}: got {value!r}; expected an integer")
            try:
                return Literal(int(value))
            except ValueError:
                raise InputError(f"{where}: got {value!r}; expected an integer") from None
        if self.kind == "double":
            try:
                if isinstance(value, bool):
                    raise ValueError
                return Literal(float(value))
            except (TypeError, ValueError):
                raise InputError(f"{where}: got {value!r}; expected a number") from None
        if self.kind == "boolean":
            if isinstance(value, bool):
                return Literal(value)
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                return Literal(value.lower() in ("true", "1"))
            raise InputError(f"{where}: got {value!r}; expected true or false")
        if self.kind == "datetime":
            return _to_datetime(value, where)
        raise QueryError(f"{where}: unknown kind {self.kind!r}")  # pragma: no cover


def _to_iri(value: Any, where: str) -> NamedNode:
    if not isinstance(value, str):
        raise InputError(f"{where}: got {value!r}; expected an IRI string")
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, sep, local = text.partition(":")
    known = {**prefixes(), "id": DATA_BASE}
    if sep and prefix in known and not local.startswith("//"):
        text = known[prefix] + local
    try:
        return NamedNode(text)
    except ValueError as bad:
        raise InputError(
            f"{where}: {value!r} is not an absolute IRI ({bad}); give a full IRI such as "
            f"https://w3id.org/provml/... or a prefixed name with one of: {', '.join(known)}"
        ) from None


def _to_datetime(value: Any, where: str) -> Literal:
    if isinstance(value, _dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = _dt.datetime.fromisoformat(value)
        except ValueError:
            raise InputError(f"{where}: got {value!r}; expected an ISO 8601 date-time, "
                             "e.g. 2026-11-22T08:00:00+00:00") from None
    else:
        raise InputError(f"{where}: got {value!r}; expected an ISO 8601 date-time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return Literal(moment.isoformat(), datatype=XSD.dateTime)
