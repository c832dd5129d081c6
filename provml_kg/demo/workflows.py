"""Open a demo workflow: a real capture workflow, or a do-nothing one when capture is off."""

from __future__ import annotations

from typing import Any

from provml_kg.demo.config import DemoConfig
from provml_kg.demo.nocapture import NullWorkflow


def open_workflow(cfg: DemoConfig, name: str, **options: Any) -> Any:
    """Return a workflow context manager for ``name`` writing to the demo's spool folder.

    Without MPI options the workflow is serial (``mpi=False``), so a rank of an MPI job can run
    its own single-process workflows; pass ``mpi=True`` and ``comm=`` for a shared one. With
    ``cfg.wrap_workflow`` set, it is called with the function that creates the workflow and
    returns what stands for it (the overhead benchmark times capture that way).
    """
    def make() -> Any:
        if not cfg.capture:
            return NullWorkflow(name, **options)
        from provml_kg import capture

        options.setdefault("mpi", False)
        return capture.workflow(name, spool_dir=cfg.spool_dir, fsync=cfg.fsync,
                                flush_interval=cfg.flush_interval, **options)

    return cfg.wrap_workflow(make) if cfg.wrap_workflow is not None else make()
