"""JSON Lines spool files: the durable default sink, and the reader that survives crashes.

A :class:`SpoolSink` writes ``<wf>.r<rank>.<part>.spool.jsonl`` in a directory: each batch is
one ``write`` followed by ``flush`` and ``os.fsync``, so a process killed at any moment leaves
every batch it finished readable, at worst followed by one torn line. Files rotate at
``max_bytes``. :func:`read_spool` reads a file or a whole directory and skips torn or
unparseable lines with a :class:`TornLineWarning`, never failing on them.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from provml_kg.errors import InputError, SinkError
from provml_kg.events import validate

SUFFIX = ".spool.jsonl"
_PART_RE = re.compile(r"\.r(\d+)\.(\d{4})\.spool\.jsonl$")


class TornLineWarning(UserWarning):
    """A spool line was cut short by a crash (or is not JSON) and was skipped."""


def default_spool_dir() -> Path:
    """Return ``$PROVML_SPOOL_DIR`` if set, else ``./.provml/spool`` (read at call time)."""
    return Path(os.environ.get("PROVML_SPOOL_DIR") or Path.cwd() / ".provml" / "spool")


def spool_name(wf: str, rank: int, part: int) -> str:
    """Return the file name of part ``part`` of rank ``rank``'s spool of workflow ``wf``."""
    return f"{wf}.r{rank}.{part:04d}{SUFFIX}"


class SpoolSink:
    """Append batches to per-(workflow, rank) JSON Lines files in ``directory``.

    ``fsync=False`` trades durability for speed (a crash may lose what the OS had not written).
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None, *,
                 max_bytes: int = 64 * 2**20, fsync: bool = True) -> None:
        if max_bytes < 1024:
            raise InputError(f"max_bytes={max_bytes!r}; expected at least 1024 bytes")
        self.directory = Path(directory) if directory is not None else None
        self.max_bytes = max_bytes
        self.fsync = fsync
        self._file: BinaryIO | None = None
        self._wf = ""
        self._rank = 0
        self._part = 0
        self._size = 0
        self.paths: list[Path] = []

    def open(self, wf: str, rank: int) -> None:
        """Create the directory and continue the last existing part of this (wf, rank), if any."""
        if self.directory is None:
            self.directory = default_spool_dir()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as bad:
            raise SinkError(f"cannot create spool directory {self.directory}: {bad}") from None
        self._wf, self._rank = wf, rank
        existing = sorted(self.directory.glob(f"{wf}.r{rank}.[0-9][0-9][0-9][0-9]{SUFFIX}"))
        self._part = int(existing[-1].name[-len(SUFFIX) - 4:-len(SUFFIX)]) if existing else 0
        self._open_part()

    def _open_part(self) -> None:
        assert self.directory is not None
        path = self.directory / spool_name(self._wf, self._rank, self._part)
        self._file = open(path, "ab")
        self._size = self._file.tell()
        if self._size and _last_byte(path) != b"\n":
            # a torn line left by a crash: terminate it so the next batch starts on its own line
            self._file.write(b"\n")
            self._size += 1
        self.paths.append(path)

    @property
    def path(self) -> Path | None:
        """The file currently written."""
        return self.paths[-1] if self.paths else None

    def write(self, lines: list[str]) -> None:
        """Append the batch, flush and fsync; rotate to a new part past ``max_bytes``."""
        if self._file is None:
            raise SinkError("SpoolSink.write before open() or after close()")
        if self._size >= self.max_bytes:
            self._file.close()
            self._part += 1
            self._open_part()
        data = ("\n".join(lines) + "\n").encode("utf-8")
        try:
            self._file.write(data)
            self._file.flush()
            if self.fsync:
                os.fsync(self._file.fileno())
        except OSError as bad:
            raise SinkError(f"cannot write spool file {self.path}: {bad}") from None
        self._size += len(data)

    def close(self) -> None:
        """Close the current file."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1)


def spool_files(path: str | os.PathLike[str]) -> list[Path]:
    """Return the spool files at ``path``: the file itself, or a directory's ``*.spool.jsonl``.

    Files are ordered by workflow, rank and part. Raises :class:`InputError` if nothing is there.
    """
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        def key(f: Path) -> tuple[str, int, int]:
            m = _PART_RE.search(f.name)
            return (f.name[: m.start()], int(m[1]), int(m[2])) if m else (f.name, 0, 0)
        return sorted(p.glob(f"*{SUFFIX}"), key=key)
    raise InputError(f"spool path {str(p)!r} does not exist; expected a .spool.jsonl file or "
                     "a directory of them")


def read_spool(path: str | os.PathLike[str], *, check: bool = False) -> Iterator[dict[str, Any]]:
    """Yield the events of a spool file, or of every spool file in a directory, in file order.

    A line that is not a complete JSON object (the torn last line a crash leaves, or a damaged
    one) is skipped with a :class:`TornLineWarning` naming the file and line. With
    ``check=True`` each event is also validated (raising ``EventValidationError``).

    Raises:
        InputError: ``path`` does not exist.
    """
    for file in spool_files(path):
        yield from _read_file(file, check)


def _read_file(file: Path, check: bool) -> Iterator[dict[str, Any]]:
    with open(file, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
                if not isinstance(event, dict):
                    raise ValueError("not an object")
            except ValueError:
                where = "torn last line" if not raw.endswith(b"\n") else "unparseable line"
                warnings.warn(f"{file}:{number}: skipped {where} ({len(raw)} bytes, "
                              f"{raw[:60]!r}...)", TornLineWarning, stacklevel=3)
                continue
            yield validate(event) if check else event
