"""A do-nothing stand-in for a capture workflow: the demo with capture switched off.

The overhead benchmark runs the same lifecycle code twice, once with
:func:`provml_kg.capture.workflow` and once with :class:`NullWorkflow`, whose every call is an
empty method; the difference is what capture costs. It mirrors the subset of the capture API
the demo uses and nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from types import TracebackType
from typing import Any


class NullExecution:
    """An execution that records nothing; every logging call returns at once."""

    def __init__(self, id: str | None = None, index: int = 0) -> None:
        self.id = id or uuid.uuid4().hex
        self.index = index

    def __enter__(self) -> NullExecution:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def log_metric(self, name: str, value: float, step: int | None = None, **options: Any) -> None:
        """Ignore a metric."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Ignore metrics."""

    def log_params(self, params: dict[str, Any], *, scope: str = "learning") -> None:
        """Ignore hyperparameters."""

    def used(self, data: Any = None, *, name: str, id: str | None = None, **fields: Any) -> str:
        """Ignore an input; return its id (or a placeholder)."""
        return id or name

    generated = used

    def log_model(self, model: Any = None, *, id: str | None = None, **fields: Any) -> str:
        """Ignore a model; return its id (or a placeholder)."""
        return id or "model"

    def domain_ref(self, *, identifier: str, id: str | None = None, **fields: Any) -> str:
        """Ignore a domain reference; return its id (or the identifier)."""
        return id or identifier

    def task(self, name: str, **options: Any) -> NullExecution:
        """A child that records nothing."""
        return NullExecution()

    def stage(self, stage: str, name: str | None = None, **options: Any) -> NullExecution:
        """A child that records nothing."""
        return NullExecution()

    def training(self, name: str = "training", **options: Any) -> NullExecution:
        """A child that records nothing."""
        return NullExecution()

    validation = evaluation = training

    def epochs(self, n: int) -> Iterator[NullExecution]:
        """``n`` sections that record nothing."""
        for index in range(n):
            yield NullExecution(index=index)


class NullWorkflow(NullExecution):
    """A workflow that records nothing (same constructor keywords as the capture one)."""

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__()
        self.name = name
        self.rank = 0
        self.size = 1
        comm = options.get("comm")
        if comm is not None:
            self.rank, self.size = comm.Get_rank(), comm.Get_size()
            self.id = comm.bcast(self.id, root=0)
