"""Low-overhead provenance capture for ML workflows, serial or under MPI. Imports no RDF library.

Object API::

    from provml_kg import capture
    with capture.workflow("digits-mlp", experiment="mlp-sweep") as wf:
        with wf.task("normalise", params={"method": "zscore"}) as t:
            raw = t.used(X, name="digits")
            t.generated(Xn, name="digits-normalised", derived_from=[raw])
        with wf.training("fit", algorithm="multilayer perceptron") as tr:
            tr.log_params({"lr": 1e-3, "epochs": 10})
            for ep in tr.epochs(10):
                ep.log_metric("loss", loss)
            tr.log_model(model)

MLflow-like module API (backed by the current execution of this thread/task)::

    capture.start_workflow("digits-mlp")
    capture.log_params({"lr": 1e-3})
    capture.log_metric("loss", 0.3, step=1)
    capture.end_workflow()

Each logging call only appends a small record to a bounded buffer; a background thread writes
batches to the sinks (a durable JSON Lines spool by default, an HTTP server, or any callable).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from provml_kg.capture.context import CURRENT
from provml_kg.capture.loops import (CaptureCallback, FitResult, TrainingCallback, fit_evaluate,
                                     fit_loop)
from provml_kg.capture.pipeline import Pipeline
from provml_kg.capture.runs import Execution, Section, Stage, Task
from provml_kg.capture.sinks import CallableSink, Sink
from provml_kg.capture.spool import SpoolSink, TornLineWarning, read_spool, spool_files
from provml_kg.capture.workflow import Workflow
from provml_kg.errors import CaptureError
from provml_kg.events import DataStore, Implementation, Persona, PlannedStep

__all__ = [
    "Workflow", "Execution", "Task", "Stage", "Section", "Pipeline", "Sink", "SpoolSink",
    "CallableSink", "HttpSink", "replay", "read_spool", "spool_files", "TornLineWarning",
    "DataStore", "Persona", "PlannedStep", "Implementation",
    "workflow", "start_workflow", "end_workflow", "active_workflow", "current",
    "log_metric", "log_metrics", "log_param", "log_params", "log_model", "log_input",
    "log_output", "used", "generated", "domain_ref", "task", "stage", "training", "validation",
    "evaluation", "TrainingCallback", "CaptureCallback", "fit_loop", "fit_evaluate", "FitResult",
]

F = TypeVar("F", bound=Callable[..., Any])


def __getattr__(name: str) -> Any:
    # the HTTP sink pulls in httpx: load it only for code that asks for it
    if name in ("HttpSink", "replay"):
        from provml_kg.capture import http
        return getattr(http, name)
    raise AttributeError(f"module 'provml_kg.capture' has no attribute {name!r}")


def workflow(name: str, **options: Any) -> Workflow:
    """A workflow execution to use with ``with`` (options: see :class:`Workflow`)."""
    return Workflow(name, **options)


def start_workflow(name: str, **options: Any) -> Workflow:
    """Start a workflow and make it current, like ``mlflow.start_run``; end with :func:`end_workflow`.

    Also usable as ``with capture.start_workflow(...) as wf:``.
    """
    wf = Workflow(name, **options)
    wf.__enter__()
    return wf


def active_workflow() -> Workflow | None:
    """The workflow of the current execution, or None."""
    cur = CURRENT.get()
    return cur.workflow if cur is not None else None


def current() -> Execution:
    """The innermost open execution (section, stage, task or workflow).

    Raises:
        CaptureError: no workflow is open in this thread or task.
    """
    cur = CURRENT.get()
    if cur is None:
        raise CaptureError("no active workflow: call capture.start_workflow(name) or use "
                           "`with capture.workflow(name) as wf:` first")
    return cur


def end_workflow(status: str = "finished") -> None:
    """End the current workflow with ``status`` (finished, failed or killed) and flush it."""
    wf = active_workflow()
    if wf is None:
        raise CaptureError("end_workflow(): no active workflow")
    status = status.lower()
    if wf._token is not None:
        try:
            CURRENT.reset(wf._token)
        except ValueError:
            CURRENT.set(None)
        wf._token = None
    wf.end(status=status)


def log_metric(name: str, value: float, step: int | None = None, **options: Any) -> None:
    """Record a metric in the current execution (see :meth:`Execution.log_metric`)."""
    cur = CURRENT.get()
    (cur if cur is not None else current()).log_metric(name, value, step, **options)


def log_metrics(metrics: dict[str, float], step: int | None = None) -> None:
    """Record several metrics in the current execution."""
    current().log_metrics(metrics, step)


def log_params(params: dict[str, Any], *, scope: str = "learning") -> None:
    """Record hyperparameters of the current execution (see :meth:`Execution.log_params`)."""
    current().log_params(params, scope=scope)


def log_param(name: str, value: Any, *, scope: str = "learning") -> None:
    """Record one hyperparameter of the current execution."""
    current().log_param(name, value, scope=scope)


def log_model(model: Any = None, **options: Any) -> str:
    """Record a model generated by the current execution; return its id."""
    return current().log_model(model, **options)


def used(data: Any = None, **options: Any) -> str:
    """Record data used by the current execution; return the entity id."""
    return current().used(data, **options)


def generated(data: Any = None, **options: Any) -> str:
    """Record data generated by the current execution; return the entity id."""
    return current().generated(data, **options)


log_input = used
log_output = generated


def domain_ref(**options: Any) -> str:
    """Record a domain-data reference from the current execution; return its id."""
    return current().domain_ref(**options)


class _Deferred:
    """A child execution of whatever is current when entered or called (not when created)."""

    def __init__(self, factory: Callable[[Execution], Execution]) -> None:
        self._factory = factory
        self._open: list[Execution] = []

    def __enter__(self) -> Any:
        child = self._factory(current())
        self._open.append(child)
        return child.__enter__()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._open.pop().__exit__(kind, exc, tb)

    def __call__(self, func: F) -> F:
        """Decorate ``func``: each call runs in a new child execution of the current one.

        With no workflow open the function runs uncaptured, so decorators can stay in library
        code.
        """
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            cur = CURRENT.get()
            if cur is None:
                return func(*args, **kwargs)
            return self._factory(cur)(func)(*args, **kwargs)  # type: ignore[operator]
        return wrapper  # type: ignore[return-value]


def task(name: str, **options: Any) -> Any:
    """A data transformation in the current execution: ``with capture.task("x"):`` or ``@capture.task("x")``."""
    return _Deferred(lambda parent: parent.task(name, **options))


def stage(kind: str, name: str | None = None, **options: Any) -> Any:
    """A learning stage in the current execution (context manager or decorator)."""
    return _Deferred(lambda parent: parent.stage(kind, name, **options))


def training(name: str = "training", **options: Any) -> Any:
    """A training stage in the current execution (context manager or decorator)."""
    return stage("training", name, **options)


def validation(name: str = "validation", **options: Any) -> Any:
    """A validation stage in the current execution (context manager or decorator)."""
    return stage("validation", name, **options)


def evaluation(name: str = "evaluation", **options: Any) -> Any:
    """An evaluation stage in the current execution (context manager or decorator)."""
    return stage("evaluation", name, **options)
