"""Loop helpers: scikit-learn fit/evaluate, an epoch/batch loop, and the training-callback protocol.

:class:`TrainingCallback` is the protocol a framework adapter drives (the hook names follow
Keras; Lightning's ``on_train_epoch_start`` etc. map one to one). :class:`CaptureCallback`
implements it on top of the capture API, so a Keras or Lightning adapter is a thin subclass of
the framework's callback that forwards each hook, and :func:`fit_loop` is built on it too.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from provml_kg.capture.context import CURRENT
from provml_kg.capture.runs import Execution, Section, Stage
from provml_kg.errors import CaptureError

Logs = Mapping[str, float]


@runtime_checkable
class TrainingCallback(Protocol):
    """The hooks of a training loop. Adapters call them; implementations record provenance.

    Keras: ``on_train_begin/end``, ``on_epoch_begin/end``, ``on_train_batch_end`` (as
    ``on_batch_end``), ``on_test_end`` (as ``on_validation_end``). Lightning: ``on_fit_start``,
    ``on_train_epoch_start/end``, ``on_train_batch_end``, ``on_validation_epoch_end``,
    ``on_fit_end``, ``on_exception``.
    """

    def on_train_begin(self, params: Mapping[str, Any] | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int) -> None: ...
    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_validation_end(self, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_exception(self, exc: BaseException) -> None: ...


class CaptureCallback:
    """Record a training run driven by callbacks: a training stage, one section per epoch,
    metrics per batch (every ``log_every`` batches, ``step`` = global batch number) and per
    epoch, validation metrics in the epoch, hyperparameters from ``params``.

    ``parent`` is the execution to train in (default: the current one when training begins).
    """

    def __init__(self, parent: Execution | None = None, *, name: str = "training",
                 algorithm: str | None = None, implementation: Any = None,
                 task: str | None = None, log_every: int = 1) -> None:
        if log_every < 1:
            raise CaptureError(f"log_every={log_every!r}; expected an integer >= 1")
        self.parent, self.name, self.log_every = parent, name, log_every
        self._stage_options = {"algorithm": algorithm, "implementation": implementation,
                               "task": task}
        self.stage: Stage | None = None
        self.epoch: Section | None = None
        self._step = 0

    def on_train_begin(self, params: Mapping[str, Any] | None = None) -> None:
        """Open the training stage and record ``params`` as learning hyperparameters."""
        parent = self.parent or CURRENT.get()
        if parent is None:
            raise CaptureError("CaptureCallback: no execution to train in; open a workflow "
                               "or pass parent=")
        self.stage = parent.training(self.name, **self._stage_options)
        self.stage.start()
        if params:
            self.stage.log_params(dict(params))

    def on_epoch_begin(self, epoch: int) -> None:
        """Open the epoch section."""
        self.epoch = self._need_stage().section("epoch", int(epoch))
        self.epoch.start()

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Log the batch metrics (every ``log_every`` batches) into the epoch."""
        self._step += 1
        if logs and (self._step - 1) % self.log_every == 0:
            target = self.epoch or self._need_stage()
            step = self._step - 1
            for key, value in logs.items():
                target.log_metric(key, value, step)

    def on_validation_end(self, logs: Logs | None = None) -> None:
        """Log validation metrics into the current epoch (or the stage)."""
        if logs:
            (self.epoch or self._need_stage()).log_metrics(dict(logs))

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Log the epoch metrics and close the epoch section."""
        if self.epoch is None:
            raise CaptureError("on_epoch_end without on_epoch_begin")
        if logs:
            self.epoch.log_metrics(dict(logs), int(epoch))
        self.epoch.end()
        self.epoch = None

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Log final metrics and close the stage."""
        stage = self._need_stage()
        if logs:
            stage.log_metrics(dict(logs))
        stage.end()

    def on_exception(self, exc: BaseException) -> None:
        """Close the open epoch and the stage as failed (or killed) with ``exc``."""
        if self.epoch is not None:
            self.epoch.end(exc)
            self.epoch = None
        if self.stage is not None:
            self.stage.end(exc)

    def _need_stage(self) -> Stage:
        if self.stage is None:
            raise CaptureError("training callback used before on_train_begin")
        return self.stage


