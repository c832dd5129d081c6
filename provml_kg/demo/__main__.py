"""``python -m provml_kg.demo [--mpi] [--scale N] [--workdir DIR] [--store PATH] [--serve]``:
the same as ``provml demo`` (under ``mpiexec -n N`` with ``--mpi``)."""

from __future__ import annotations

import sys

from provml_kg.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
