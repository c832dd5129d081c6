"""Typed provenance event records, their JSON form and their validation. Knows no RDF.

An event is a flat JSON object, one per line in a spool file. Every event carries the common
fields ``v`` (schema version), ``k`` (kind), ``wf`` (workflow execution id, the same on every MPI
rank), ``t`` (UTC seconds since the epoch), ``r`` (MPI rank, 0 without MPI) and ``seq`` (per
``(wf, r)`` sequence number); ``(wf, r, seq)`` is the event's identity. ``docs/events.md`` lists
every kind and field.

Each kind has a record class (:class:`WorkflowStart`, :class:`Metric`, ...) whose fields carry
their own checks, so the classes *are* the schema: :func:`validate` walks them for plain dicts.

>>> m = Metric(wf="run1", t=1700000000.0, seq=3, exec="ep0", name="loss", value=0.25, step=0)
>>> to_json(m)
'{"v":1,"k":"metric","wf":"run1","t":1700000000.0,"r":0,"seq":3,"exec":"ep0","name":"loss","value":0.25,"step":0}'
>>> from_dict(from_json(to_json(m))) == m
True
>>> validate({"v": 1, "k": "metric", "wf": "run1", "t": 1.0, "r": 0, "seq": 0,
...           "exec": "ep0", "name": "loss", "value": "high"})
Traceback (most recent call last):
...
provml_kg.errors.EventValidationError: metric.value: got 'high' (str); expected a number (int or float), or "NaN", "INF", "-INF"
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from provml_kg.events.checks import (ENTITY_TYPES, NONFINITE, ROLES, SCOPES, STAGES, STATUSES,
                                     Scalar, check_id, check_scalar, fail)
from provml_kg.events.records import (KINDS, SCHEMA_VERSION, Data, DataStore, DomainRef,
                                      Entity, Environment, ErrorInfo, Event, Hyperparameters,
                                      Implementation, Metric, Model, Persona, PlannedStep,
                                      SectionEnd, SectionStart, StageEnd, StageStart, TaskEnd,
                                      TaskStart, WorkflowEnd, WorkflowStart, build, validate)

__all__ = [
    "SCHEMA_VERSION", "KINDS", "STATUSES", "STAGES", "SCOPES", "ROLES", "ENTITY_TYPES",
    "Scalar", "Event", "Persona", "Environment", "PlannedStep", "Implementation", "ErrorInfo",
    "Entity", "DataStore", "WorkflowStart", "WorkflowEnd", "TaskStart", "TaskEnd", "StageStart",
    "StageEnd", "SectionStart", "SectionEnd", "Hyperparameters", "Metric", "Data", "Model",
    "DomainRef", "validate", "from_dict", "to_dict", "to_json", "from_json", "dumps",
    "stable_id", "domain_ref_id", "metric_value", "check_id", "check_scalar",
]



def from_dict(event: Mapping[str, Any]) -> Event:
    """Validate an event dict and return its typed record (e.g. a :class:`Metric`).

    Raises:
        EventValidationError: the dict is not a valid event.
    """
    clean = validate(event)
    return build(KINDS[clean["k"]], clean)


def to_dict(event: Event | Mapping[str, Any]) -> dict[str, Any]:
    """Return the validated JSON-ready dict of a record or of an event dict."""
    if isinstance(event, Event):
        return event.to_dict()
    return validate(event)


def dumps(event: Mapping[str, Any]) -> str:
    """Serialise an already validated event dict as one compact JSON line (no newline)."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def to_json(event: Event | Mapping[str, Any]) -> str:
    """Validate and serialise an event (record or dict) as one compact JSON line."""
    return dumps(to_dict(event))


def from_json(line: str | bytes, *, check: bool = True) -> dict[str, Any]:
    """Parse one JSON line into an event dict, validated unless ``check=False``.

    Raises:
        EventValidationError: the line is not JSON or not a valid event.
    """
    try:
        event = json.loads(line)
    except ValueError as bad:
        raise fail("line", line, f"one JSON object ({bad})") from None
    return validate(event) if check else event


def metric_value(event: Mapping[str, Any]) -> float:
    """Return a metric event's ``value`` as a float (``"NaN"``/``"INF"``/``"-INF"`` decoded)."""
    value = event["value"]
    return NONFINITE[value] if type(value) is str else float(value)


def stable_id(prefix: str, *parts: str) -> str:
    """Return a deterministic id ``<prefix>-<32 hex>`` derived from ``parts`` (sha256).

    >>> stable_id("dr", "seismic-fs", "cubes/f3.npy") == stable_id("dr", "seismic-fs", "cubes/f3.npy")
    True
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return check_id("prefix", f"{prefix}-{digest}")


def domain_ref_id(store_id: str, identifier: str) -> str:
    """Return the id of a domain reference: the same store and identifier give the same id."""
    return stable_id("dr", store_id, identifier)
