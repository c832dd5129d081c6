"""Turn event streams and spool files into batches of quads, with a progress bar and a report.

This is the half of ingestion that knows no store: :func:`event_batches` and
:func:`spool_batches` cut events into :class:`Batch` objects of about ``batch_quads`` quads each,
ready for a store's bulk path; a spool batch also carries the checkpoint positions it reaches.
:class:`~provml_kg.store.KnowledgeGraph` and :class:`~provml_kg.remote.RemoteKnowledgeGraph`
write the batches, each its own way.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provml_kg.capture.spool import spool_files
from provml_kg.store.checkpoint import Checkpoint, Position, read_lines
from provml_kg.errors import EventValidationError, InputError
from provml_kg.events import validate as validate_event
from provml_kg.graph import Step, materialisation_steps, workflow_graph
from provml_kg.graph.derive import Derivation, Record, derivation_record

__all__ = ["IngestReport", "Batch", "BatchStream", "pack", "account", "with_derived",
           "event_batches", "check_events", "spool_batches", "expand_spool_paths", "progress_bar",
           "materialisation_plan", "DEFAULT_BATCH_QUADS", "DEFAULT_LOAD_QUADS"]

DEFAULT_BATCH_QUADS = 250_000
"""Quads mapped in memory at a time, and per request to a remote store: large enough to
amortise a request's or a load's fixed cost, small enough to keep memory bounded (about 50 MB
of N-Quads)."""

DEFAULT_LOAD_QUADS = 4_000_000
"""Quads streamed into one local bulk-load call, after which the spool checkpoint advances: a
crash re-reads at most this much (re-ingesting is idempotent); the loader itself sorts and
writes in batches of a million quads, so memory does not grow with it."""

Mapper = Callable[[Mapping[str, Any]], list[str]]
"""Maps one event to its N-Quads lines (:func:`provml_kg.graph.event_nquads`)."""


@dataclass
class IngestReport:
    """What an ingest did: events read, quads sent to the store (a quad repeated within one
    batch is sent once; quads already stored are counted: the store keeps one copy), spool files
    read, bytes read, workflows touched, wall-clock seconds."""

    events: int = 0
    quads: int = 0
    files: int = 0
    bytes: int = 0
    workflows: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def quads_per_second(self) -> float:
        """Quads written per second of wall-clock time (0 for an empty ingest)."""
        return self.quads / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        return (f"{self.events} events -> {self.quads} quads from {self.files} file(s), "
                f"{len(self.workflows)} workflow(s), {self.seconds:.2f} s "
                f"({self.quads_per_second:,.0f} quads/s)")


@dataclass
class Batch:
    """A batch of quads as N-Quads (``nquads``, ``quads`` lines), the workflows its events
    belong to, (for spools) the checkpoint positions reached once it is durable, and the
    events' :func:`~provml_kg.graph.derive.derivation_record` records."""

    nquads: bytes
    quads: int
    workflows: set[str]
    events: int
    positions: list[tuple[Path, Position]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


def account(batch: Batch, report: IngestReport, touched: set[str], checkpoint: Checkpoint) -> None:
    """Count a durable ``batch`` in ``report`` and ``touched``, mark its workflows as still to
    materialise and advance ``checkpoint`` past it (the caller saves the checkpoint)."""
    report.events += batch.events
    report.quads += batch.quads
    touched |= batch.workflows
    checkpoint.dirty |= batch.workflows
    for file, position in batch.positions:
        checkpoint.advance(file, position)


def with_derived(batches: Iterable[Batch], derivation: Derivation) -> Iterator[Batch]:
    """Yield ``batches`` with the lines their records derive (``derivation``) added to each,
    so a batch and what it implies are loaded, and checkpointed, together."""
    for batch in batches:
        lines = derivation.lines(batch.records)
        batch.records = []
        if lines:
            data, count = pack(lines)
            batch.nquads += data
            batch.quads += count
        yield batch


def pack(lines: Iterable[str]) -> tuple[bytes, int]:
    """Return N-Quads ``lines`` as one document, each distinct line once, and its line count.

    Events describe shared nodes (measures, plans, roles) again and again; dropping the repeats
    here (a third of a training run's lines) spares the store parsing and sorting them.
    """
    distinct = dict.fromkeys(lines)
    return "".join(distinct).encode(), len(distinct)


def _quads_of(event: Mapping[str, Any], to_quads: Mapper, validate: bool, where: str,
              records: list[Record]) -> list[str]:
    """Return the event's lines and append its derivation record (if any) to ``records``."""
    try:
        if validate:
            event = validate_event(event, strict=False)
        lines = to_quads(event)
        record = derivation_record(event)
        if record is not None:
            records.append(record)
        return lines
    except EventValidationError as bad:
        raise EventValidationError(f"{where}: {bad}") from None
    except (KeyError, TypeError, ValueError) as bad:
        # a mapping that trusts validated input fails this way on an event that skipped validation
        raise InputError(f"{where}: cannot map event of kind {event.get('k')!r}: {bad!r}") from None


def event_batches(events: Iterable[Mapping[str, Any]], to_quads: Mapper, *,
                  batch_quads: int = DEFAULT_BATCH_QUADS, validate: bool = True,
                  on_event: Callable[[], None] | None = None) -> Iterator[Batch]:
    """Yield batches of the quads of ``events``.

    Raises:
        EventValidationError: an event is invalid (the message names its position in the stream).
    """
    lines: list[str] = []
    records: list[Record] = []
    workflows: set[str] = set()
    count = 0
    for number, event in enumerate(events):
        try:
            lines.extend(_quads_of(event, to_quads, validate, f"event #{number}", records))
        except InputError:
            if count:  # keep what came before the bad event
                yield Batch(*pack(lines), workflows, count, records=records)
            raise
        workflows.add(str(event.get("wf")))
        count += 1
        if on_event is not None:
            on_event()
        if len(lines) >= batch_quads:
            yield Batch(*pack(lines), workflows, count, records=records)
            lines, records, workflows, count = [], [], set(), 0
    if count:
        yield Batch(*pack(lines), workflows, count, records=records)


class BatchStream(io.RawIOBase):
    """A readable byte stream of the N-Quads of ``batches``, for one bulk-load call.

    The stream ends once ``limit`` quads have been handed out (at a batch boundary), when the
    batches run out (``exhausted``), or when they raise (``error`` holds the exception: a bad
    event, after the batch with everything before it). ``taken`` lists the batches whose bytes
    were handed out, so the caller can record them once the load is durable.

    One long bulk load fed this way lets the loader parse and sort while worker processes map;
    a load per batch stops and drains the loader each time (1.2-1.5x slower for 8.9M quads).
    Each read takes the GIL: feed it from a thread that mostly waits, not one that maps.
    """

    def __init__(self, batches: Iterator[Batch], limit: int) -> None:
        super().__init__()
        self._batches = batches
        self._limit = limit
        self._view = memoryview(b"")
        self.taken: list[Batch] = []
        self.quads = 0
        self.exhausted = False
        self.error: Exception | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._view:
            if self.quads >= self._limit or self.exhausted or self.error is not None:
                return 0
            try:
                batch = next(self._batches)
            except StopIteration:
                self.exhausted = True
                return 0
            except Exception as bad:  # handed to the caller after the load: not lost in Rust
                self.error = bad
                return 0
            self.taken.append(batch)
            self.quads += batch.quads
            self._view, batch.nquads = memoryview(batch.nquads), b""
        n = min(len(buffer), len(self._view))
        buffer[:n] = self._view[:n]
        self._view = self._view[n:]
        return n


def check_events(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return the events validated and normalised (all of them, before anything is written).

    Raises:
        EventValidationError: an event is invalid (the message names its position).
    """
    checked = []
    for number, event in enumerate(events):
        try:
            checked.append(validate_event(event, strict=False))
        except EventValidationError as bad:
            raise EventValidationError(f"event #{number}: {bad}") from None
    return checked


def expand_spool_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Return the spool files named by ``paths``: files as given, directories expanded to their
    ``*.spool.jsonl`` files (ordered by workflow, rank, part), duplicates dropped.

    Raises:
        InputError: a path does not exist, or a directory holds no spool file.
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    files: list[Path] = []
    seen: set[Path] = set()
    for item in items:
        found = spool_files(item)
        if not found:
            raise InputError(f"{str(item)!r} holds no *.spool.jsonl file")
        for f in found:
            if f.resolve() not in seen:
                seen.add(f.resolve())
                files.append(f)
    return files


def spool_batches(files: list[Path], to_quads: Mapper, start_of: Callable[[Path], Position], *,
                  batch_quads: int = DEFAULT_BATCH_QUADS, validate: bool = True,
                  on_bytes: Callable[[int], None] | None = None) -> Iterator[Batch]:
    """Yield batches of the quads of spool files, each file read from ``start_of(file)``
    (:meth:`Checkpoint.start <provml_kg.store.checkpoint.Checkpoint.start>` resumes).

    Raises:
        EventValidationError: a line holds an invalid event (the message names file and line).
        InputError: a file cannot be read.
    """
    lines: list[str] = []
    records: list[Record] = []
    workflows: set[str] = set()
    positions: list[tuple[Path, Position]] = []
    count = 0
    for file in files:
        start = start_of(file)
        position = Position(start.offset, start.line, start.head, list(start.workflows))
        file_workflows = set(start.workflows)
        last = start.offset
        for event, offset, line in read_lines(file, start):
            if event is None:  # blank or unparseable (warned): step over it
                position = Position(offset, line, start.head, sorted(file_workflows))
                if on_bytes is not None:
                    on_bytes(offset - last)
                last = offset
                continue
            try:
                lines.extend(_quads_of(event, to_quads, validate, f"{file}:{line}", records))
            except InputError:
                # keep (and checkpoint) what came before the bad line, so a fixed file resumes there
                yield Batch(*pack(lines), workflows, count, positions + [(file, position)], records)
                raise
            wf = str(event.get("wf"))
            workflows.add(wf)
            file_workflows.add(wf)
            count += 1
            position = Position(offset, line, start.head, sorted(file_workflows))
            if on_bytes is not None:
                on_bytes(offset - last)
            last = offset
            if len(lines) >= batch_quads:
                yield Batch(*pack(lines), workflows, count, positions + [(file, position)], records)
                lines, records, workflows, positions, count = [], [], set(), [], 0
        if position.offset != start.offset or not start.offset:
            positions.append((file, position))
    if count or positions:
        yield Batch(*pack(lines), workflows, count, positions, records)


_SCOPED_LIMIT = 16


def materialisation_plan(workflows: Iterable[str], settled: Iterable[str] = ()) -> list[Step]:
    """Return the materialisation steps to run after ingesting events of ``workflows``, in order.

    Each rule runs once per workflow graph when it is scoped to one graph, once in all when it
    joins graphs; past a few workflows a rule runs once over all graphs (cheaper than many
    scoped runs). The rules an ingest derives (``Step.derived``) skip the ``settled``
    workflows (:meth:`provml_kg.graph.derive.Derivation.settled`). Run a step with
    :func:`provml_kg.graph.run_step` on a pyoxigraph store, or send ``step.update`` to a
    SPARQL 1.1 Update endpoint.
    """
    wanted = sorted(set(workflows))
    done = set(settled)
    unsettled = [wf for wf in wanted if wf not in done]
    scoped: dict[str, list[Step]] = {}
    plan: list[Step] = []
    for index, unscoped in enumerate(materialisation_steps(None)):
        targets = unsettled if unscoped.derived else wanted
        if not targets:
            continue
        if len(targets) > _SCOPED_LIMIT:
            plan.append(unscoped)
            continue
        for wf in targets:
            if wf not in scoped:
                scoped[wf] = materialisation_steps(workflow_graph(wf))
        steps = [scoped[wf][index] for wf in targets]
        plan.extend([unscoped] if all(s == unscoped for s in steps) else steps)
    return plan


@contextmanager
def progress_bar(total: int | None, description: str, enabled: bool | None) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)`` for a rich progress bar on stderr (by bytes when ``total`` is given).

    ``enabled=None`` shows it only when stderr is a terminal; ``False`` never.
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress,
                               TextColumn, TimeElapsedColumn, TimeRemainingColumn,
                               TransferSpeedColumn)

    if total is not None:
        columns = [TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                   TransferSpeedColumn(), TimeRemainingColumn()]
    else:
        columns = [TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(description, total=total)
        pending = 0
        stamp = time.monotonic()

        def advance(n: int) -> None:
            nonlocal pending, stamp
            pending += n
            now = time.monotonic()
            if now - stamp > 0.1:  # rich's update is costly; call it ten times a second at most
                bar.advance(task, pending)
                pending, stamp = 0, now

        yield advance
        bar.advance(task, pending)
