"""Loop helpers: scikit-learn fit/evaluate, the epoch/batch loop, the callback protocol."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from provml_kg import capture
from provml_kg.errors import CaptureError


def events_of(path: Path) -> list[dict[str, Any]]:
    return list(capture.read_spool(path, check=True))


def test_fit_evaluate_records_training_model_and_scores(tmp_path: Path) -> None:
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16.0, y[:300]
    model_file = tmp_path / "mlp.pkl"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with capture.workflow("digits", spool_dir=tmp_path / "spool", mpi=False):
            result = capture.fit_evaluate(MLPClassifier(hidden_layer_sizes=(16,), max_iter=5,
                                                        random_state=0),
                                          X[:200], y[:200], X[200:], y[200:],
                                          save_path=model_file)
    events = events_of(tmp_path / "spool")
    stages = [e for e in events if e["k"] == "stage_start"]
    assert [s["stage"] for s in stages] == ["training", "evaluation"]
    assert stages[0]["task"] == "classification"
    assert stages[0]["implementation"]["name"] == "sklearn.neural_network._multilayer_perceptron.MLPClassifier"
    params = [e for e in events if e["k"] == "hyperparameters"][0]
    assert params["scope"] == "model" and params["values"]["hidden_layer_sizes"] == "(16,)"
    assert params["values"]["max_iter"] == 5
    losses = [e for e in events if e["k"] == "metric" and e["name"] == "loss"]
    assert [m["step"] for m in losses] == list(range(5))
    model = [e for e in events if e["k"] == "model"][0]
    assert model["id"] == result.model_id and model["path"] == str(model_file)
    assert model["size"] == model_file.stat().st_size and model["framework"].startswith("scikit-learn")
    assert model["derived_from"] == [result.train_data_id]
    accuracy = [e for e in events if e["k"] == "metric" and e["name"] == "accuracy"][0]
    assert accuracy["value"] == pytest.approx(result.scores["accuracy"])
    assert accuracy["model"] == result.model_id and accuracy["data"] == [result.test_data_id]
    used = [(e["exec"], e["entity"]["type"]) for e in events if e["k"] == "data"]
    assert (stages[1]["id"], "model") in used
    assert 0.0 <= result.scores["accuracy"] <= 1.0


def test_fit_evaluate_needs_a_workflow() -> None:
    from sklearn.linear_model import LinearRegression
    with pytest.raises(CaptureError, match="no workflow open"):
        capture.fit_evaluate(LinearRegression(), np.ones((3, 1)), np.ones(3))


def test_fit_loop_records_epochs_batches_and_validation(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = [rng.normal(size=(8, 2)) for _ in range(4)]
    weights = np.zeros(2)

    def step(batch: np.ndarray) -> dict[str, float]:
        nonlocal weights
        weights = weights + 0.1 * batch.mean(axis=0)
        return {"loss": float((batch @ weights).var()), "norm": float(np.linalg.norm(weights))}

    with capture.workflow("loop", spool_dir=tmp_path, mpi=False):
        history = capture.fit_loop(step, data, epochs=3, log_every=2, params={"lr": 0.1},
                                   validate=lambda: {"val_loss": 0.5})
    assert len(history) == 3 and set(history[0]) == {"loss", "norm", "val_loss"}
    events = events_of(tmp_path)
    stage = [e for e in events if e["k"] == "stage_start"][0]
    assert [e["values"] for e in events if e["k"] == "hyperparameters"] == [{"epochs": 3, "lr": 0.1}]
    epochs = [e for e in events if e["k"] == "section_start"]
    assert [e["index"] for e in epochs] == [0, 1, 2] and all(e["parent"] == stage["id"] for e in epochs)
    batch_losses = [e for e in events if e["k"] == "metric" and e["name"] == "loss"]
    assert [m["step"] for m in batch_losses] == [0, 2, 4, 6, 8, 10]  # every 2nd of 12 batches
    epoch_losses = [e for e in events if e["k"] == "metric" and e["name"] == "epoch_loss"]
    assert [m["value"] for m in epoch_losses] == pytest.approx([h["loss"] for h in history])
    assert len([e for e in events if e["k"] == "metric" and e["name"] == "val_loss"]) == 6
    assert [e["status"] for e in events if e["k"].endswith("_end")] == ["finished"] * 5


def test_fit_loop_failure_ends_epoch_and_stage_as_failed(tmp_path: Path) -> None:
    def step(batch: int) -> float:
        if batch == 2:
            raise FloatingPointError("loss diverged")
        return 1.0

    with pytest.raises(FloatingPointError):
        with capture.workflow("loop", spool_dir=tmp_path, mpi=False):
            capture.fit_loop(step, lambda: iter(range(4)), epochs=2)
    ends = [e for e in events_of(tmp_path) if e["k"].endswith("_end")]
    assert [(e["k"], e["status"]) for e in ends] == [
        ("section_end", "failed"), ("stage_end", "failed"), ("workflow_end", "failed")]
    assert ends[0]["error"]["message"] == "loss diverged"


class KerasLikeAdapter:
    """What a Keras adapter looks like: the framework's hooks forwarded to the protocol."""

    def __init__(self, callback: capture.TrainingCallback) -> None:
        self.cb = callback
        self.params = {"epochs": 2, "steps": 3}

    def on_train_begin(self, logs: Any = None) -> None:
        self.cb.on_train_begin(self.params)

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.cb.on_epoch_begin(epoch)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self.cb.on_batch_end(batch, logs)

    def on_test_end(self, logs: Any = None) -> None:
        self.cb.on_validation_end(logs)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.cb.on_epoch_end(epoch, logs)

    def on_train_end(self, logs: Any = None) -> None:
        self.cb.on_train_end(logs)


def test_a_framework_adapter_drives_the_capture_callback(tmp_path: Path) -> None:
    cb = capture.CaptureCallback(name="keras-fit", algorithm="cnn")
    assert isinstance(cb, capture.TrainingCallback)
    adapter = KerasLikeAdapter(cb)
    with capture.workflow("keras", spool_dir=tmp_path, mpi=False):
        adapter.on_train_begin()
        for epoch in range(2):
            adapter.on_epoch_begin(epoch)
            for batch in range(3):
                adapter.on_train_batch_end(batch, {"loss": 1.0 / (batch + 1)})
            adapter.on_test_end({"val_accuracy": 0.7})
            adapter.on_epoch_end(epoch, {"loss": 0.5, "val_accuracy": 0.7})
        adapter.on_train_end()
    events = events_of(tmp_path)
    kinds = [e["k"] for e in events]
    assert kinds.count("section_start") == 2 and kinds.count("metric") == 2 * (3 + 1 + 2)
    assert [e for e in events if e["k"] == "stage_start"][0]["algorithm"] == "cnn"
    with pytest.raises(CaptureError, match="before on_train_begin"):
        capture.CaptureCallback().on_epoch_begin(0)
