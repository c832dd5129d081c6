"""Opening an Oxigraph store: in memory, on disk for writing (one process), or read-only.

Oxigraph (RocksDB) lets one process open an on-disk store for writing. The writer records who it
is in :data:`WRITER_NAME` inside the store directory, so a second writer is told which process
holds the lock instead of RocksDB's bare "lock hold by current process".
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

from pyoxigraph import Store

from provml_kg.errors import InputError, StoreError, StoreLockedError

__all__ = ["open_store", "write_writer_file", "remove_writer_file", "WRITER_NAME"]

WRITER_NAME = "provml-writer.json"
"""File in the store directory naming the process that opened it for writing."""


def open_store(path: Path | None, *, read_only: bool = False) -> Store:
    """Return a pyoxigraph store: in memory (``path`` None), read-only, or read-write on disk.

    Raises:
        StoreLockedError: another process has the store open for writing.
        InputError: ``read_only`` and no store is at ``path``; ``path`` is a file or a non-empty
            directory that is not a store.
        StoreError: RocksDB refused for another reason.
    """
    if path is None:
        if read_only:
            raise InputError("read_only=True needs the path of an existing on-disk store")
        return Store()
    if read_only:
        if not (path / "CURRENT").is_file():
            raise InputError(
                f"no store at {str(path)!r}: the directory does not exist or holds no Oxigraph "
                "store; create one with `provml ingest` or `provml load`, or pass --store / set "
                "PROVML_STORE to an existing store"
            )
        try:
            return Store.read_only(str(path))
        except OSError as bad:
            raise StoreError(f"cannot open the store {str(path)!r} read-only: {bad}") from None
    if path.exists() and not path.is_dir():
        raise InputError(f"store path {str(path)!r} is a file; expected a directory")
    if path.is_dir() and any(path.iterdir()) and not (path / "CURRENT").exists():
        raise InputError(f"{str(path)!r} is a non-empty directory that holds no Oxigraph store; "
                         "choose another --store path")
    try:
        return Store(str(path))
    except OSError as bad:
        if "lock" in str(bad).lower():
            raise StoreLockedError(_locked_message(path)) from None
        raise StoreError(f"cannot open the store {str(path)!r}: {bad}") from None


def _locked_message(path: Path) -> str:
    holder = "another process"
    try:
        info = json.loads((path / WRITER_NAME).read_text("utf-8"))
        holder = f"process {info['pid']} on {info['host']} ({info['command']}, since {info['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return (f"the store {str(path)!r} is locked for writing by {holder}; an on-disk store admits "
            "one writing process. Stop it, or read a snapshot with KnowledgeGraph(path, "
            "read_only=True) (as `provml export` does), or send the work to the process that owns "
            "the store (e.g. `provml serve`)")


def write_writer_file(path: Path) -> None:
    """Record this process as the store's writer (best effort: it only words an error)."""
    info = {"pid": os.getpid(), "host": socket.gethostname(),
            "command": " ".join(sys.argv)[:200] or "python",
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        (path / WRITER_NAME).write_text(json.dumps(info), "utf-8")
    except OSError:
        pass


def remove_writer_file(path: Path) -> None:
    """Remove the writer record (when the store is closed)."""
    try:
        (path / WRITER_NAME).unlink()
    except OSError:
        pass
