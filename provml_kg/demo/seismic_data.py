"""Synthetic seismic volumes with interpreted geological structures, for the demo lifecycle.

A cube is built the way a geophysicist would fake one: a layered impedance model (random layer
thicknesses, gently folded and dipping), cut by a normal fault (the hanging wall shifted down),
with a sand channel meandering along the inlines and a salt dome rising from the bottom; the
reflectivity (derivative of log impedance) is convolved with a Ricker wavelet along time and
noise is added. Every sample gets a structure label (:data:`STRUCTURES`), so the volume is a
small but honest stand-in for a labelled seismic interpretation data set.

>>> import numpy as np
>>> amplitude, labels = generate_cube(CubeSpec("demo", seed=1, shape=(16, 16, 32)))
>>> amplitude.shape, amplitude.dtype, labels.dtype
((16, 16, 32), dtype('float32'), dtype('uint8'))
>>> sorted(int(v) for v in np.unique(labels)) == list(range(len(STRUCTURES)))
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import convolve1d

# Structure codes in label order; they are the seismic:structureCode values of the domain
# ontology and the suffix of per-class measures ("recall/fault").
STRUCTURES: tuple[str, ...] = ("background", "fault", "channel", "salt")


@dataclass(frozen=True)
class Survey:
    """A seismic survey: its name, basin, geographic bounding box and trace numbering."""

    name: str
    basin: str
    west: float
    east: float
    south: float
    north: float
    inline_origin: int = 100
    crossline_origin: int = 300


@dataclass(frozen=True)
class CubeSpec:
    """What to generate: a cube ``name`` from ``survey``, its random ``seed`` and ``shape``
    (inlines, crosslines, samples) and where its first inline/crossline sit in the survey."""

    name: str
    seed: int
    shape: tuple[int, int, int] = (64, 64, 64)
    survey: Survey = field(default_factory=lambda: SURVEYS[0])
    inline_offset: int = 0
    crossline_offset: int = 0

    @property
    def inline_range(self) -> tuple[int, int]:
        """First and last inline number of the cube."""
        first = self.survey.inline_origin + self.inline_offset
        return first, first + self.shape[0] - 1

    @property
    def crossline_range(self) -> tuple[int, int]:
        """First and last crossline number of the cube."""
        first = self.survey.crossline_origin + self.crossline_offset
        return first, first + self.shape[1] - 1


SURVEYS: tuple[Survey, ...] = (
    Survey("F3 Block", "North Sea", 4.25, 4.85, 54.75, 55.05, 100, 300),
    Survey("Santos Deepwater 3D", "Santos", -44.9, -44.1, -25.6, -24.9, 1000, 2000),
    Survey("Campos Legacy 3D", "Campos", -40.7, -40.1, -22.8, -22.2, 500, 800),
)


def ricker(frequency: float, dt: float = 0.004, length: float = 0.128) -> np.ndarray:
    """Return a Ricker wavelet of peak ``frequency`` (Hz) sampled every ``dt`` seconds."""
    t = np.arange(-length / 2, length / 2 + dt / 2, dt)
    arg = (np.pi * frequency * t) ** 2
    return ((1.0 - 2.0 * arg) * np.exp(-arg)).astype(np.float64)


def generate_cube(spec: CubeSpec) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(amplitude float32, labels uint8)``, both of ``spec.shape``; deterministic in
    ``spec.seed``. Labels index :data:`STRUCTURES`.

    Raises:
        ValueError: a dimension of ``spec.shape`` is below 8.
    """
    ni, nx, nt = spec.shape
    if min(spec.shape) < 8:
        raise ValueError(f"cube shape {spec.shape!r}: every dimension must be at least 8")
    rng = np.random.default_rng(spec.seed)
    i, x, t = np.meshgrid(np.arange(ni, dtype=np.float64), np.arange(nx, dtype=np.float64),
                          np.arange(nt, dtype=np.float64), indexing="ij")

    # layered earth: relative geological time tau, folded and dipping
    fold = rng.uniform(1.5, 4.0) * np.sin(2 * np.pi * x / nx * rng.uniform(0.5, 1.5)
                                          + rng.uniform(0, np.pi))
    dip = rng.uniform(-0.08, 0.08) * i + rng.uniform(-0.08, 0.08) * x
    tau = t - fold - dip

    # a normal fault: a plane in (crossline, time), the hanging wall (beyond it) shifted down
    x_fault = nx * rng.uniform(0.3, 0.7) + np.tan(np.radians(rng.uniform(15, 35))) * (t - nt / 2) \
        + rng.uniform(-0.1, 0.1) * i
    throw = rng.uniform(4.0, 8.0)
    tau = np.where(x > x_fault, tau - throw, tau)

    thickness = rng.integers(2, 6, size=4 * nt)
    boundaries = np.cumsum(thickness) - 2 * nt
    layer_impedance = rng.uniform(2.0, 4.0, size=boundaries.size)
    impedance = layer_impedance[np.clip(np.searchsorted(boundaries, tau), 0, boundaries.size - 1)]

    labels = np.zeros(spec.shape, dtype=np.uint8)
    # a sand channel meandering along the inlines: a half ellipse below its top
    x_channel = nx * rng.uniform(0.2, 0.8) + nx * 0.12 * np.sin(2 * np.pi * i / ni * rng.uniform(0.7, 1.6))
    t_channel = nt * rng.uniform(0.25, 0.4)
    width, depth = nx * rng.uniform(0.06, 0.1), nt * rng.uniform(0.05, 0.09)
    channel = (((x - x_channel) / width) ** 2 + ((t - t_channel) / depth) ** 2 < 1) & (t >= t_channel)
    impedance = np.where(channel, 1.6, impedance)
    labels[channel] = STRUCTURES.index("channel")

    # a salt dome rising from the bottom: homogeneous and fast, no internal reflections
    ic, xc = ni * rng.uniform(0.3, 0.7), nx * rng.uniform(0.3, 0.7)
    sigma = min(ni, nx) * rng.uniform(0.15, 0.25)
    top = nt * 0.98 - nt * rng.uniform(0.3, 0.45) * np.exp(-((i - ic) ** 2 + (x - xc) ** 2) / (2 * sigma ** 2))
    salt = t >= top
    impedance = np.where(salt, 4.5, impedance)
    labels[salt] = STRUCTURES.index("salt")

    fault = (np.abs(x - x_fault) < 1.0) & ~salt
    labels[fault] = STRUCTURES.index("fault")

    reflectivity = np.diff(np.log(impedance), axis=2, prepend=np.log(impedance[:, :, :1]))
    amplitude = convolve1d(reflectivity, ricker(rng.uniform(25, 40)), axis=2, mode="nearest")
    amplitude += rng.normal(0.0, 0.08 * amplitude.std(), size=amplitude.shape)
    return amplitude.astype(np.float32), labels


