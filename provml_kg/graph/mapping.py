"""The pure mapping from one provenance event to its quads (docs/graph.md has the table).

:func:`event_nquads` hands an event dict (as :func:`provml_kg.events.validate` returns it) to
the mapper of its kind (:mod:`.activities`, :mod:`.data`), which returns the event's quads as
N-Quads lines, all in the named graph of the event's workflow execution: the form bulk loads
take, five times cheaper to build than pyoxigraph objects. :func:`event_quads` parses them into
``pyoxigraph.Quad`` objects for callers that want objects. No state, no I/O: the same event
always gives the same quads, so re-ingesting never adds anything.
Facts that need more than one event (workflow times over MPI ranks, derivations, plan
structure) are left to :mod:`provml_kg.graph.materialise`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pyoxigraph import Quad, RdfFormat, parse

from provml_kg import events as _events
from provml_kg.errors import EventValidationError
from provml_kg.graph.activities import (
    execution_end, section_start, stage_start, task_start, workflow_end, workflow_start,
)
from provml_kg.graph.data import data, domain_ref, hyperparameters, metric, model
from provml_kg.graph.iri import graph_term
from provml_kg.graph.nodes import Out

__all__ = ["event_nquads", "event_quads", "events_to_quads"]


_BUILDERS: Mapping[str, Callable[[Mapping[str, Any], str], Out]] = {
    "workflow_start": workflow_start,
    "workflow_end": workflow_end,
    "task_start": task_start,
    "task_end": execution_end,
    "stage_start": stage_start,
    "stage_end": execution_end,
    "section_start": section_start,
    "section_end": execution_end,
    "hyperparameters": hyperparameters,
    "metric": metric,
    "data": data,
    "model": model,
    "domain_ref": domain_ref,
}


def event_nquads(event: Mapping[str, Any]) -> list[str]:
    """Return the quads of one event as N-Quads lines (each ending with a newline), all in the
    named graph of its workflow execution.

    Pure and deterministic: the same event always gives the same lines (no blank nodes; IRIs
    minted from the event's stable keys). ``event`` should be a dict as
    :func:`provml_kg.events.validate` returns it; it is not re-validated on the fast path, but a
    malformed event is validated before any error is reported. A shared node (a measure, a
    plan) is described again by every event that mentions it; the store keeps one copy.

    Raises:
        EventValidationError: the event is malformed (names the field and the bad value).
    """
    try:
        builder = _BUILDERS[event["k"]]
        return builder(event, graph_term(event["wf"]))
    except EventValidationError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as failure:
        _events.validate(event, strict=False)  # raises a precise EventValidationError
        raise EventValidationError(
            f"event {dict(event)!r:.200}: cannot be mapped to RDF ({failure!r})") from failure


def event_quads(event: Mapping[str, Any]) -> list[Quad]:
    """Return the quads of one event (:func:`event_nquads`) as ``pyoxigraph.Quad`` objects.

    Raises:
        EventValidationError: the event is malformed (names the field and the bad value).
    """
    return list(parse("".join(event_nquads(event)).encode(), format=RdfFormat.N_QUADS))


def events_to_quads(events: Iterable[Mapping[str, Any]]) -> Iterator[Quad]:
    """Yield the quads of every event in order (the streaming form of :func:`event_quads`).

    Raises:
        EventValidationError: at the first malformed event.
    """
    for event in events:
        yield from event_quads(event)
