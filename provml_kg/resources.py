"""Locate the files shipped beside the package: ``ontology/`` and ``queries/``.

In a checkout (or an editable install) they sit next to the ``provml_kg`` package; in an
installed wheel they are data files under ``<prefix>/share/provml-kg/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from provml_kg.errors import OntologyError

_PACKAGE_DIR = Path(__file__).resolve().parent


def _candidates(name: str) -> list[Path]:
    return [
        _PACKAGE_DIR.parent / name,
        Path(sys.prefix) / "share" / "provml-kg" / name,
    ]


def _locate(name: str) -> Path:
    for path in _candidates(name):
        if path.is_dir():
            return path
    tried = ", ".join(str(p) for p in _candidates(name))
    raise OntologyError(f"cannot find the {name!r} folder shipped with provml-kg (tried: {tried})")


def ontology_dir() -> Path:
    """Return the folder holding ``provml.ttl``, ``provml.owl``, ``imports/`` and the catalog.

    Raises:
        OntologyError: the folder is neither in the checkout nor installed.
    """
    return _locate("ontology")


def queries_dir() -> Path:
    """Return the folder holding the stored queries (``*.rq``).

    Raises:
        OntologyError: the folder is neither in the checkout nor installed.
    """
    return _locate("queries")


def ontology_file(name: str = "provml.ttl") -> Path:
    """Return the path of a file in the ontology folder, e.g. ``provml.owl`` or ``imports/mls.ttl``.

    Raises:
        OntologyError: the file does not exist.
    """
    path = ontology_dir() / name
    if not path.is_file():
        raise OntologyError(f"ontology file {name!r} not found in {path.parent}")
    return path
