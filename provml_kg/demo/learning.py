"""Workflow 3, learning: a study of experiments whose runs train, validate and evaluate
classifiers of geological structures.

One run per hyperparameter variant (its own workflow execution, in its experiment of the
study). Training logs the loss and the validation accuracy per epoch; validation and evaluation
log their measures against the model and the data they were computed on, evaluation with one
measure per structure class (``recall/fault``, ``f1/salt``...), named after the seismic
ontology's ``seismic:structureCode`` so queries can join the two.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, f1_score, log_loss,
                             precision_score, recall_score)
from sklearn.neural_network import MLPClassifier

from provml_kg.demo.config import DemoConfig, Variant
from provml_kg.demo.preparation import FeatureSet
from provml_kg.demo.seismic_data import STRUCTURES
from provml_kg.demo.workflows import open_workflow

CLASSES = np.arange(len(STRUCTURES))


@dataclass
class RunResult:
    """What one run produced: its workflow execution, model and scores."""

    variant: Variant
    workflow_id: str
    model_id: str
    model_path: Path
    validation: dict[str, float] = field(default_factory=dict)
    test: dict[str, float] = field(default_factory=dict)
    rank: int = 0


def build_model(variant: Variant) -> Any:
    """The untrained scikit-learn estimator of ``variant``."""
    mp, lp = variant.model_params, variant.learning_params
    if variant.implementation.endswith("MLPClassifier"):
        layers = tuple(int(n) for n in str(mp["hidden_layer_sizes"]).split("x"))
        return MLPClassifier(hidden_layer_sizes=layers, activation=mp["activation"],
                             solver=lp["solver"], learning_rate_init=lp["learning_rate_init"],
                             alpha=lp["alpha"], batch_size=lp["batch_size"],
                             random_state=lp["random_state"])
    return SGDClassifier(loss=mp["loss"], penalty=mp["penalty"], alpha=lp["alpha"],
                         learning_rate=lp["learning_rate"], random_state=lp["random_state"])


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro precision / F1, and recall, precision and F1 per
    structure class (``recall/<structureCode>``)."""
    out = {"accuracy": accuracy_score(y_true, y_pred),
           "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
           "precision_macro": precision_score(y_true, y_pred, average="macro", zero_division=0),
           "f1_macro": f1_score(y_true, y_pred, average="macro", zero_division=0)}
    per_class = {"recall": recall_score(y_true, y_pred, labels=CLASSES, average=None, zero_division=0),
                 "precision": precision_score(y_true, y_pred, labels=CLASSES, average=None,
                                              zero_division=0),
                 "f1": f1_score(y_true, y_pred, labels=CLASSES, average=None, zero_division=0)}
    for measure, values in per_class.items():
        for code, value in zip(STRUCTURES, values):
            out[f"{measure}/{code}"] = value
    return {name: float(value) for name, value in out.items()}


def train_and_evaluate(parent: Any, variant: Variant, sets: dict[str, FeatureSet],
                       cfg: DemoConfig) -> tuple[str, Path, dict[str, float], dict[str, float]]:
    """Train, validate and evaluate ``variant`` as stages of the execution ``parent``.

    Returns:
        ``(model id, model file, validation scores, test scores)``.
    """
    train, val, test = sets[variant.train_set], sets["validation-all-basins"], sets["test-all-basins"]
    X, y = train.load()
    Xv, yv = val.load()
    model = build_model(variant)
    implementation = {"name": variant.implementation, "version": sklearn.__version__}
    short = variant.implementation.rsplit(".", 1)[-1].lower()
    with parent.training(f"train-{short}", algorithm=variant.algorithm,
                         implementation=implementation, task="classification") as tr:
        tr.log_params(variant.model_params, scope="model")
        tr.log_params(variant.learning_params, scope="learning")
        # the feature set's content id was computed when it was generated: refer to it rather
        # than hashing the same megabytes again in every run
        tr.used(name=train.name, type="feature_set", id=train.id, path=train.path, hash=False)
        for ep in tr.epochs(int(variant.learning_params["epochs"])):
            model.partial_fit(X, y, classes=CLASSES)
            loss = model.loss_ if hasattr(model, "loss_") else log_loss(y, model.predict_proba(X),
                                                                       labels=CLASSES)
            ep.log_metric("loss", float(loss), step=ep.index)
            ep.log_metric("val_accuracy", float(accuracy_score(yv, model.predict(Xv))), step=ep.index)
        model_dir = cfg.workdir / "models"
        model_dir.mkdir(parents=True, exist_ok=True)
        model_path = model_dir / f"{variant.experiment}-{variant.name}-{parent.id[:8]}.pkl"
        model_path.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        model_id = tr.log_model(model, name=f"{variant.experiment}/{variant.name}", path=model_path,
                                framework=f"scikit-learn {sklearn.__version__}")
    with parent.validation("validate", task="classification") as va:
        va.used(name=f"{variant.experiment}/{variant.name}", type="model", id=model_id)
        val_id = va.used(name=val.name, type="feature_set", id=val.id, path=val.path, hash=False)
        predicted = model.predict(Xv)
        validation = {"val_accuracy": float(accuracy_score(yv, predicted)),
                      "val_f1_macro": float(f1_score(yv, predicted, average="macro", zero_division=0))}
        for name, value in validation.items():
            va.log_metric(name, value, model=model_id, data=[val_id], procedure="holdout-validation")
    Xt, yt = test.load()
    with parent.evaluation("evaluate", task="classification") as ev:
        ev.used(name=f"{variant.experiment}/{variant.name}", type="model", id=model_id)
        test_id = ev.used(name=test.name, type="feature_set", id=test.id, path=test.path,
                          hash=False)
        measured = scores(yt, model.predict(Xt))
        for name, value in measured.items():
            ev.log_metric(name, value, model=model_id, data=[test_id], procedure="holdout-test")
    return model_id, model_path, validation, measured


def learn(cfg: DemoConfig, sets: dict[str, FeatureSet],
          variants: list[Variant] | None = None) -> list[RunResult]:
    """Run every variant as its own workflow execution of its experiment; return the results."""
    variants = cfg.variants() if variants is None else variants
    cfg.steps.begin("learning", len(variants))
    results: list[RunResult] = []
    plan = [{"name": "train", "type": "training"},
            {"name": "validate", "type": "validation", "after": ["train"]},
            {"name": "evaluate", "type": "evaluation", "after": ["validate"]}]
    for variant in variants:
        with open_workflow(cfg, "seismic-structure-training", study=cfg.study,
                           experiment=variant.experiment, spec=plan,
                           params={"variant": variant.name, "feature_set": variant.train_set},
                           persona={"name": "li", "role": "ML engineer"}) as wf:
            model_id, path, validation, test = train_and_evaluate(wf, variant, sets, cfg)
        results.append(RunResult(variant, wf.id, model_id, path, validation, test))
        cfg.steps.advance("learning")
    return results


def best_run(results: list[RunResult]) -> RunResult:
    """The run with the best validation macro F1 (model selection never looks at the test set)."""
    return max(results, key=lambda r: (r.validation["val_f1_macro"], r.validation["val_accuracy"]))
