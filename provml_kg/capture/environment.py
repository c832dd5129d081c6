"""Who and where: the persona, the host/rank/device/software environment, and MPI discovery.

MPI is used only when the process was started by an MPI launcher (or ``mpi4py.MPI`` is already
imported): a plain ``python script.py`` never imports mpi4py, so capture works without MPI.
"""

from __future__ import annotations

import getpass
import importlib.metadata
import os
import platform
import socket
import sys
from dataclasses import dataclass
from typing import Any

from provml_kg.errors import CaptureError

# Environment variables that MPI launchers (MPICH/Hydra, Open MPI, PMIx, Intel MPI, Slurm's
# PMI) set in each rank; their presence means mpi4py's COMM_WORLD spans more than this process.
_LAUNCHER_VARS = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALRANKID")

# Distributions whose versions matter to an ML run, recorded only if their module is imported.
_PACKAGES = {"numpy": "numpy", "scipy": "scipy", "sklearn": "scikit-learn", "torch": "torch",
             "tensorflow": "tensorflow", "keras": "keras", "lightning": "lightning",
             "pandas": "pandas", "mpi4py": "mpi4py", "jax": "jax", "xgboost": "xgboost"}


@dataclass(frozen=True)
class MpiInfo:
    """The MPI communicator capture uses (``comm`` is None without MPI), this rank and the size."""
    comm: Any
    rank: int
    size: int


def discover_mpi(mode: bool | str = "auto", comm: Any = None) -> MpiInfo:
    """Return the communicator to share the workflow id on.

    ``mode``: ``"auto"`` (MPI if launched by an MPI launcher or mpi4py is imported), ``True``
    (require MPI), ``False`` (never). ``comm`` overrides ``MPI.COMM_WORLD``.

    Raises:
        CaptureError: ``mode=True`` and mpi4py cannot be imported.
    """
    if mode not in ("auto", True, False):
        raise CaptureError(f"mpi={mode!r}; expected 'auto', True or False")
    if comm is not None:
        return MpiInfo(comm, comm.Get_rank(), comm.Get_size())
    if mode is False:
        return MpiInfo(None, 0, 1)
    launched = any(v in os.environ for v in _LAUNCHER_VARS) or "mpi4py.MPI" in sys.modules
    if mode == "auto" and not launched:
        return MpiInfo(None, 0, 1)
    try:
        from mpi4py import MPI
    except ImportError as missing:
        if mode is True:
            raise CaptureError(f"mpi=True but mpi4py cannot be imported ({missing}); "
                               "pip install 'provml-kg[mpi]'") from None
        return MpiInfo(None, 0, 1)
    world = MPI.COMM_WORLD
    return MpiInfo(world if world.Get_size() > 1 else None, world.Get_rank(), world.Get_size())


def share_id(info: MpiInfo, value: str) -> str:
    """Return rank 0's ``value`` on every rank (a broadcast); ``value`` itself without MPI."""
    if info.comm is None:
        return value
    shared: str = info.comm.bcast(value, root=0)
    return shared


def default_persona() -> dict[str, str]:
    """The login name of the process owner, as a persona."""
    try:
        return {"name": getpass.getuser()}
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        return {"name": f"uid-{os.getuid()}"}


def detect_device() -> str:
    """``cuda:N (<name>)`` when PyTorch is already imported and sees a GPU, else ``cpu``."""
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available():
            index = torch.cuda.current_device()
            return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    except Exception:  # noqa: BLE001 - a broken CUDA setup must not break capture
        pass
    return "cpu"


def environment(info: MpiInfo, device: str | None = None) -> dict[str, Any]:
    """Return the ``env`` object of ``workflow_start`` for this process (see docs/events.md)."""
    packages: dict[str, str] = {}
    for module, dist in _PACKAGES.items():
        if module in sys.modules:
            # the module's own __version__ is free; reading the distribution's metadata costs ms
            version = getattr(sys.modules[module], "__version__", None)
            if not isinstance(version, str):
                try:
                    version = importlib.metadata.version(dist)
                except importlib.metadata.PackageNotFoundError:
                    continue
            packages[dist] = version
    from provml_kg import __version__
    packages["provml-kg"] = __version__
    return {"host": socket.gethostname() or "unknown", "rank": info.rank, "size": info.size,
            "device": device or detect_device(), "python": platform.python_version(),
            "platform": platform.platform(), "pid": os.getpid(), "packages": packages}
