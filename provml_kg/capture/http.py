"""The HTTP sink: batched POSTs to the server's event route, spilling to a spool when it is down.

Each batch is one ``POST {"events": [...]}`` (``application/json``, optional
``Authorization: Bearer <token>``); the server answers 2xx only once the batch is durable.
Connection errors, timeouts, 408, 429 and 5xx are retried with exponential backoff; when the
retries are spent (or the server refuses the batch with another 4xx) the batch goes to the
spill spool, and for ``cooldown`` seconds later batches go there directly. :func:`replay`
delivers spooled events later. Nothing is dropped: every event is either acknowledged by the
server or in a spool file.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import Any

import httpx

from provml_kg.capture.spool import SpoolSink, read_spool, spool_files
from provml_kg.errors import InputError, SinkError

_RETRYABLE = {408, 425, 429}


class HttpSink:
    """POST batches to ``url`` (e.g. ``http://127.0.0.1:7878/events``); spill to ``spill``.

    Without ``spill`` a batch the server does not take raises :class:`SinkError`, and the
    capture pipeline keeps it for another try.
    """

    def __init__(self, url: str, *, token: str | None = None, spill: SpoolSink | None = None,
                 retries: int = 3, backoff: float = 0.2, timeout: float = 10.0,
                 cooldown: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"HTTP sink url {url!r}; expected http://host:port/events")
        if retries < 0 or backoff < 0:
            raise InputError(f"retries={retries!r}, backoff={backoff!r}; expected values >= 0")
        self.url = url
        self.spill = spill
        self.retries, self.backoff, self.cooldown = retries, backoff, cooldown
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout
        self._client: httpx.Client | None = None
        self._down_until = 0.0
        self._spill_open = False
        self._wf, self._rank = "", 0
        self.delivered = 0
        self.spilled = 0
        self.last_error: str | None = None

    def open(self, wf: str, rank: int) -> None:
        """Create the HTTP client (the spill file is only created when first needed)."""
        self._wf, self._rank = wf, rank
        self._client = httpx.Client(timeout=self._timeout)

    def write(self, lines: list[str]) -> None:
        """POST the batch, retrying; spill it when the server cannot take it."""
        if time.monotonic() >= self._down_until:
            error = post_batch(self._client_or_fail(), self.url, lines, self._headers,
                               retries=self.retries, backoff=self.backoff)
            if error is None:
                self.delivered += len(lines)
                return
            self.last_error = error
            self._down_until = time.monotonic() + self.cooldown
        if self.spill is None:
            raise SinkError(f"POST {self.url} failed: {self.last_error}")
        if not self._spill_open:
            self.spill.open(self._wf, self._rank)
            self._spill_open = True
            warnings.warn(f"event server {self.url} unavailable ({self.last_error}); spilling to "
                          f"{self.spill.path}; deliver later with `provml spool replay`",
                          RuntimeWarning, stacklevel=2)
        self.spill.write(lines)
        self.spilled += len(lines)

    def _client_or_fail(self) -> httpx.Client:
        if self._client is None:
            raise SinkError("HttpSink.write before open()")
        return self._client

    @property
    def paths(self) -> list[Path]:
        """Spill files written so far."""
        return list(self.spill.paths) if self.spill is not None else []

    def close(self) -> None:
        """Close the client and the spill file."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._spill_open and self.spill is not None:
            self.spill.close()


def post_batch(client: httpx.Client, url: str, lines: list[str], headers: dict[str, str], *,
               retries: int, backoff: float) -> str | None:
    """POST one batch of JSON lines; return None when the server took it, else why not."""
    body = ("{\"events\":[" + ",".join(lines) + "]}").encode("utf-8")
    error = "not tried"
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as bad:
            error = f"{type(bad).__name__}: {bad}"
            continue
        if 200 <= response.status_code < 300:
            return None
        error = f"HTTP {response.status_code}: {response.text[:200]}"
        if response.status_code < 500 and response.status_code not in _RETRYABLE:
            return error  # the server refuses this batch; retrying would not help
    return error


def replay(path: str | os.PathLike[str], url: str, *, token: str | None = None,
           batch_size: int = 1000, retries: int = 3, backoff: float = 0.2,
           timeout: float = 30.0, mark_done: bool = True) -> int:
    """POST every event of a spool file or directory to ``url``; return how many were delivered.

    Each file is sent in batches; once all of a file's batches are acknowledged it is renamed
    ``*.replayed`` (unless ``mark_done=False``), so replaying again sends only what is left.
    Events keep their ``(wf, r, seq)`` identity, so a batch sent twice (e.g. acknowledged but
    the answer lost) is recognised by the server as a duplicate.

    Raises:
        InputError: ``path`` does not exist.
        SinkError: the server did not take a batch; files not yet marked are left as they are.
    """
    import json
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    sent = 0
    with httpx.Client(timeout=timeout) as client:
        for file in spool_files(path):
            batch: list[str] = []
            for event in read_spool(file):
                batch.append(json.dumps(event, separators=(",", ":"), ensure_ascii=False))
                if len(batch) >= batch_size:
                    sent += _send(client, url, batch, headers, retries, backoff, file)
                    batch = []
            if batch:
                sent += _send(client, url, batch, headers, retries, backoff, file)
            if mark_done:
                file.rename(file.with_name(file.name + ".replayed"))
    return sent


def _send(client: httpx.Client, url: str, batch: list[str], headers: dict[str, str],
          retries: int, backoff: float, file: Any) -> int:
    error = post_batch(client, url, batch, headers, retries=retries, backoff=backoff)
    if error is not None:
        raise SinkError(f"replay of {file} to {url} stopped: {error}")
    return len(batch)
