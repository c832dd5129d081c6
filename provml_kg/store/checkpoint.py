"""Resumable spool reading: where each spool file was read up to, durably, beside the store.

An ingest reads spool files line by line and remembers, per file, the byte offset just after the
last complete line it turned into quads. Once those quads are durable in the store, the offsets
are written to a small JSON file (atomically: temporary file, ``fsync``, rename). A rerun after a
crash starts each file at its recorded offset; whatever was loaded after the last checkpoint is
loaded again, which changes nothing because the quads are deterministic and RDF is a set.

The checkpoint also lists the workflows whose graphs still need the materialisation rules run
(``dirty``), so a crash between loading and materialising is repaired by the next ingest.

A file whose size shrank below its offset, or whose first bytes changed, was replaced: it is read
again from the start.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provml_kg.capture.spool import TornLineWarning
from provml_kg.errors import InputError, StoreError

__all__ = ["CHECKPOINT_NAME", "Position", "Checkpoint", "read_lines"]

CHECKPOINT_NAME = "provml-ingest.json"
"""The checkpoint's file name inside an on-disk store's directory."""

_HEAD_BYTES = 4096


@dataclass
class Position:
    """How far one spool file has been ingested: byte ``offset``, ``line`` count, a fingerprint
    of its first bytes (``head``) and the workflows its events belong to."""

    offset: int = 0
    line: int = 0
    head: str = ""
    workflows: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"offset": self.offset, "line": self.line, "head": self.head,
                "workflows": sorted(set(self.workflows))}


def _fingerprint(path: Path, upto: int) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read(min(upto, _HEAD_BYTES))).hexdigest()[:32]


class Checkpoint:
    """The ingest checkpoint of one store: spool positions and workflows awaiting materialisation.

    ``Checkpoint(None)`` keeps everything in memory (an in-memory store needs no resume).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.files: dict[str, Position] = {}
        self.dirty: set[str] = set()
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text("utf-8"))
                self.files = {k: Position(**v) for k, v in data.get("files", {}).items()}
                self.dirty = set(data.get("dirty", []))
            except (ValueError, TypeError) as bad:
                raise StoreError(
                    f"the ingest checkpoint {path} is damaged ({bad}); delete it to re-read every "
                    "spool file from the start (harmless: re-ingesting adds nothing twice)"
                ) from None

    @staticmethod
    def key(file: Path) -> str:
        """Return the checkpoint key of a spool file (its resolved absolute path)."""
        return str(file.resolve())

    def start(self, file: Path) -> Position:
        """Return where to resume reading ``file``: its recorded position, or the start if the
        file is new or was replaced since."""
        recorded = self.files.get(self.key(file))
        if recorded is None or recorded.offset == 0:
            return Position()
        size = file.stat().st_size
        if size < recorded.offset or _fingerprint(file, recorded.offset) != recorded.head:
            return Position()
        return Position(recorded.offset, recorded.line, recorded.head, list(recorded.workflows))

    def advance(self, file: Path, position: Position) -> None:
        """Record ``position`` for ``file`` (in memory; :meth:`save` makes it durable)."""
        # the fingerprint covers the first min(offset, 4 KiB) bytes, as start() recomputes it
        position.head = _fingerprint(file, position.offset) if position.offset else ""
        self.files[self.key(file)] = position

    def forget_workflow(self, wf: str) -> None:
        """Drop the positions of every spool file that held events of ``wf`` (after its graph was
        removed, so re-ingesting those files loads it again)."""
        self.files = {k: p for k, p in self.files.items() if wf not in p.workflows}
        self.dirty.discard(wf)

    def save(self) -> None:
        """Write the checkpoint atomically (no-op in memory).

        Raises:
            StoreError: the file cannot be written.
        """
        if self.path is None:
            return
        data = {"version": 1, "files": {k: p.to_json() for k, p in sorted(self.files.items())},
                "dirty": sorted(self.dirty)}
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as bad:
            raise StoreError(f"cannot write the ingest checkpoint {self.path}: {bad}") from None


def read_lines(file: Path, start: Position) -> Iterator[tuple[dict[str, Any] | None, int, int]]:
    """Yield ``(event, end offset, line number)`` for each complete line of a spool file from
    ``start``; ``event`` is ``None`` for a blank or skipped line.

    An unparseable complete line is skipped with a :class:`TornLineWarning`; an unterminated last
    line (a torn write, or a line still being written) is left unread, so its offset is never
    recorded and a later ingest reads it once it is complete.

    Raises:
        InputError: the file cannot be read.
    """
    try:
        f = open(file, "rb")
    except OSError as bad:
        raise InputError(f"cannot read spool file {file}: {bad}") from None
    with f:
        f.seek(start.offset)
        offset, number = start.offset, start.line
        for raw in f:
            if not raw.endswith(b"\n"):
                warnings.warn(f"{file}:{number + 1}: left unterminated last line unread "
                              f"({len(raw)} bytes, {raw[:60]!r}...)", TornLineWarning, stacklevel=2)
                return
            offset += len(raw)
            number += 1
            if not raw.strip():
                yield None, offset, number
                continue
            try:
                event = json.loads(raw)
                if not isinstance(event, dict):
                    raise ValueError("not a JSON object")
            except ValueError:
                warnings.warn(f"{file}:{number}: skipped unparseable line ({len(raw)} bytes, "
                              f"{raw[:60]!r}...)", TornLineWarning, stacklevel=2)
                yield None, offset, number
                continue
            yield event, offset, number
