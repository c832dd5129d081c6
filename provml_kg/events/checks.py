"""Value checks of event fields: each takes ``(path, value)`` and returns the value or raises.

Every error is an :class:`~provml_kg.errors.EventValidationError` whose message names the field
path, shows the bad value (repr, truncated) with its type, and says what is valid.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from provml_kg.errors import EventValidationError

STATUSES = ("finished", "failed", "killed")
STAGES = ("training", "validation", "evaluation")
SCOPES = ("learning", "model")
ROLES = ("used", "generated")
ENTITY_TYPES = ("dataset", "feature_set", "file", "value", "domain", "model")
NONFINITE = {"NaN": math.nan, "INF": math.inf, "-INF": -math.inf}

Scalar: TypeAlias = str | int | float | bool | None

# Ids are appended to IRIs by the graph builder, so they keep to characters that need no escaping.
ID_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:~-]{0,127}")
HASH_RE = re.compile(r"(sha256|sha1|md5|blake2b):[0-9a-f]{16,128}")
NAME_MAX = 1024
TEXT_MAX = 8192

Check: TypeAlias = Callable[[str, Any], Any]


def fail(path: str, value: Any, expected: str) -> EventValidationError:
    """The error for a bad ``value`` at ``path``: names it, shows it, says what is valid."""
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return EventValidationError(f"{path}: got {shown} ({type(value).__name__}); expected {expected}")


def text(limit: int) -> Check:
    def check(path: str, value: Any) -> str:
        if type(value) is not str or not value or len(value) > limit:
            raise fail(path, value, f"a non-empty string of at most {limit} characters")
        return value
    return check


name_ = text(NAME_MAX)
long_text = text(TEXT_MAX)


def check_id(path: str, value: Any) -> str:
    """Return ``value`` if it is a valid id, else raise :class:`EventValidationError`.

    Ids are 1 to 128 characters from ``A-Z a-z 0-9 _ . : ~ -``, not starting with ``.``, ``:``,
    ``~`` or ``-``: they go into IRIs unescaped.
    """
    if type(value) is not str or not ID_RE.fullmatch(value):
        raise fail(path, value, "an id: 1-128 characters from A-Z a-z 0-9 _ . : ~ - "
                                 "starting with a letter, digit or _")
    return value


def integer(minimum: int) -> Check:
    def check(path: str, value: Any) -> int:
        if type(value) is not int or value < minimum:
            raise fail(path, value, f"an integer >= {minimum}")
        return value
    return check


count = integer(0)


def number(path: str, value: Any) -> float | int:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise fail(path, value, "a finite number (int or float)")
    return value


def metric_number(path: str, value: Any) -> float | int | str:
    if type(value) is str and value in NONFINITE:
        return value
    if type(value) not in (int, float):
        raise fail(path, value, 'a number (int or float), or "NaN", "INF", "-INF"')
    if type(value) is float and not math.isfinite(value):
        return "NaN" if value != value else ("INF" if value > 0 else "-INF")
    return value


def enum(values: tuple[str, ...]) -> Check:
    def check(path: str, value: Any) -> str:
        if value not in values or type(value) is not str:
            raise fail(path, value, "one of " + ", ".join(repr(v) for v in values))
        return value
    return check


def hash_value(path: str, value: Any) -> str:
    if type(value) is not str or not HASH_RE.fullmatch(value):
        raise fail(path, value, "'<algorithm>:<lowercase hex>' with algorithm sha256, sha1, "
                                 "md5 or blake2b, e.g. 'sha256:9f86d0...'")
    return value


def check_scalar(path: str, value: Any) -> Scalar:
    """Return ``value`` if it is a JSON scalar (str, int, finite float, bool, None), else raise."""
    if value is None or type(value) in (str, bool, int):
        return value
    if type(value) is float and math.isfinite(value):
        return value
    raise fail(path, value, "a JSON scalar: str, int, finite float, bool or null "
                             "(convert other objects, e.g. with str() or float())")


def scalar_map(path: str, value: Any) -> dict[str, Scalar]:
    if not isinstance(value, Mapping):
        raise fail(path, value, "an object mapping names to scalars")
    out: dict[str, Scalar] = {}
    for key, item in value.items():
        if type(key) is not str or not key or len(key) > NAME_MAX:
            raise fail(f"{path} key", key, f"a non-empty string of at most {NAME_MAX} characters")
        out[key] = check_scalar(f"{path}.{key}", item)
    return out


def str_map(path: str, value: Any) -> dict[str, str]:
    out = scalar_map(path, value)
    for key, item in out.items():
        if type(item) is not str:
            raise fail(f"{path}.{key}", item, "a string")
    return out


def list_of(item_check: Check, what: str) -> Check:
    def check(path: str, value: Any) -> list[Any]:
        if type(value) not in (list, tuple):
            raise fail(path, value, f"a list of {what}")
        return [item_check(f"{path}[{i}]", item) for i, item in enumerate(value)]
    return check

