"""Where batches of events go: the :class:`Sink` protocol and the in-process callable sink.

A sink receives batches of JSON lines (one event each, no newline) from the flusher thread.
:class:`~provml_kg.capture.spool.SpoolSink` appends them to a JSON Lines file,
:class:`~provml_kg.capture.http.HttpSink` POSTs them to the server, and :class:`CallableSink`
hands them, as dicts, to any function, such as ``KnowledgeGraph.ingest_events``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Sink(Protocol):
    """What the flusher needs of a sink. ``write`` raises to make the flusher keep the batch."""

    def open(self, wf: str, rank: int) -> None:
        """Prepare to receive the events of workflow ``wf`` on MPI rank ``rank``."""

    def write(self, lines: list[str]) -> None:
        """Store one batch durably, or raise."""

    def close(self) -> None:
        """Release resources; called once after the last batch."""


class CallableSink:
    """Deliver each batch as ``list[dict]`` to ``fn`` in the flusher thread.

    >>> got = []
    >>> sink = CallableSink(got.extend)
    >>> sink.open("wf1", 0); sink.write(['{"v":1}']); sink.close()
    >>> got
    [{'v': 1}]
    """

    def __init__(self, fn: Callable[[list[dict[str, Any]]], Any]) -> None:
        if not callable(fn):
            raise TypeError(f"CallableSink needs a callable taking list[dict], got {fn!r}")
        self.fn = fn

    def open(self, wf: str, rank: int) -> None:
        """Nothing to prepare."""

    def write(self, lines: list[str]) -> None:
        """Parse the batch back into fresh dicts (the receiver may keep them) and call ``fn``."""
        self.fn([json.loads(line) for line in lines])

    def close(self) -> None:
        """Nothing to release."""
