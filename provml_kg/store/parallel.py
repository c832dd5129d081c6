"""Map large spool files to N-Quads in worker processes, so the mapping uses every core.

The events -> quads mapping is Python and holds the GIL; on a big spool it is the slowest step.
:func:`parallel_spool_batches` cuts each file into chunks of whole lines (about ``chunk_bytes``),
hands them to a pool of worker processes that parse, validate, map and serialise them as N-Quads,
and yields the results **in file order** as :class:`~provml_kg.store.ingest.Batch` objects whose
checkpoint positions are exact, just as :func:`~provml_kg.store.ingest.spool_batches` does. At most
``2 * workers`` chunks are in flight, so memory stays bounded whatever the spool size.
"""

from __future__ import annotations

import json
import multiprocessing
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from provml_kg.capture.spool import TornLineWarning
from provml_kg.errors import InputError
from provml_kg.store.checkpoint import Position
from provml_kg.graph.derive import Record
from provml_kg.store.ingest import Batch

__all__ = ["parallel_spool_batches", "map_chunk", "ChunkResult"]

DEFAULT_CHUNK_BYTES = 2**20
"""Spool bytes per worker task. Up to ``2 * workers`` mapped chunks wait in memory to be loaded
in file order (a MiB of spool maps to about 13 MB of N-Quads), next to the bulk loader's own
1.8 GB at 10M quads: 4 MiB chunks put a 10M-quad ingest over 2 GB."""


@dataclass
class ChunkResult:
    """What a worker made of one chunk: N-Quads, counts, workflows, skipped-line notes, and for
    a bad event the exception plus how many bytes and lines before it were good."""

    nquads: bytes
    quads: int
    events: int
    workflows: set[str]
    records: list[Record]
    notes: list[str] = field(default_factory=list)
    error: InputError | None = None
    good_bytes: int = 0
    good_lines: int = 0


def map_chunk(where: str, first_line: int, blob: bytes, validate: bool) -> ChunkResult:
    """Parse, validate and map the complete lines in ``blob`` (line numbers from ``first_line``).

    Runs in a worker process; returns the quads as N-Quads bytes.
    """
    from provml_kg.graph import event_nquads
    from provml_kg.store.ingest import _quads_of, pack

    quads: list[str] = []
    records: list[Record] = []
    workflows: set[str] = set()
    notes: list[str] = []
    events = 0
    done_bytes = 0
    lines = blob.split(b"\n")[:-1]
    for number, raw in enumerate(lines):
        line = first_line + number
        try:
            if raw.strip():
                try:
                    event = json.loads(raw)
                    if not isinstance(event, dict):
                        raise ValueError("not a JSON object")
                except ValueError:
                    notes.append(f"{where}:{line}: skipped unparseable line ({len(raw) + 1} bytes, "
                                 f"{raw[:60]!r}...)")
                else:
                    quads.extend(_quads_of(event, event_nquads, validate, f"{where}:{line}",
                                           records))
                    workflows.add(str(event.get("wf")))
                    events += 1
        except InputError as bad:
            return ChunkResult(*pack(quads), events, workflows, records, notes, bad, done_bytes,
                               number)
        done_bytes += len(raw) + 1
    return ChunkResult(*pack(quads), events, workflows, records, notes, None, done_bytes,
                       len(lines))


def _chunks(file: Path, start: Position, chunk_bytes: int) -> Iterator[tuple[int, int, bytes]]:
    """Yield ``(offset, first line number, blob of whole lines)`` from ``start`` to the last
    complete line; warn about an unterminated tail, which is left unread."""
    try:
        handle = open(file, "rb")
    except OSError as bad:
        raise InputError(f"cannot read spool file {file}: {bad}") from None
    with handle:
        handle.seek(start.offset)
        offset, line, carry = start.offset, start.line + 1, b""
        while True:
            block = handle.read(chunk_bytes)
            if not block:
                break
            block = carry + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                carry = block
                continue
            blob, carry = block[:cut], block[cut:]
            yield offset, line, blob
            offset += len(blob)
            line += blob.count(b"\n")
        if carry:
            warnings.warn(f"{file}:{line}: left unterminated last line unread ({len(carry)} bytes, "
                          f"{carry[:60]!r}...)", TornLineWarning, stacklevel=3)


def parallel_spool_batches(files: list[Path], start_of: Callable[[Path], Position], *,
                           workers: int, validate: bool = True,
                           chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                           on_bytes: Callable[[int], None] | None = None) -> Iterator[Batch]:
    """Yield one :class:`Batch` (with ``nquads``) per chunk of the spool files, in order.

    Raises:
        EventValidationError: a line holds an invalid event (everything before it is yielded).
        InputError: a file cannot be read.
    """
    # spawn, not fork: the parent holds RocksDB threads and locks that must not be forked
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[tuple[Path, int, int, Future[ChunkResult]]] = deque()
        seen: dict[Path, set[str]] = {}

        def finish() -> tuple[Batch, InputError | None]:
            file, offset, line, future = pending.popleft()
            result = future.result()
            for note in result.notes:
                warnings.warn(note, TornLineWarning, stacklevel=4)
            seen[file] |= result.workflows
            end = Position(offset + result.good_bytes, line - 1 + result.good_lines, "", sorted(seen[file]))
            if on_bytes is not None:
                on_bytes(result.good_bytes)
            return Batch(result.nquads, result.quads, result.workflows, result.events,
                         [(file, end)], result.records), result.error

        try:
            for file in files:
                start = start_of(file)
                seen[file] = set(start.workflows)
                for offset, line, blob in _chunks(file, start, chunk_bytes):
                    pending.append((file, offset, line, pool.submit(map_chunk, str(file), line, blob, validate)))
                    while len(pending) > 2 * workers:
                        batch, error = finish()
                        yield batch  # a chunk with a bad event still yields its good part first
                        if error is not None:
                            raise error
            while pending:
                batch, error = finish()
                yield batch
                if error is not None:
                    raise error
        finally:
            for *_, future in pending:
                future.cancel()
