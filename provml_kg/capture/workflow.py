"""The workflow execution: owns the event pipeline, the id all MPI ranks share, the sinks."""

from __future__ import annotations

import atexit
import itertools
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from time import time as _time
from types import TracebackType
from typing import Any

from provml_kg.capture.environment import discover_mpi, environment, share_id, default_persona
from provml_kg.capture.pipeline import Pipeline, WhenFull
from provml_kg.capture.outcome import error_info, status_of
from provml_kg.capture.runs import Execution
from provml_kg.capture.sinks import CallableSink, Sink
from provml_kg.capture.spool import SpoolSink, default_spool_dir, read_spool
from provml_kg.errors import CaptureError, EventValidationError
from provml_kg.events import (SCHEMA_VERSION, Persona, PlannedStep, check_id, validate)

_NAME_MAX = 1024


def make_sinks(sink: Any, spool_dir: str | os.PathLike[str] | None, fsync: bool) -> list[Sink]:
    """Turn the ``sink=`` argument into sinks.

    None: a spool in ``spool_dir``; ``"http(s)://..."``: an :class:`HttpSink` (bearer token
    from ``$PROVML_TOKEN``) that spills to ``<spool_dir>/spill``; another str or path: a spool
    directory; a callable: a :class:`CallableSink`; a :class:`Sink`; or a list of these.
    """
    if sink is None:
        return [SpoolSink(spool_dir, fsync=fsync)]
    if isinstance(sink, (list, tuple)):
        return [s for item in sink for s in make_sinks(item, spool_dir, fsync)]
    if isinstance(sink, str) and sink.startswith(("http://", "https://")):
        from provml_kg.capture.http import HttpSink
        spill = Path(spool_dir) if spool_dir is not None else default_spool_dir()
        return [HttpSink(sink, token=os.environ.get("PROVML_TOKEN") or None,
                         spill=SpoolSink(spill / "spill", fsync=fsync))]
    if isinstance(sink, (str, os.PathLike)):
        return [SpoolSink(sink, fsync=fsync)]
    if all(hasattr(sink, m) for m in ("open", "write", "close")):
        return [sink]
    if callable(sink):
        return [CallableSink(sink)]
    raise CaptureError(f"sink={sink!r}; expected None, a spool directory, an http(s) URL, "
                       "a callable taking list[dict], a Sink, or a list of these")


