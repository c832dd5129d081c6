"""How an execution ended (status and error object) and the slow path of metric values."""

from __future__ import annotations

import traceback
from typing import Any

from provml_kg.errors import EventValidationError


def error_info(exc: BaseException) -> dict[str, str]:
    """The ``error`` object of an end event: type, message and a (bounded) traceback."""
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    message = str(exc)[:8192] or name
    tb = "".join(traceback.format_exception(kind, exc, exc.__traceback__))[-32768:]
    return {"type": name[:1024], "message": message, "traceback": tb}


def status_of(exc: BaseException | None) -> str:
    """``finished`` without exception, ``killed`` for interrupts and exits, else ``failed``."""
    if exc is None:
        return "finished"
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        return "killed"
    return "failed"


def bad_metric(name: Any, value: Any) -> float:
    """Slow path of ``log_metric``: convert numpy/torch scalars, refuse the rest clearly."""
    if type(value) is not bool and hasattr(value, "item"):
        try:
            item = value.item()
        except (TypeError, ValueError, RuntimeError):
            item = None
        if type(item) in (int, float):
            return item  # type: ignore[return-value]
    shown = repr(value)[:80]
    raise EventValidationError(f"metric {name!r} value: got {shown} ({type(value).__name__}); "
                               "expected a number (int, float, or a numpy/torch scalar)")
