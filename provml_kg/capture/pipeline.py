"""The bounded event buffer and the background flusher that encodes and writes batches.

The caller's side (:meth:`Pipeline.put`) appends one record to a deque: no lock, no JSON. A
flusher thread wakes when ``batch_size`` records are waiting or ``flush_interval`` seconds have
passed, turns records into JSON lines and hands each batch to every sink. Records are either an
event dict (validated by the caller) or a metric tuple ``(t, exec, name, value, step)`` that the
flusher expands, since metrics are the hot path. The flusher numbers events (``seq``) in buffer
order, so the sequence of delivered events has no gaps whatever the caller was refused.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any, Literal

from provml_kg.capture.sinks import Sink
from provml_kg.errors import CaptureError, SinkError
from provml_kg.events import SCHEMA_VERSION, dumps

WhenFull = Literal["block", "raise"]
MetricRecord = tuple[float, str, str, "float | int", "int | None"]


class Pipeline:
    """Buffer events of one workflow on one rank and deliver them to ``sinks`` in batches.

    ``when_full`` is the explicit policy when ``max_buffer`` records wait: ``"block"`` (default)
    makes the caller wait until the flusher drains the buffer; ``"raise"`` raises
    :class:`~provml_kg.errors.CaptureError`. Events are never dropped.
    """

    def __init__(self, sinks: Sequence[Sink], *, wf: str, rank: int, batch_size: int = 1000,
                 flush_interval: float = 1.0, max_buffer: int = 100_000,
                 when_full: WhenFull = "block") -> None:
        if when_full not in ("block", "raise"):
            raise CaptureError(f"when_full={when_full!r}; expected 'block' or 'raise'")
        if batch_size < 1 or max_buffer < batch_size:
            raise CaptureError(f"batch_size={batch_size!r}, max_buffer={max_buffer!r}; expected "
                               "1 <= batch_size <= max_buffer")
        if not flush_interval > 0:
            raise CaptureError(f"flush_interval={flush_interval!r}; expected seconds > 0")
        self._sinks = list(sinks)
        self._buf: deque[Any] = deque()
        self._batch_size = batch_size
        self._max_buffer = max_buffer
        self._when_full = when_full
        self._interval = flush_interval
        self._wake = threading.Event()
        self._drained = threading.Event()
        self._write_lock = threading.Lock()
        self._pending: dict[int, list[str]] = {}
        self._error: BaseException | None = None
        self._closed = False
        self._final: deque[Any] = self._buf
        self._metric_head = (f'{{"v":{SCHEMA_VERSION},"k":"metric","wf":{json.dumps(wf)},"t":')
        self._rank_part = f',"r":{rank},"seq":'
        self._names: dict[tuple[str, str], str] = {}
        self.written = 0
        self.seq = itertools.count()
        self.close_retries = 3
        for sink in self._sinks:
            sink.open(wf, rank)
        self._thread = threading.Thread(target=self._run, name=f"provml-flusher-{wf}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ caller side (hot path)
    def put_wait(self, record: Any) -> None:
        """Append one record, waiting for room whatever the policy (for end events)."""
        while len(self._buf) >= self._max_buffer and self._error is None:
            self._drained.clear()
            self._wake.set()
            self._drained.wait(0.05)
        self._buf.append(record)
        self._wake.set()

    def put(self, record: Any) -> None:
        """Append one record; wake the flusher at ``batch_size``; apply the full policy."""
        buf = self._buf
        if len(buf) >= self._batch_size:
            self._pressure()
        buf.append(record)

    def _pressure(self) -> None:
        self._wake.set()
        if len(self._buf) < self._max_buffer:
            return
        if self._closed:
            raise CaptureError("the capture pipeline is closed; start a new workflow")
        if self._when_full == "raise":
            raise CaptureError(f"capture buffer full ({self._max_buffer} events waiting) and "
                               "when_full='raise'; raise max_buffer or use when_full='block'")
        # wait until half the buffer is free, not just one slot: a caller let go at every
        # freed slot would pay a thread hand-off per event while the flusher catches up
        low_water = self._max_buffer // 2
        while len(self._buf) > low_water:
            if self._error is not None:
                raise CaptureError(f"capture buffer full and the sink is failing: {self._error}")
            self._drained.clear()
            self._wake.set()
            self._drained.wait(0.05)

    # ------------------------------------------------------------ flusher side
    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._closed:
                break
            try:
                self._drain()
            except BaseException as failed:  # keep the thread alive; close() reports it
                self._error = failed
                time.sleep(min(self._interval, 0.5))

    def _drain(self) -> int:
        """Write everything waiting; return how many events were written. Holds the write lock."""
        total = 0
        with self._write_lock:
            self._retry_pending()
            buf = self._final if self._closed else self._buf
            # only what is waiting now: chasing the events the loop appends meanwhile would
            # write (and fsync) them one at a time while the training runs
            left = len(buf)
            while left:
                n = min(left, self._batch_size)
                left -= n
                popleft = buf.popleft
                records = [popleft() for _ in range(n)]
                self._drained.set()
                self._deliver(self._encode(records))
                # hand the GIL back to the training loop between batches, so the flusher
                # holds it for one batch's encoding at most (about 0.5 ms per 1000 events)
                time.sleep(0)
                total += n
            self._drained.set()
        return total

    def _encode(self, records: list[Any]) -> list[str]:
        head, rank_part, names = self._metric_head, self._rank_part, self._names
        seq_counter = self.seq
        lines = []
        for rec in records:
            seq = next(seq_counter)
            if type(rec) is tuple:
                t, exec_id, name, value, step = rec
                mid = names.get((exec_id, name))
                if mid is None:  # ids need no escaping (checked); names may
                    if len(names) > 4096:  # one entry per (section, measure): keep it bounded
                        names.clear()
                    mid = names[(exec_id, name)] = (
                        f',"exec":"{exec_id}","name":{json.dumps(name, ensure_ascii=False)},'
                        '"value":')
                if type(value) is float and not math.isfinite(value):
                    jvalue = '"NaN"' if value != value else ('"INF"' if value > 0 else '"-INF"')
                else:
                    jvalue = repr(value)
                if step is None:
                    lines.append(f"{head}{t!r}{rank_part}{seq}{mid}{jvalue}}}")
                else:
                    lines.append(f'{head}{t!r}{rank_part}{seq}{mid}{jvalue},"step":{step}}}')
            else:
                rec["seq"] = seq
                lines.append(dumps(rec))
        return lines

    def _deliver(self, lines: list[str]) -> None:
        failed: BaseException | None = None
        for i, sink in enumerate(self._sinks):
            try:
                sink.write(lines)
            except Exception as bad:  # noqa: BLE001 - kept for retry, reported on close
                self._pending.setdefault(i, []).extend(lines)
                failed = bad
        self.written += len(lines)
        if failed is not None:
            self._error = failed
            raise SinkError(f"a capture sink failed; the batch is kept for retry: {failed}")

    def _retry_pending(self) -> None:
        for i in list(self._pending):
            try:
                self._sinks[i].write(self._pending[i])
            except Exception as bad:  # noqa: BLE001 - still failing: keep everything buffered
                self._error = bad
                raise SinkError(f"a capture sink is still failing ({bad}); "
                                f"{len(self._pending[i])} events kept for retry") from None
            del self._pending[i]
        self._error = None

    # ------------------------------------------------------------ control
    def flush(self) -> None:
        """Write every buffered event now, in the calling thread.

        Raises:
            SinkError: a sink could not write; the events stay buffered for a later try.
        """
        self._drain()

    def close(self) -> None:
        """Flush synchronously, stop the flusher and close the sinks (idempotent).

        Raises:
            SinkError: some events could not be written by a sink.
        """
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        self._thread.join()
        # from now on a late log call raises instead of filling a buffer nobody will write
        self._final, self._buf = self._buf, _ClosedBuffer()
        try:
            for attempt in range(self.close_retries + 1):
                try:
                    self._drain()
                    break
                except SinkError:
                    if attempt == self.close_retries:
                        left = len(self._final) + sum(map(len, self._pending.values()))
                        raise SinkError(f"capture could not write {left} event(s) at close: "
                                        f"{self._error}") from None
                    time.sleep(0.1 * 2 ** attempt)
        finally:
            for sink in self._sinks:
                sink.close()


class _ClosedBuffer:
    """Stands in for the buffer of a closed pipeline: appending raises, so nothing vanishes."""

    def __len__(self) -> int:
        return 0

    def append(self, record: Any) -> None:
        raise CaptureError("this workflow has ended; its events can no longer be logged "
                           "(start a new workflow, or log before leaving its `with` block)")