class Workflow(Execution):
    """One execution of a workflow (on this MPI rank); a context manager.

    >>> import tempfile
    >>> with Workflow("demo", spool_dir=tempfile.mkdtemp(), mpi=False) as wf:
    ...     with wf.training("fit") as tr:
    ...         for ep in tr.epochs(2):
    ...             ep.log_metric("loss", 0.5)

    Under MPI every rank must create the workflow (the id is broadcast from rank 0). Events go
    to ``sink`` (default: a JSON Lines spool in ``spool_dir``, else ``$PROVML_SPOOL_DIR``, else
    ``./.provml/spool``) in batches of ``batch_size`` or every ``flush_interval`` seconds.
    """

    kind = "workflow"

    def __init__(self, name: str, *, id: str | None = None, study: str | None = None,
                 experiment: str | None = None, persona: str | Persona | dict[str, Any] | None = None,
                 spec: Sequence[PlannedStep | dict[str, Any]] | None = None,
                 params: dict[str, Any] | None = None, tags: dict[str, Any] | None = None,
                 sink: Any = None, spool_dir: str | os.PathLike[str] | None = None,
                 mpi: bool | str = "auto", comm: Any = None, device: str | None = None,
                 batch_size: int = 1000, flush_interval: float = 1.0, max_buffer: int = 100_000,
                 when_full: WhenFull = "block", fsync: bool = True) -> None:
        self._names: set[str] = set()
        self._ids: set[str] = set()
        self._check_name(name)
        info = discover_mpi(mpi, comm)
        wf_id = share_id(info, check_id("workflow id", id) if id else uuid.uuid4().hex)
        super().__init__(self, wf_id, None)
        self.name, self.rank, self.size = name, info.rank, info.size
        self.mpi = info
        if isinstance(persona, str):
            persona = {"name": persona}
        elif isinstance(persona, Persona):
            persona = persona.to_dict()
        steps = [s.to_dict() if isinstance(s, PlannedStep) else s for s in spec] if spec else None
        from provml_kg.capture.entities import plain_params
        self._start = {"name": name, "study": study, "experiment": experiment,
                       "persona": persona or default_persona(), "env": environment(info, device),
                       "spec": steps, "params": plain_params(params) if params else None,
                       "tags": plain_params(tags) if tags else None}
        validate(self._event("workflow_start", 0, self._start))  # fail before opening files
        self.sinks = make_sinks(sink, spool_dir, fsync)
        self._pipe = Pipeline(self.sinks, wf=wf_id, rank=self.rank, batch_size=batch_size,
                              flush_interval=flush_interval, max_buffer=max_buffer,
                              when_full=when_full)
        self._put = self._pipe.put
        if id:
            self._pipe.seq = itertools.count(self._resume_seq())
        self.status: str | None = None

    # ------------------------------------------------------------ emission
    def _event(self, kind: str, seq: int, fields: dict[str, Any]) -> dict[str, Any]:
        event = {"v": SCHEMA_VERSION, "k": kind, "wf": self.id, "t": _time(), "r": self.rank,
                 "seq": seq}
        for key, value in fields.items():
            if value is not None:
                event[key] = value
        return event

    def _emit(self, kind: str, fields: dict[str, Any]) -> None:
        """Validate an event in the caller (so a bad value raises where it was logged), buffer it."""
        # a normalised copy the caller cannot mutate; the flusher sets seq in buffer order
        self._put(validate(self._event(kind, 0, fields)))

    def _check_name(self, name: Any) -> None:
        if type(name) is not str or not name or len(name) > _NAME_MAX:
            raise EventValidationError(f"name: got {name!r} ({type(name).__name__}); expected a "
                                       f"non-empty string of at most {_NAME_MAX} characters")
        self._names.add(name)

    def _resume_seq(self) -> int:
        """Continue the sequence of an earlier run of the same workflow id in the same spool."""
        last = -1
        for sink in self.sinks:
            for path in getattr(sink, "paths", []):
                for event in read_spool(Path(path)):
                    if event.get("wf") == self.id and event.get("r") == self.rank:
                        last = max(last, int(event.get("seq", -1)))
        return last + 1

    # ------------------------------------------------------------ lifecycle
    def _start_fields(self) -> tuple[str, dict[str, Any]]:
        return "workflow_start", self._start

    def start(self) -> Workflow:
        """Write ``workflow_start`` (done by ``with``); flush at exit if never ended."""
        super().start()
        atexit.register(self._at_exit)
        return self

    def end(self, exc: BaseException | None = None, *, status: str | None = None) -> None:
        """Write ``workflow_end``, then flush and close the sinks synchronously (idempotent).

        Raises:
            SinkError: some events could not be written.
        """
        if self.status is not None:
            return
        self.status = status or status_of(exc)
        self._end_loop_sections(exc)
        fields: dict[str, Any] = {"status": self.status}
        if exc is not None:
            fields["error"] = error_info(exc)
        self._pipe.put_wait(validate(self._event("workflow_end", 0, fields)))  # the end must get in even when the buffer is full
        atexit.unregister(self._at_exit)
        self._pipe.close()

    def _at_exit(self) -> None:
        # like mlflow.end_run at interpreter exit: a workflow left open counts as finished
        self.end()

    def flush(self) -> None:
        """Write every buffered event now (synchronously)."""
        self._pipe.flush()

    def close(self) -> None:
        """End the workflow as finished if still open, flushing everything."""
        self.end()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._token is not None:
            from provml_kg.capture.context import CURRENT
            try:
                CURRENT.reset(self._token)
            except ValueError:
                pass
            self._token = None
        self.end(exc)

    @property
    def events_written(self) -> int:
        """How many events the flusher has handed to the sinks so far."""
        return self._pipe.written

    @property
    def spool_paths(self) -> list[Path]:
        """The spool files this workflow wrote (its own sinks and an HTTP sink's spill)."""
        paths: list[Path] = []
        for sink in self.sinks:
            paths += getattr(sink, "paths", [])
        return paths
