"""Describe data and models as event entities: content hashes, sizes, rows, frameworks.

Ids are content-derived where the content is at hand (``ds-`` + 32 hex of sha256 over the
bytes, shape and dtype of an array, or over a file), so two workflows that use the same data
meet at the same graph node. None of this runs on the per-metric hot path.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
import uuid
from pathlib import Path
from typing import Any

from provml_kg.errors import CaptureError
from provml_kg.events import ENTITY_TYPES, check_scalar, stable_id

_CHUNK = 1 << 20


def file_digest(path: str | os.PathLike[str]) -> tuple[str, int]:
    """Return ``("sha256:<hex>", size in bytes)`` of a file.

    Raises:
        CaptureError: the file cannot be read.
    """
    h = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
                size += len(chunk)
    except OSError as bad:
        raise CaptureError(f"cannot hash {os.fspath(path)!r}: {bad}") from None
    return f"sha256:{h.hexdigest()}", size


def array_digest(data: Any) -> tuple[str, int, int | None]:
    """Return ``("sha256:<hex>", rows, columns or None)`` of an array-like (numpy, pandas, list).

    Raises:
        CaptureError: the object cannot be viewed as an array.
    """
    try:
        import numpy as np
        values = data.to_numpy() if hasattr(data, "to_numpy") else data
        array = np.ascontiguousarray(values)
    except Exception as bad:  # noqa: BLE001 - any conversion failure means "not array-like"
        raise CaptureError(f"cannot read {type(data).__name__} as an array: {bad}") from None
    h = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    if array.dtype.hasobject:
        h.update(pickle.dumps(array.tolist()))
    else:
        h.update(memoryview(array).cast("B"))
    rows = int(array.shape[0]) if array.ndim else 1
    cols = int(array.shape[1]) if array.ndim == 2 else None
    return f"sha256:{h.hexdigest()}", rows, cols


def entity(data: Any = None, *, name: str, type: str = "dataset", id: str | None = None,
           path: str | os.PathLike[str] | None = None, uri: str | None = None,
           features: list[str] | None = None, characteristics: dict[str, Any] | None = None,
           hash: bool = True) -> dict[str, Any]:
    """Build the ``entity`` object of a ``data`` event (validated later with the event).

    ``data`` may be an array-like (hashed, rows counted), a scalar (``type="value"``) or None
    with ``path`` (the file is hashed unless ``hash=False``).
    """
    if type not in ENTITY_TYPES:
        raise CaptureError(f"entity type {type!r}; expected one of {', '.join(ENTITY_TYPES)}")
    ent: dict[str, Any] = {"type": type, "name": name}
    digest = None
    if path is not None:
        ent["path"] = os.fspath(path)
        if hash and Path(path).is_file():
            digest, ent["size"] = file_digest(path)
    if uri is not None:
        ent["uri"] = uri
    if data is not None:
        if type == "value" or isinstance(data, (str, int, float, bool)):
            ent["value"] = check_scalar(f"{name} value", data)
            ent["type"] = "value"
            id = id or stable_id("val", name, repr(data))
        else:
            digest, ent["rows"], cols = array_digest(data)
            if cols is not None:
                ent.setdefault("characteristics", {})["columns"] = cols
    if digest is not None:
        ent["hash"] = digest
    if features is not None:
        ent["features"] = [str(f) for f in features]
    if characteristics:
        ent.setdefault("characteristics", {}).update(_plain(characteristics))
    if id is None:
        id = f"ds-{digest[7:39]}" if digest else stable_id("ds", name, ent.get("path", ""),
                                                           uuid.uuid4().hex)
    ent["id"] = id
    return ent


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Turn numpy scalars and other ``.item()``-able values into Python scalars."""
    out = {}
    for key, value in values.items():
        if hasattr(value, "item") and not isinstance(value, (str, bytes)):
            try:
                value = value.item()
            except (TypeError, ValueError):
                pass
        out[str(key)] = value
    return out


def plain_params(values: dict[str, Any]) -> dict[str, Any]:
    """Like :func:`_plain`, for hyperparameters; other objects (estimators...) become ``str``."""
    out = _plain(values)
    for key, value in out.items():
        if value is not None and not isinstance(value, (str, int, float, bool)):
            out[key] = repr(value) if not isinstance(value, type) else value.__name__
    return out


def framework_of(model: Any) -> str | None:
    """``"<distribution> <version>"`` of the package a model object comes from, if known."""
    if model is None:
        return None
    top = type(model).__module__.split(".")[0]
    if top in ("builtins", "__main__"):
        return None
    dist = {"sklearn": "scikit-learn"}.get(top, top)
    try:
        return f"{dist} {importlib.metadata.version(dist)}"
    except importlib.metadata.PackageNotFoundError:
        return dist


def model_fields(model: Any = None, path: str | os.PathLike[str] | None = None,
                 framework: str | None = None) -> dict[str, Any]:
    """Return ``path``, ``hash``, ``size`` and ``framework`` of a ``model`` event.

    The hash is of the file at ``path``; without a path, of the pickled ``model`` when it
    pickles (scikit-learn estimators do), else absent.
    """
    out: dict[str, Any] = {}
    if path is not None:
        out["path"] = os.fspath(path)
        if Path(path).is_file():
            out["hash"], out["size"] = file_digest(path)
    elif model is not None:
        try:
            blob = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
            out["hash"], out["size"] = f"sha256:{hashlib.sha256(blob).hexdigest()}", len(blob)
        except Exception:  # noqa: BLE001 - unpicklable models are recorded without a hash
            pass
    fw = framework or framework_of(model)
    if fw:
        out["framework"] = fw
    return out
