"""What a demo run does: sizes, hyperparameter variants, where files go, capture on or off.

``scale`` sets the amount of work: 0 is a smoke test (32³ cubes, 2 runs of 3 epochs), 1 the
default (64³ cubes, 6 runs of 10 epochs on 4,800 training patches), N multiplies the runs, the
epochs and the training patches by N (so a run trains about N² times longer).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from provml_kg.demo.seismic_data import SURVEYS, CubeSpec
from provml_kg.errors import InputError

STUDY = "seismic-structure-classification"
SEISMIC = "https://w3id.org/provml/domains/seismic#"
MLP_EXPERIMENT = "mlp-all-basins"
SGD_EXPERIMENT = "linear-north-sea"


class Steps(Protocol):
    """Progress hooks: a phase begins with a number of steps, then advances one at a time."""

    def begin(self, phase: str, total: int) -> None:
        """A phase of ``total`` steps starts."""

    def advance(self, phase: str) -> None:
        """One step of ``phase`` is done."""


class QuietSteps:
    """Progress hooks that show nothing."""

    def begin(self, phase: str, total: int) -> None:
        """Ignore."""

    def advance(self, phase: str) -> None:
        """Ignore."""


@dataclass(frozen=True)
class Variant:
    """One hyperparameter variant: a run of an experiment."""

    experiment: str
    name: str
    algorithm: str
    implementation: str
    train_set: str
    model_params: dict[str, Any]
    learning_params: dict[str, Any]


@dataclass
class DemoConfig:
    """Settings of one demo run.

    Args:
        workdir: the demo's file store (cubes, feature sets, models) and spool folder.
        scale: 0 smoke test, 1 default, N: N times the runs and epochs.
        capture: False runs the same code with capture switched off (for the overhead bench).
        seed: seed of every random choice (data, sampling, initialisation).
        wrap_workflow: called with the function that opens each workflow; returns what stands
            for it (the overhead benchmark times the calls into capture that way).

    Raises:
        InputError: ``scale`` is negative.
    """

    workdir: Path
    scale: int = 1
    capture: bool = True
    seed: int = 0
    spool_dir: Path | None = None
    steps: Steps = field(default_factory=QuietSteps)
    study: str = STUDY
    fsync: bool = True
    flush_interval: float = 1.0
    wrap_workflow: Callable[[Callable[[], Any]], Any] | None = None

    def __post_init__(self) -> None:
        if type(self.scale) is not int or self.scale < 0:
            raise InputError(f"scale {self.scale!r}: expected an integer >= 0 (0 = smoke test, "
                             "1 = default, N = N times the runs and epochs)")
        self.workdir = Path(self.workdir)
        if self.spool_dir is None:
            self.spool_dir = self.workdir / "spool"

    @property
    def repository(self) -> Path:
        """The folder of the seismic repository (the domain data store)."""
        return self.workdir / "seismic-repository"

    @property
    def cube_shape(self) -> tuple[int, int, int]:
        """Inlines, crosslines and samples of every cube."""
        return (32, 32, 32) if self.scale == 0 else (64, 64, 64)

    @property
    def epochs(self) -> int:
        """Epochs of every training run."""
        return 3 if self.scale == 0 else 10 * self.scale

    @property
    def per_class(self) -> int:
        """Training patches drawn per structure class and cube (more data per epoch at scale)."""
        return 60 if self.scale == 0 else 400 * self.scale

    def cubes(self) -> tuple[list[CubeSpec], CubeSpec]:
        """The training cubes (two North Sea, one Santos) and the new production cube."""
        north_sea, santos = SURVEYS[0], SURVEYS[1]
        shape, s = self.cube_shape, self.seed
        training = [CubeSpec("f3-block-a", s + 11, shape, north_sea, 0, 0),
                    CubeSpec("f3-block-b", s + 12, shape, north_sea, shape[0], 0),
                    CubeSpec("santos-deep-a", s + 21, shape, santos, 0, 0)]
        production = CubeSpec("santos-deep-b", s + 22, shape, santos, shape[0], 0)
        return training, production

    def variants(self) -> list[Variant]:
        """Hyperparameter variants: MLPs on all basins, linear baselines on North Sea only."""
        hidden = [(32,), (16,), (64,), (32, 16), (64, 32)]
        rates = [3e-3, 1e-3, 1e-2]
        alphas = [1e-4, 1e-3]
        mlp_count, sgd_count = (1, 1) if self.scale == 0 else (4 * self.scale, 2 * self.scale)
        # a fixed, varied order of the grid: each run differs from the one before in every knob
        grid = itertools.cycle([(rates[k % 3], hidden[k % 5], alphas[k % 2]) for k in range(30)])
        out: list[Variant] = []
        for k in range(mlp_count):
            rate, layers, alpha = next(grid)
            out.append(Variant(
                MLP_EXPERIMENT, f"mlp-{k:02d}", "multilayer perceptron",
                "sklearn.neural_network.MLPClassifier", "train-all-basins",
                {"hidden_layer_sizes": "x".join(map(str, layers)), "activation": "relu"},
                {"learning_rate_init": rate, "alpha": alpha, "batch_size": 200,
                 "epochs": self.epochs, "solver": "adam", "random_state": self.seed + k}))
        for k in range(sgd_count):
            out.append(Variant(
                SGD_EXPERIMENT, f"sgd-{k:02d}", "logistic regression (SGD)",
                "sklearn.linear_model.SGDClassifier", "train-north-sea",
                {"loss": "log_loss", "penalty": "l2"},
                {"alpha": alphas[k % 2] * (10 ** (k // 2)), "epochs": self.epochs,
                 "learning_rate": "optimal", "random_state": self.seed + k}))
        return out
