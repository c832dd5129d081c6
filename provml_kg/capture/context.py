"""The current execution of this thread or task, for the module-level MLflow-like API."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provml_kg.capture.runs import Execution

# A ContextVar is the one piece of module state here: it is per thread / asyncio task by design,
# and it is what lets `log_metric(...)` find the innermost open execution without passing it.
CURRENT: ContextVar[Execution | None] = ContextVar("provml_current_execution", default=None)
