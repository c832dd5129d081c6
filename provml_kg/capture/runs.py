"""Executions you log into: tasks, learning stages and their sections (epochs, batches, folds).

Every execution is a context manager: entering writes its start event and makes it the current
execution for the module-level API; leaving writes its end event with ``status`` ``finished``,
``failed`` (an exception, recorded with its type and message, then re-raised) or ``killed``
(``KeyboardInterrupt`` / ``SystemExit``). Tasks and stages are also decorators.
"""

from __future__ import annotations

import functools
import inspect
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextvars import Token
from time import time as _time
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from provml_kg.capture.context import CURRENT
from provml_kg.capture.entities import entity, model_fields, plain_params
from provml_kg.capture.outcome import bad_metric, error_info, status_of
from provml_kg.errors import EventValidationError
from provml_kg.events import STAGES, DataStore, Implementation, check_id, domain_ref_id

if TYPE_CHECKING:
    from provml_kg.capture.workflow import Workflow

F = TypeVar("F", bound=Callable[..., Any])
_SAFE_SECTION = re.compile(r"[A-Za-z0-9_]{1,24}")


class Execution:
    """Something that ran and can be logged into: the workflow, a task, a stage or a section."""

    kind = "execution"

    def __init__(self, workflow: Workflow, id: str, parent: str | None) -> None:
        self.workflow = workflow
        self.id = id
        self.parent = parent
        # the hot path's collaborators, bound once (the workflow binds its own after its pipe)
        self._names: set[str] = workflow._names
        self._put: Callable[[Any], None] = getattr(workflow, "_put", None)  # type: ignore[assignment]
        self._token: Token[Execution | None] | None = None
        self._ended = False
        # sections opened by sections()/epochs(): an exception in the loop body never reaches
        # the generator, so the parent ends them with its own exception when it ends first
        self._loop_sections: list[Section] = []

    # ------------------------------------------------------------ hot path
    def log_metric(self, name: str, value: float, step: int | None = None, *,
                   model: str | None = None, data: list[str] | None = None,
                   procedure: str | None = None) -> None:
        """Record one value of the measure ``name`` in this execution.

        Costs about a microsecond: a type check and an append to the buffer.

        Raises:
            EventValidationError: ``value`` is not a number, ``name`` not a name, ``step`` not
                an integer >= 0.
        """
        if type(value) is not float and type(value) is not int:
            value = bad_metric(name, value)
        if name not in self._names:
            self.workflow._check_name(name)
        if step is not None and (type(step) is not int or step < 0):
            raise EventValidationError(f"metric {name!r} step: got {step!r}; expected an integer >= 0")
        if model is None and data is None and procedure is None:
            self._put((_time(), self.id, name, value, step))
        else:
            self.workflow._emit("metric", {"exec": self.id, "name": name, "value": value, "step": step,
                                "model": model, "data": data, "procedure": procedure})

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Record several measures at once (``log_metric`` for each item)."""
        for name, value in metrics.items():
            self.log_metric(name, value, step)

    # ------------------------------------------------------------ parameters and data
    def log_params(self, params: dict[str, Any], *, scope: str = "learning") -> None:
        """Record hyperparameter values of this execution.

        ``scope="learning"`` for how it learns (epochs, learning rate, optimiser),
        ``scope="model"`` for what it builds (layers, depth). numpy scalars are converted; other
        objects are recorded as their ``repr``.
        """
        self.workflow._emit("hyperparameters", {"exec": self.id, "scope": scope,
                                                "values": plain_params(dict(params))})

    log_hyperparameters = log_params

    def log_param(self, name: str, value: Any, *, scope: str = "learning") -> None:
        """Record one hyperparameter value (see :meth:`log_params`)."""
        self.log_params({name: value}, scope=scope)

    def used(self, data: Any = None, *, name: str, type: str = "dataset",
             derived_from: list[str] | None = None, **fields: Any) -> str:
        """Record that this execution used a data entity; return the entity id.

        ``data`` may be an array-like (hashed, rows counted), a scalar (a value) or None with
        ``path=``; further keywords: ``id``, ``path``, ``uri``, ``features``,
        ``characteristics``, ``hash`` (False skips hashing a big file).
        """
        return self._data("used", data, name, type, derived_from, fields)

    def generated(self, data: Any = None, *, name: str, type: str = "dataset",
                  derived_from: list[str] | None = None, **fields: Any) -> str:
        """Record that this execution generated a data entity; return its id (see :meth:`used`)."""
        return self._data("generated", data, name, type, derived_from, fields)

    log_input = used
    log_output = generated

    def _data(self, role: str, data: Any, name: str, type: str,
              derived_from: list[str] | None, fields: dict[str, Any]) -> str:
        ent = entity(data, name=name, type=type, **fields)
        self.workflow._emit("data", {"exec": self.id, "role": role, "entity": ent,
                                     "derived_from": derived_from})
        return str(ent["id"])

    def log_model(self, model: Any = None, *, name: str = "model", path: Any = None,
                  framework: str | None = None, id: str | None = None,
                  derived_from: list[str] | None = None) -> str:
        """Record a model this execution produced; return the model id.

        The file at ``path`` (or the pickled ``model``) is hashed; the id is derived from the
        hash unless given.
        """
        fields = model_fields(model, path, framework)
        if id is None:
            id = f"model-{fields['hash'][7:39]}" if "hash" in fields else f"model-{uuid.uuid4().hex}"
        self.workflow._emit("model", {"exec": self.id, "id": id, "name": name,
                                      "derived_from": derived_from, **fields})
        return id

    def domain_ref(self, *, store: DataStore | dict[str, Any], identifier: str,
                   domain_class: str | None = None, attributes: dict[str, Any] | None = None,
                   related_to: list[str] | None = None, role: str | None = "used",
                   id: str | None = None) -> str:
        """Record a reference to domain data (file, record, seismic cube); return its id.

        The id is derived from the store id and the identifier, so every workflow that refers
        to the same item meets at the same node. ``role=None`` records the reference without
        saying this execution used or generated it.
        """
        store_d = store.to_dict() if isinstance(store, DataStore) else dict(store)
        ref_id = id or domain_ref_id(str(store_d.get("id")), str(identifier))
        fields = {"id": ref_id, "store": store_d, "identifier": identifier,
                  "class": domain_class, "related_to": related_to,
                  "attributes": plain_params(attributes) if attributes else None}
        if role is not None:
            fields.update(exec=self.id, role=role)
        self.workflow._emit("domain_ref", fields)
        return ref_id

    # ------------------------------------------------------------ children
    def task(self, name: str, *, id: str | None = None,
             params: dict[str, Any] | None = None) -> Task:
        """A data transformation inside this execution (context manager or decorator)."""
        return Task(self.workflow, id or uuid.uuid4().hex, self._child_parent(), name, params)

    def stage(self, stage: str, name: str | None = None, *, id: str | None = None,
              algorithm: str | None = None, implementation: Any = None,
              task: str | None = None) -> Stage:
        """A learning-stage execution: ``stage`` is training, validation or evaluation."""
        if stage not in STAGES:
            raise EventValidationError(f"stage: got {stage!r}; expected one of {', '.join(STAGES)}")
        return Stage(self.workflow, id or uuid.uuid4().hex, self._child_parent(), stage,
                     name or stage, algorithm, implementation, task)

    def training(self, name: str = "training", **kw: Any) -> Stage:
        """A training stage (see :meth:`stage`)."""
        return self.stage("training", name, **kw)

    def validation(self, name: str = "validation", **kw: Any) -> Stage:
        """A validation stage (see :meth:`stage`)."""
        return self.stage("validation", name, **kw)

    def evaluation(self, name: str = "evaluation", **kw: Any) -> Stage:
        """An evaluation stage (see :meth:`stage`)."""
        return self.stage("evaluation", name, **kw)

    def section(self, section: str, index: int) -> Section:
        """A section of this execution: ``section("epoch", 3)``, ``section("fold", 0)``."""
        if type(index) is not int or index < 0:
            raise EventValidationError(f"{section} index: got {index!r}; expected an integer >= 0")
        if _SAFE_SECTION.fullmatch(section):
            sid = f"{self.id}.{section}{index}"
        else:
            sid = f"{self.id}.s{index}"
        if len(sid) > 128 or sid in self.workflow._ids:
            sid = uuid.uuid4().hex
        self.workflow._ids.add(sid)
        return Section(self.workflow, sid, self.id, section, index)

    def epoch(self, index: int) -> Section:
        """``section("epoch", index)``."""
        return self.section("epoch", index)

    def batch(self, index: int) -> Section:
        """``section("batch", index)``."""
        return self.section("batch", index)

    def fold(self, index: int) -> Section:
        """``section("fold", index)``."""
        return self.section("fold", index)

    def sections(self, section: str, items: Iterable[Any] | int) -> Iterator[Section]:
        """Yield one open section per item (or per index when ``items`` is an int).

        The section ends when the loop moves on (``break`` ends it as finished); an exception in
        the loop body ends it as failed and propagates.
        """
        count = range(items) if isinstance(items, int) else items
        open_ = self._loop_sections
        for index, _ in enumerate(count):
            sec = self.section(section, index)
            sec.start()
            open_.append(sec)
            try:
                yield sec
            except GeneratorExit:
                # a `break`, or an exception in the loop body (Python closes the generator
                # before the enclosing `with` sees the exception, and does not tell it which):
                # the parent ends the section when it ends, with the end time taken here
                sec._closed_at = _time()
                raise
            except BaseException as exc:
                open_.remove(sec)
                sec.end(exc)
                raise
            open_.remove(sec)
            sec.end()

    def epochs(self, n: int) -> Iterator[Section]:
        """``for ep in tr.epochs(10): ep.log_metric("loss", ...)``: one epoch section each."""
        return self.sections("epoch", n)

    def _child_parent(self) -> str | None:
        return None if self.id == self.workflow.id else self.id

    # ------------------------------------------------------------ lifecycle
    def _start_fields(self) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def start(self) -> Execution:
        """Write the start event (done by ``with``); return self."""
        kind, fields = self._start_fields()
        self.workflow._emit(kind, fields)
        return self

    def end(self, exc: BaseException | None = None) -> None:
        """Write the end event: finished, or failed/killed with the exception's details.

        Ending twice writes one end event.
        """
        if self._ended:
            return
        self._ended = True
        self._end_loop_sections(exc)
        fields: dict[str, Any] = {"id": self.id, "status": status_of(exc)}
        if exc is not None:
            fields["error"] = error_info(exc)
        self.workflow._emit(self.kind + "_end", fields)

    def _end_loop_sections(self, exc: BaseException | None) -> None:
        while self._loop_sections:
            sec = self._loop_sections.pop()
            if exc is None and sec._closed_at is not None:
                sec.end(at=sec._closed_at)
            else:
                sec.end(exc)

    def __enter__(self) -> Any:
        self.start()
        self._token = CURRENT.set(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._token is not None:
            try:
                CURRENT.reset(self._token)
            except ValueError:  # left in another context than entered; nothing to restore
                pass
            self._token = None
        self.end(exc)


class _Decorating(Execution):
    """An execution template that can also decorate a function: one execution per call."""

    def _fresh(self, params: dict[str, Any]) -> Execution:
        raise NotImplementedError

    def __call__(self, func: F) -> F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                params = {k: v for k, v in bound.arguments.items()
                          if v is None or isinstance(v, (str, int, float, bool))}
            except TypeError:
                params = {}
            with self._fresh(params):
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]


class Task(_Decorating):
    """A data transformation execution (curation, feature extraction, normalisation...)."""

    kind = "task"

    def __init__(self, workflow: Workflow, id: str, parent: str | None, name: str,
                 params: dict[str, Any] | None) -> None:
        super().__init__(workflow, check_id("task id", id), parent)
        self.name = name
        self.params = params

    def _start_fields(self) -> tuple[str, dict[str, Any]]:
        return "task_start", {"id": self.id, "name": self.name, "parent": self.parent,
                              "params": plain_params(self.params) if self.params else None}

    def _fresh(self, params: dict[str, Any]) -> Execution:
        return Task(self.workflow, uuid.uuid4().hex, self.parent, self.name,
                    {**params, **(self.params or {})} or None)


class Stage(_Decorating):
    """A learning-stage execution: training, validation or evaluation."""

    kind = "stage"

    def __init__(self, workflow: Workflow, id: str, parent: str | None, stage: str, name: str,
                 algorithm: str | None, implementation: Any, task: str | None) -> None:
        super().__init__(workflow, check_id("stage id", id), parent)
        self.stage, self.name, self.algorithm, self.task_name = stage, name, algorithm, task
        if isinstance(implementation, str):
            implementation = {"name": implementation}
        elif isinstance(implementation, Implementation):
            implementation = implementation.to_dict()
        self.implementation = implementation

    def _start_fields(self) -> tuple[str, dict[str, Any]]:
        return "stage_start", {"id": self.id, "stage": self.stage, "name": self.name,
                               "parent": self.parent, "algorithm": self.algorithm,
                               "implementation": self.implementation, "task": self.task_name}

    def _fresh(self, params: dict[str, Any]) -> Execution:
        fresh = Stage(self.workflow, uuid.uuid4().hex, self.parent, self.stage, self.name,
                      self.algorithm, self.implementation, self.task_name)
        if params:
            fresh._pending_params = params  # type: ignore[attr-defined]
        return fresh

    def start(self) -> Execution:
        """Write the start event (and the parameters of a decorated call)."""
        super().start()
        pending = getattr(self, "_pending_params", None)
        if pending:
            self.log_params(pending)
        return self


class Section(Execution):
    """A section of a learning stage (an epoch, a batch, a fold): the cheapest execution."""

    kind = "section"

    def __init__(self, workflow: Workflow, id: str, parent: str, section: str, index: int) -> None:
        super().__init__(workflow, id, parent)
        self.section_name, self.index = section, index
        self._closed_at: float | None = None
        workflow._check_name(section)

    def start(self) -> Execution:
        """Write ``section_start`` without re-validating: every field was checked on creation."""
        wf = self.workflow
        wf._put({"v": 1, "k": "section_start", "wf": wf.id, "t": _time(), "r": wf.rank,
                 "seq": 0, "id": self.id, "parent": self.parent,
                 "section": self.section_name, "index": self.index})
        return self

    def end(self, exc: BaseException | None = None, *, at: float | None = None) -> None:
        """Write ``section_end`` (fast when finished); ending twice writes one end event."""
        if exc is not None or self._loop_sections or self._ended:
            super().end(exc)
            return
        self._ended = True
        wf = self.workflow
        wf._put({"v": 1, "k": "section_end", "wf": wf.id, "t": at or _time(), "r": wf.rank,
                 "seq": 0, "id": self.id, "status": "finished"})

    def _child_parent(self) -> str | None:
        return self.id