def write_cube(directory: Path, spec: CubeSpec) -> tuple[Path, Path]:
    """Generate ``spec`` and write ``<name>.npy`` (amplitude) and ``<name>.labels.npy``.

    Returns:
        The two paths.
    """
    directory.mkdir(parents=True, exist_ok=True)
    amplitude, labels = generate_cube(spec)
    cube_path, label_path = directory / f"{spec.name}.npy", directory / f"{spec.name}.labels.npy"
    np.save(cube_path, amplitude)
    np.save(label_path, labels)
    return cube_path, label_path


def zscore(cube: np.ndarray, clip: float = 3.0) -> np.ndarray:
    """Return the cube standardised to zero mean and unit variance, clipped to ``±clip``."""
    std = float(cube.std()) or 1.0
    return np.clip((cube - cube.mean()) / std, -clip, clip).astype(np.float32)


def patch_features(section: np.ndarray, half: int) -> np.ndarray:
    """Return one feature row per sample of a 2-D ``section`` (crosslines x samples): the
    ``(2*half+1)**2`` amplitudes of the patch around it (edges reflected), then the patch's
    standard deviation and mean absolute amplitude."""
    padded = np.pad(section, half, mode="reflect")
    windows = sliding_window_view(padded, (2 * half + 1, 2 * half + 1))
    flat = windows.reshape(section.shape[0] * section.shape[1], -1)
    extra = np.stack([flat.std(axis=1), np.abs(flat).mean(axis=1)], axis=1)
    return np.concatenate([flat, extra], axis=1).astype(np.float32)


def feature_names(half: int) -> list[str]:
    """Names of the columns :func:`patch_features` returns."""
    offsets = range(-half, half + 1)
    return [f"amp[{dx:+d},{dt:+d}]" for dx in offsets for dt in offsets] + ["patch_std", "patch_mean_abs"]


def sample_patches(cube: np.ndarray, labels: np.ndarray, inlines: list[int], *, half: int,
                   per_class: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Balanced training rows from inline sections of a (normalised) cube: up to ``per_class``
    samples of every structure class, drawn at random from the ``inlines`` given.

    Returns:
        ``(features float32 [n, (2*half+1)**2 + 2], labels uint8 [n])``.
    """
    feats = np.concatenate([patch_features(cube[k], half) for k in inlines])
    labs = np.concatenate([labels[k].reshape(-1) for k in inlines])
    chosen = []
    for code in range(len(STRUCTURES)):
        where = np.flatnonzero(labs == code)
        if where.size:
            chosen.append(rng.choice(where, size=min(per_class, where.size), replace=False))
    index = rng.permutation(np.concatenate(chosen))
    return feats[index], labs[index]