def fit_loop(step: Callable[[Any], float | Mapping[str, float]],
             batches: Iterable[Any] | Callable[[], Iterable[Any]], *, epochs: int,
             callback: TrainingCallback | None = None, params: Mapping[str, Any] | None = None,
             validate: Callable[[], Mapping[str, float]] | None = None,
             log_every: int = 1, name: str = "training") -> list[dict[str, float]]:
    """Run a plain or PyTorch-style loop, recording it: ``step(batch)`` trains on one batch and
    returns its loss (or a dict of metrics); ``batches`` is re-iterated each epoch (pass a
    callable for one-shot iterators). Returns per-epoch means of the batch metrics.

    >>> import tempfile
    >>> from provml_kg import capture
    >>> with capture.workflow("loop", spool_dir=tempfile.mkdtemp(), mpi=False):
    ...     history = fit_loop(lambda b: sum(b) / 10, [[1, 2], [3, 4]], epochs=2)
    >>> history[0]
    {'loss': 0.5}
    """
    cb = callback or CaptureCallback(name=name, log_every=log_every)
    history: list[dict[str, float]] = []
    cb.on_train_begin({"epochs": epochs, **(params or {})})
    try:
        for epoch in range(epochs):
            cb.on_epoch_begin(epoch)
            sums: dict[str, float] = {}
            count = 0
            for index, batch in enumerate(batches() if callable(batches) else batches):
                out = step(batch)
                logs = {"loss": out} if not isinstance(out, Mapping) else out
                cb.on_batch_end(index, logs)
                for key, value in logs.items():
                    sums[key] = sums.get(key, 0.0) + float(value)
                count += 1
            means = {key: total / max(count, 1) for key, total in sums.items()}
            if validate is not None:
                val = dict(validate())
                cb.on_validation_end(val)
                means.update(val)
            cb.on_epoch_end(epoch, {f"epoch_{k}" if k in sums else k: v for k, v in means.items()})
            history.append(means)
    except BaseException as exc:
        cb.on_exception(exc)
        raise
    cb.on_train_end()
    return history


@dataclass
class FitResult:
    """What :func:`fit_evaluate` recorded: the fitted estimator, ids and scores."""
    estimator: Any
    model_id: str
    train_data_id: str
    test_data_id: str | None = None
    scores: dict[str, float] = field(default_factory=dict)


def fit_evaluate(estimator: Any, X_train: Any, y_train: Any, X_test: Any = None,
                 y_test: Any = None, *, parent: Execution | None = None,
                 name: str | None = None, metrics: Mapping[str, Callable[[Any, Any], float]] | None = None,
                 train_name: str = "train", test_name: str = "test",
                 save_path: str | os.PathLike[str] | None = None,
                 feature_names: list[str] | None = None) -> FitResult:
    """Fit a scikit-learn style estimator in a training stage and score it in an evaluation stage.

    Records the estimator's parameters (``get_params``) as model hyperparameters, the training
    and test data (content-hashed), the loss curve when the estimator has one (``loss_curve_``,
    one metric per iteration), the model (pickled to ``save_path`` when given, then hashed) and
    each metric (default: accuracy for classifiers, r2 for regressors) with the model, the
    test data and the ``holdout`` procedure.

    Raises:
        CaptureError: no execution to record into.
    """
    parent = parent or CURRENT.get()
    if parent is None:
        raise CaptureError("fit_evaluate: no workflow open; use `with capture.workflow(...)` "
                           "or pass parent=")
    kind = type(estimator)
    classifier = getattr(estimator, "_estimator_type", None) == "classifier" or hasattr(
        estimator, "predict_proba")
    implementation = {"name": f"{kind.__module__}.{kind.__qualname__}"}
    try:
        import sklearn
        implementation["version"] = sklearn.__version__
    except ImportError:
        pass
    features = feature_names or ([str(c) for c in X_train.columns]
                                 if hasattr(X_train, "columns") else None)
    with parent.training(name or f"fit {kind.__name__}", algorithm=kind.__name__,
                         implementation=implementation,
                         task="classification" if classifier else "regression") as tr:
        if hasattr(estimator, "get_params"):
            tr.log_params(estimator.get_params(deep=False), scope="model")
        train_id = tr.used(X_train, name=train_name, features=features)
        estimator.fit(X_train, y_train)
        for i, loss in enumerate(getattr(estimator, "loss_curve_", None) or []):
            tr.log_metric("loss", float(loss), i)
        if save_path is not None:
            with open(save_path, "wb") as f:
                pickle.dump(estimator, f, protocol=pickle.HIGHEST_PROTOCOL)
        model_id = tr.log_model(estimator, name=kind.__name__, path=save_path,
                                derived_from=[train_id])
    result = FitResult(estimator, model_id, train_id)
    if X_test is None:
        return result
    if metrics is None:
        from sklearn import metrics as m
        metrics = {"accuracy": m.accuracy_score} if classifier else {"r2": m.r2_score}
    with parent.evaluation(f"evaluate {kind.__name__}") as ev:
        ev.used(name=kind.__name__, type="model", id=model_id)
        result.test_data_id = ev.used(X_test, name=test_name, features=features)
        predicted = estimator.predict(X_test)
        for metric, fn in metrics.items():
            score = float(fn(y_test, predicted))
            result.scores[metric] = score
            ev.log_metric(metric, score, model=model_id, data=[result.test_data_id],
                          procedure="holdout")
    return result
